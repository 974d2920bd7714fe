"""Dates in answers ("1990年5月12日", "一九九〇年五月十二日", "12 May 1990", "May 12, 1990",
"1990-05-12", "12/05/1990") and date arithmetic.

A numeric day/month/year such as 12/05/1990 is read only when it cannot be the other way round
(13/05/1990, or the same day and month); otherwise the result names both readings and asks
again, because a wrong guess would silently store a wrong date of birth.

Codes: date_format (no date), date_incomplete (a month or a year only), date_invalid (30 Feb),
date_ambiguous (first, second: the two readings), date_not_yet (with today: "not entered yet").
Given today's date, `read_date` also reads dates relative to it ("yesterday", "3 days ago",
"上个月20号", "the 20th of last month") and two-digit years where only a year can be meant
("88年5月3号", "may 12 88"). With `partial=True` a month ("1990年5月",
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
# Two-digit years, only where nothing else can be meant: with 年 ("88年5月3号") or after a month
# name ("may 12 88", "3 May 88"). "12/05/90" stays unread (three readings).
_SHORT_YEAR = [
    ("ymd", re.compile(r"(?<!\d)(\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})(?!\d)\s*(?:日|号)?")),
    (
        "dmy_word",
        re.compile(rf"(?<!\d)(\d{{1,2}}){_ORD}[\s\-.]*(?:of\s+)?{_MONTH}[\s\-.,]*'?(\d{{2}})(?![\d:])"),
    ),
    ("mdy_word", re.compile(rf"(?<![a-z]){_MONTH}\s*(\d{{1,2}}){_ORD},?\s+'?(\d{{2}})(?![\d:])")),
]
# Dates said relative to today (read only when the caller gives today's date).
_EN_NUMBER = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_RELATIVE_DAY = [
    (re.compile(r"\bthe day before yesterday\b|大前天"), None),
    (re.compile(r"\btoday\b|\bthis morning\b|今天|今日|今早"), 0),
    (re.compile(r"\byesterday\b|昨天|昨日|昨晚"), 1),
    (re.compile(r"前天"), 2),
]
_DAYS_AGO = re.compile(
    r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(day|week)s?\s+ago\b"
    r"|(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(天|日|个?星期|周|个?礼拜)(?:以)?前"
)
_MONTH_DAY = re.compile(
    r"\b(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(last|this)\s+month\b"
    r"|\b(last|this)\s+month(?:\s+on)?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b"
    r"|(上上|上|这|本)个?月\s*(\d{1,2})\s*(?:号|日)"
)
# "还在韩国，没入境", "I haven't entered China yet": the event asked about has not happened yet.
_NOT_YET = re.compile(
    r"没入境|未入境|还没(?:有)?(?:入境|来|到|进入)|尚未(?:入境|抵达|来华)|还在(?:国外|境外|\w{1,8}?)[，,。 ]*(?:没|未|还没)"
    r"|\bnot (?:yet )?(?:entered|arrived|in china)(?: yet)?\b|\bhaven'?t (?:yet )?(?:entered|arrived|come)\b"
    r"|\bhave not (?:yet )?(?:entered|arrived|come)\b|\bstill (?:in|abroad|outside)\b|\bnot in china yet\b"
)

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


def full_year(short: int, today: date) -> int:
    """A two-digit year: this century up to 30 years ahead of today, else the last one
    ("31" -> 2031, "88" -> 1988 in 2026)."""
    return 2000 + short if 2000 + short <= today.year + 30 else 1900 + short


def _read_short(name: str, match: re.Match[str], today: date) -> Parsed:
    groups = match.groups()
    if name == "ymd":
        return _make(full_year(int(groups[0]), today), int(groups[1]), int(groups[2]))
    if name == "dmy_word":
        return _make(full_year(int(groups[2]), today), MONTHS[groups[1]], int(groups[0]))
    return _make(full_year(int(groups[2]), today), MONTHS[groups[0]], int(groups[1]))


def _read_relative(norm: str, today: date) -> Parsed | None:
    """ "yesterday", "3 days ago", "上个月20号", "the 5th of this month" against today."""
    for pattern, days in _RELATIVE_DAY:
        if pattern.search(norm):
            return Parsed(date.fromordinal(today.toordinal() - (3 if days is None else days)))
    match = _DAYS_AGO.search(norm)
    if match:
        amount = match.group(1) or match.group(3)
        count = int(amount) if amount.isdigit() else _EN_NUMBER.get(amount) or parse_number(amount)
        unit = match.group(2) or match.group(4)
        weeks = unit.startswith("week") or any(u in unit for u in ("星期", "周", "礼拜"))
        return Parsed(date.fromordinal(today.toordinal() - int(count or 0) * (7 if weeks else 1)))
    match = _MONTH_DAY.search(norm)
    if match:
        if match.group(1):
            day, which = int(match.group(1)), match.group(2)
        elif match.group(3):
            which, day = match.group(3), int(match.group(4))
        else:
            which, day = match.group(5), int(match.group(6))
        back = {"last": 1, "上": 1, "上上": 2}.get(which, 0)
        first = add(today.replace(day=1), -back, "m")
        return _make(first.year, first.month, day)
    return None


def read_date(
    text: str, *, partial: bool = False, today: date | None = None, relative: bool = True
) -> Parsed:
    """The first full date in the text (value: a date), or why there is none. With `today`,
    dates relative to it ("yesterday", "上个月20号") and two-digit years ("88年5月3号") are read
    too (`relative=False`: not the relative ones), and an answer saying the event has not
    happened yet gives `date_not_yet`."""
    norm = chinese_digits_to_arabic(normalise(text))
    full = _earliest(_FULL, norm)
    if full:
        return _read_full(*full)
    if today is not None:
        short = _earliest(_SHORT_YEAR, norm)
        if short:
            return _read_short(*short, today)
        found = _read_relative(norm, today) if relative else None
        if found is not None:
            return found
        if _NOT_YET.search(norm):
            return fail("date_not_yet")
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
