"""Field kinds as data: kind -> reader, with its options (range, fractions, partial dates ...).

A form describes each of its questions as a `Field`: the kind, the options for the reader and
the form's own message code for each generic code the reader returns. `read(field, text)` is
then the whole of reading an answer; both forms (eligibility and application) go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from knowledge.reading.country import read_country
from knowledge.reading.dates import read_date, read_year
from knowledge.reading.durations import read_months_per_year, read_years
from knowledge.reading.money import read_money
from knowledge.reading.parsed import Parsed, fail
from knowledge.reading.rating import read_rating, read_rating_reason


def _date(text: str, *, partial: bool = False) -> Parsed:
    return read_date(text, partial=partial)


def _year(text: str) -> Parsed:
    year = read_year(text)
    return Parsed(year) if year is not None else fail("year_format")


def _country(text: str) -> Parsed:
    found, suggestion = read_country(text)
    if found is not None:
        return Parsed(found.alpha_2)
    return fail("suggest", country=suggestion) if suggestion is not None else fail("unknown")


READERS: dict[str, Callable[..., Parsed]] = {
    "money": read_money,  # low, high (yuan a year)
    "years": read_years,  # low, high, fractions, age
    "months_per_year": read_months_per_year,  # high
    "date": _date,  # partial
    "year": _year,
    "country": _country,
    "rating": read_rating,  # satisfaction level 1..5 (好差评)
    "rating_reason": read_rating_reason,  # what went wrong with a bad rating
}


@dataclass(frozen=True)
class Field:
    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)  # reader's generic code -> the form's code


def read(spec: Field, text: str, **extra: Any) -> Parsed:
    """The answer read by the field's kind; `extra` options known only at run time (an age)."""
    return READERS[spec.kind](text, **{**spec.options, **extra}).renamed(spec.codes)
