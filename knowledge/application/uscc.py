"""Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters, the last a check
character computed from the first 17, so a mistyped character is caught before submission."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The 18th character for these 17: 31 - (sum of value x weight mod 31); 31 counts as 0."""
    total = sum(CHARSET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """None for a valid code, else uscc_length, uscc_characters or uscc_check_digit."""
    if len(code) != LENGTH:
        return "uscc_length"
    if any(ch not in CHARSET for ch in code):
        return "uscc_characters"
    if check_character(code[:17]) != code[17]:
        return "uscc_check_digit"
    return None
