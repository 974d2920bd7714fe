"""Dates in answers ("1990年5月12日", "12 May 1990", "May 12, 1990", "1990-05-12", "12/05/1990")
and the date rules of fields.yml ("min: today+6m", "max: contract_start+5y").

A numeric day/month/year such as 12/05/1990 is read only when it cannot be the other way
round (13/05/1990, or the same day and month); otherwise the answer names both readings and
asks again, because a wrong guess would silently store a wrong date of birth.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from knowledge.reading.numbers import chinese_digits_to_arabic

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
          "oct": 10, "nov": 11, "dec": 12}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_ORD = r"(?:st|nd|rd|th)?"

# (name, pattern): each gives year, month and day groups in the order its reader expects.
_FULL = [
    ("ymd", re.compile(r"(?<!\d)(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?!\d)\s*(?:日|号)?")),
    ("compact", re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")),
    ("dmy_word", re.compile(rf"(?<!\d)(\d{{1,2}}){_ORD}[\s\-.]*(?:of\s+)?{_MONTH}[\s\-.,]*(\d{{4}})(?!\d)")),
    ("mdy_word", re.compile(rf"(?<![a-z]){_MONTH}\s*(\d{{1,2}}){_ORD},?\s*(\d{{4}})(?!\d)")),
    ("numeric", re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")),
]
_PARTIAL = [
    re.compile(r"(?<!\d)\d{4}\s*(?:年\s*\d{1,2}\s*月|[-/.]\s*\d{1,2}(?![\d/.\-]))"),
    re.compile(rf"(?<![a-z]){_MONTH}\s*,?\s*\d{{4}}(?!\d)"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)"),
]


@dataclass
class DateRead:
    value: date | None = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def _make(year: int, month: int, day: int) -> DateRead:
    try:
        return DateRead(date(year, month, day))
    except ValueError:
        return DateRead(error="date_invalid")


def _read_match(name: str, match: re.Match[str]) -> DateRead:
    groups = match.groups()
    if name in ("ymd", "compact"):
        return _make(int(groups[0]), int(groups[1]), int(groups[2]))
    if name == "dmy_word":
        return _make(int(groups[2]), MONTHS[groups[1]], int(groups[0]))
    if name == "mdy_word":
        return _make(int(groups[2]), MONTHS[groups[0]], int(groups[1]))
    first, second, year = int(groups[0]), int(groups[1]), int(groups[2])
    if first > 12 and second > 12:
        return DateRead(error="date_invalid")
    if first > 12 or first == second:
        return _make(year, second, first)          # day first: 13/05/1990
    if second > 12:
        return _make(year, first, second)          # month first: 05/13/1990
    day_first, month_first = _make(year, second, first), _make(year, first, second)
    return DateRead(error="date_ambiguous", params={
        "first": day_first.value.isoformat() if day_first.value else "",
        "second": month_first.value.isoformat() if month_first.value else ""})


def read_date(text: str) -> DateRead:
    """The first full date in the text, or why there is none (date_format, date_incomplete,
    date_invalid, date_ambiguous with the two readings as `first` and `second`)."""
    norm = chinese_digits_to_arabic(text.casefold())
    found = [(m.start(), name, m) for name, pattern in _FULL for m in [pattern.search(norm)] if m]
    if found:
        _, name, match = min(found, key=lambda f: f[0])
        return _read_match(name, match)
    if any(pattern.search(norm) for pattern in _PARTIAL):
        return DateRead(error="date_incomplete")
    return DateRead(error="date_format")


def add(value: date, amount: int, unit: str) -> date:
    """value + amount days, months or years; the 31st becomes the month's last day when needed."""
    if unit == "d":
        return date.fromordinal(value.toordinal() + amount)
    months = value.year * 12 + value.month - 1 + (amount if unit == "m" else amount * 12)
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(value.day, last))


_BOUND = re.compile(r"^(today|[a-z_]+|\d{4}-\d{2}-\d{2})(?:([+-])(\d+)([dmy]))?$")


def resolve_bound(expr: Any, today: date, answers: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """(the bound, the answer it is based on) for "today+6m", "contract_start+5y", "1950-01-01";
    (None, None) when the bound names a field without a valid answer yet."""
    match = _BOUND.match(str(expr).strip())
    if not match:
        raise ValueError(f"bad date bound {expr!r}")
    base_name, sign, amount, unit = match.groups()
    base: date | None
    reference = None
    if base_name == "today":
        base = today
    elif base_name[0].isdigit():
        base = date.fromisoformat(base_name)
    else:
        reference = as_date(answers.get(base_name))
        base = reference
    if base is None:
        return None, None
    if sign:
        base = add(base, int(amount) * (1 if sign == "+" else -1), unit)
    return base, reference


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
