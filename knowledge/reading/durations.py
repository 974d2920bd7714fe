"""How long: years of experience ("6 years", "六年", "18 months", "half a year", "none") and months
a year ("9个月", "all year", "6 weeks"). Generic codes: negative, no_number, not_whole,
out_of_range (min, max), exceeds_age (years, age)."""

from __future__ import annotations

import re
from typing import Any

from knowledge.reading.choices import is_none, no_experience
from knowledge.reading.negation import first_number, is_negative, without_negated
from knowledge.reading.normalise import normalise
from knowledge.reading.parsed import Parsed, fail

WORK_START_AGE = 14  # experience cannot start earlier
_HALF_YEAR = re.compile(r"half (?:a|the) year|半年")
_MONTHS = re.compile(r"months?|个月")
_YEARS = re.compile(r"years?|年(?!薪)")
_ALL_YEAR = re.compile(r"all year|whole year|full year|all the time|全年|整年|一直|常年")
_WEEKS = re.compile(r"weeks?|周|星期")


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


def years_in(text: str) -> float | Parsed:
    """The number of years an answer gives, or a failed Parsed."""
    norm = normalise(text, collapse=True)
    if is_none(norm, "amount") or no_experience(norm):
        return 0.0
    if _HALF_YEAR.search(norm) and first_number(norm) is None:
        return 0.5
    if is_negative(norm):
        return fail("negative")
    value = first_number(norm)
    if value is None:
        return fail("no_number")
    kept = without_negated(norm)
    if _MONTHS.search(kept) and not _YEARS.search(kept):
        value = round(value / 12, 1)
    return value


def check_years(
    value: float, *, low: float = 0, high: float | None = None, fractions: bool = True, age: Any = None
) -> Parsed:
    """Years against the range, and against the working life when the age is known."""
    if not fractions and not float(value).is_integer():
        return fail("not_whole")
    if not low <= value <= (high if high is not None else 10**9):
        return fail("out_of_range", min=low, max=high)
    if isinstance(age, (int, float)) and not isinstance(age, bool) and value > age - WORK_START_AGE:
        return fail("exceeds_age", years=_plain(value), age=_plain(age))
    return Parsed(_plain(value))


def read_years(
    text: str, *, low: float = 0, high: float | None = None, fractions: bool = True, age: Any = None
) -> Parsed:
    value = years_in(text)
    if isinstance(value, Parsed):
        value.params.update(min=low, max=high)  # "-2": out of the range
        return value
    return check_years(value, low=low, high=high, fractions=fractions, age=age)


def read_months_per_year(text: str, *, high: float = 12) -> Parsed:
    """Months a year: "6", "9个月", "半年" 6, "all year" 12, "none" 0, "6 weeks" 1.4."""
    norm = normalise(text, collapse=True)
    if _ALL_YEAR.search(norm):
        return Parsed(12)
    if _HALF_YEAR.search(norm) and first_number(norm) is None:
        return Parsed(6)
    if is_none(norm, "amount") or no_experience(norm):
        return Parsed(0)
    if is_negative(norm):
        return fail("negative")
    value = first_number(norm)
    if value is None:
        return fail("no_number")
    if _WEEKS.search(norm):
        value = round(value / 4.33, 1)
    if not 0 <= value <= high:
        return fail("out_of_range", min=0, max=high)
    return Parsed(_plain(value))
