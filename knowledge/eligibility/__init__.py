"""The eligibility engine: category, points, conditions and the one-time checklist (一次告知).

Policy is data (knowledge/points/, knowledge/materials/, knowledge/agreements.yml, the
region profiles); this package is the mechanism. Pure Python: no web framework, no
database. Guide: docs/eligibility.md.
"""

from knowledge.eligibility.assess import Assessment, assess, read_regions
from knowledge.eligibility.data import DEFAULT_KNOWLEDGE_DIR, DataError, EligibilityData, load_data, read_data
from knowledge.eligibility.inputs import FIELDS, Applicant, FieldError, InvalidInput, parse_applicant

__all__ = [
    "DEFAULT_KNOWLEDGE_DIR",
    "FIELDS",
    "Applicant",
    "Assessment",
    "DataError",
    "EligibilityData",
    "FieldError",
    "InvalidInput",
    "assess",
    "load_data",
    "parse_applicant",
    "read_data",
    "read_regions",
]
