"""Corrections inside one answer ("5 years, not 3", "30w, not 20w", "是5年不是3年") and negative numbers."""

from __future__ import annotations

import re

from knowledge.reading.numbers import NUMERAL_CHARS, numbers_in

NEGATION = r"(?:\bnot\b|\binstead of\b|\brather than\b|而不是|不是|并非)"
# The unit that goes with the corrected-away number, dropped with it.
_UNIT = r"(?:k\b|w\b|wan\b|万|千|thousand\b|million\b|years?\b|months?\b|个月|年)?"
_NEGATED = re.compile(rf"{NEGATION}\s*[{NUMERAL_CHARS}]+\s*{_UNIT}")
_NEGATIVE = re.compile(r"(^|[^\w])-\s*\d|负\s*[\d零一二两三四五六七八九十]|minus\s*\d")


def without_negated(text: str) -> str:
    """The corrected-away number dropped: "30w, not 20w" and "not 20w but 30w" -> 30w; "5年，不是3年" -> 5年."""
    return _NEGATED.sub(" ", text)


def is_negative(text: str) -> bool:
    """ "-5000", "负10万", "minus 3"."""
    return bool(_NEGATIVE.search(text))


def first_number(text: str) -> float | None:
    """The first number once corrected-away ones are dropped ("5 years, not 3" -> 5)."""
    found = numbers_in(without_negated(text))
    return found[0] if found else None
