"""Dates in answers ("1990年5月12日", "一九九〇年五月十二日", "12 May 1990", "May 12, 1990",
"1990-05-12", "12/05/1990") and date arithmetic.

A numeric day/month/year such as 12/05/1990 is read only when it cannot be the other way round
(13/05/1990, or the same day and month); otherwise the result names both readings and asks
again, because a wrong guess would silently store a wrong date of birth.

Codes: date_format (no date), date_incomplete (a month or a year only), date_invalid (30 Feb),
date_ambiguous (first, second: the two readings). With `partial=True` a month ("1990年5月",
"May 1990") reads as its first day and a year alone as 1 July, with params["precision"]
"month" or "year", for questions where that is precise enough (an age).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from knowledge.reading.normalise import normalise
from knowledge.reading.numbers import chinese_digits_to_arabic, parse_number
from knowledge.reading.parsed import Parsed, fail

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_ORD = r"(?:st|nd|rd|th)?"

# (name, pattern): each gives year, month and day groups in the order its reader expects.
_FULL = [
    (
        "ymd",
        re.compile(
            r"(?<!\d)(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?!\d)\s*(?:日|号)?"
        ),
    ),
    ("compact", re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")),
    ("dmy_word", re.compile(rf"(?<!\d)(\d{{1,2}}){_ORD}[\s\-.]*(?:of\s+)?{_MONTH}[\s\-.,]*(\d{{4}})(?!\d)")),
    ("mdy_word", re.compile(rf"(?<![a-z]){_MONTH}\s*(\d{{1,2}}){_ORD},?\s*(\d{{4}})(?!\d)")),
    ("numeric", re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")),
]
# A month or a year only: (name, pattern) with the year (and month) groups.
_PARTIAL = [
    ("ym", re.compile(r"(?<!\d)(\d{4})\s*(?:年\s*(\d{1,2})\s*月|[-/.]\s*(\d{1,2})(?![\d/.\-]))")),
    ("my_word", re.compile(rf"(?<![a-z]){_MONTH}\s*,?\s*(\d{{4}})(?!\d)")),
    ("year", re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")),
]


def _make(year: int, month: int, day: int) -> Parsed:
    try:
        return Parsed(date(year, month, day))
    except ValueError:
        return fail("date_invalid")


def _read_full(name: str, match: re.Match[str]) -> Parsed:
    groups = match.groups()
    if name in ("ymd", "compact"):
        return _make(int(groups[0]), int(groups[1]), int(groups[2]))
    if name == "dmy_word":
        return _make(int(groups[2]), MONTHS[groups[1]], int(groups[0]))
    if name == "mdy_word":
        return _make(int(groups[2]), MONTHS[groups[0]], int(groups[1]))
    first, second, year = int(groups[0]), int(groups[1]), int(groups[2])
    if first > 12 and second > 12:
        return fail("date_invalid")
    if first > 12 or first == second:
        return _make(year, second, first)  # day first: 13/05/1990
    if second > 12:
        return _make(year, first, second)  # month first: 05/13/1990
    day_first, month_first = _make(year, second, first), _make(year, first, second)
    return fail(
        "date_ambiguous",
        first=day_first.value.isoformat() if day_first.value else "",
        second=month_first.value.isoformat() if month_first.value else "",
    )


def _read_partial(name: str, match: re.Match[str]) -> Parsed:
    groups = match.groups()
    if name == "ym":
        result = _make(int(groups[0]), int(groups[1] or groups[2]), 1)
    elif name == "my_word":
        result = _make(int(groups[1]), MONTHS[groups[0]], 1)
    else:
        return Parsed(date(int(groups[0]), 7, 1), params={"precision": "year"})
    result.params["precision"] = "month"
    return result


def _earliest(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> tuple[str, re.Match[str]] | None:
    found = [(m.start(), name, m) for name, pattern in patterns for m in [pattern.search(text)] if m]
    if not found:
        return None
    _, name, match = min(found, key=lambda f: f[0])
    return name, match


def read_date(text: str, *, partial: bool = False) -> Parsed:
    """The first full date in the text (value: a date), or why there is none."""
    norm = chinese_digits_to_arabic(normalise(text))
    full = _earliest(_FULL, norm)
    if full:
        return _read_full(*full)
    part = _earliest(_PARTIAL, norm)
    if part is None:
        return fail("date_format")
    return _read_partial(*part) if partial else fail("date_incomplete")


def read_year(text: str) -> int | None:
    """A four-digit year in Arabic or Chinese digits ("2015", "2015年", "二〇一五年")."""
    norm = chinese_digits_to_arabic(text)
    norm = re.sub(r"[零〇一二三四五六七八九]{4}", lambda m: str(int(parse_number(m.group(0)) or 0)), norm)
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", norm)
    return int(match.group(1)) if match else None


def add(value: date, amount: int, unit: str) -> date:
    """value + amount days, months or years; the 31st becomes the month's last day when needed."""
    if unit == "d":
        return date.fromordinal(value.toordinal() + amount)
    months = value.year * 12 + value.month - 1 + (amount if unit == "m" else amount * 12)
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(value.day, last))


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
