"""Amounts of yuan: "300000", "300,000 RMB", "300 000", "300k", "30w", "三十万", "1.2 million",
"月薪2万5" (a monthly amount, x 12). Generic codes: negative, no_number, too_low, too_high (amount)."""

from __future__ import annotations

import re

from knowledge.reading.negation import is_negative, without_negated
from knowledge.reading.normalise import normalise
from knowledge.reading.numbers import NUMBER_RUN, parse_number
from knowledge.reading.parsed import Parsed, fail

MULTIPLIERS = [
    (re.compile(r"^\s*(k\b|thousand|千)"), 1_000),
    (re.compile(r"^\s*(w\b|wan\b|万)"), 10_000),
    (re.compile(r"^\s*(m\b|mn\b|million|mio\b|百万)"), 1_000_000),
    (re.compile(r"^\s*(bn\b|billion)"), 1_000_000_000),
]
MONTHLY = re.compile(r"month|/\s*mo\b|\bpm\b|月")
YEARLY = re.compile(r"year|annual|\bpa\b|年薪|每年|一年|年收入")


def amount(text: str) -> float | None:
    """The first amount in the text, yearly (a monthly amount x 12); None without a number."""
    norm = without_negated(normalise(text, thousands_spaces=True))
    for match in NUMBER_RUN.finditer(norm):
        value = parse_number(match.group(0))
        if value is None:
            continue
        if not re.search(r"[万亿]$", match.group(0)):  # "三十万" has its unit already
            rest = norm[match.end() :]
            for pattern, factor in MULTIPLIERS:
                if pattern.search(rest):
                    value *= factor
                    break
        if MONTHLY.search(norm) and not YEARLY.search(norm):
            value *= 12
        return value
    return None


def check_money(value: float, low: float | None = None, high: float | None = None) -> Parsed:
    """A yearly amount against the field's range; whole yuan."""
    if value < 0:
        return fail("negative")
    if low is not None and value < low:
        return fail("too_low", amount=value)
    if high is not None and value > high:
        return fail("too_high", amount=value)
    return Parsed(int(round(value)))


def read_money(text: str, *, low: float | None = None, high: float | None = None) -> Parsed:
    if is_negative(without_negated(normalise(text, thousands_spaces=True))):
        return fail("negative")
    value = amount(text)
    if value is None:
        return fail("no_number")
    return check_money(value, low, high)
