"""One reader for answers typed in a chat, in English, Chinese or both, used by both forms
(the eligibility check, actions/parsing.py, and the application form, knowledge/application).

Readers return a `Parsed`: a value, or a generic message code with its params (never a
sentence); each form maps the codes to its own catalogue (see kinds.Field)."""

from knowledge.reading.choices import first_match, is_none, is_skip, new_employer, read_yes_no
from knowledge.reading.country import read_country
from knowledge.reading.dates import add, age_on, as_date, read_date, read_year
from knowledge.reading.durations import check_years, read_months_per_year, read_years
from knowledge.reading.kinds import READERS, Field, read
from knowledge.reading.money import check_money, read_money
from knowledge.reading.negation import first_number, is_negative, without_negated
from knowledge.reading.normalise import CJK, normalise
from knowledge.reading.numbers import NUMBER_RUN, chinese_digits_to_arabic, numbers_in, parse_number
from knowledge.reading.parsed import Parsed, fail
from knowledge.reading.rating import read_rating, read_rating_reason

__all__ = [
    "CJK",
    "NUMBER_RUN",
    "READERS",
    "Field",
    "Parsed",
    "add",
    "age_on",
    "as_date",
    "check_money",
    "check_years",
    "chinese_digits_to_arabic",
    "fail",
    "first_match",
    "first_number",
    "is_negative",
    "is_none",
    "is_skip",
    "normalise",
    "numbers_in",
    "new_employer",
    "parse_number",
    "read",
    "read_country",
    "read_date",
    "read_money",
    "read_rating",
    "read_rating_reason",
    "read_months_per_year",
    "read_year",
    "read_years",
    "read_yes_no",
    "without_negated",
]
