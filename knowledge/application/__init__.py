"""The merged application form (一表申请): data and a pure engine, no web code.

Data (YAML, this folder): items.yml, fields.yml, departments.yml, consent.yml; its sentences
are texts/application_engine.yml.
Contract: docs/application.md; how to add a field or an item: docs/application-fields.md.
"""

from __future__ import annotations

from knowledge.application.catalogue import (
    FIELD_KINDS,
    ROLES,
    Catalogue,
    Choice,
    Consent,
    DataError,
    Department,
    FieldSpec,
    Item,
    Savings,
    Service,
    catalogue,
    load_catalogue,
)
from knowledge.application.fields import (
    Parsed,
    carry_over,
    check_answers,
    match_choice,
    parse_field,
    validate_value,
)
from knowledge.application.masking import display, mask
from knowledge.application.mentions import find_field_mentions, strip_lead_in
from knowledge.application.messages import message

__all__ = [
    "FIELD_KINDS",
    "ROLES",
    "Catalogue",
    "Choice",
    "Consent",
    "DataError",
    "Department",
    "FieldSpec",
    "Item",
    "Parsed",
    "Savings",
    "Service",
    "carry_over",
    "catalogue",
    "check_answers",
    "display",
    "find_field_mentions",
    "load_catalogue",
    "mask",
    "match_choice",
    "message",
    "parse_field",
    "strip_lead_in",
    "validate_value",
]
