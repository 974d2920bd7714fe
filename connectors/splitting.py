"""Long bot messages in parts that fit a platform's limit, cut at the best boundary.

One splitter for every channel; a channel gives its limit and how the platform counts a
character (Telegram: UTF-16 units, WeChat: UTF-8 bytes).
"""

from __future__ import annotations

import re
from typing import Callable, List

Units = Callable[[str], int]  # the size of one character on the platform

# Cut points, best first: paragraph, line, sentence end, clause, space.
_CUTS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?])\s+|(?<=[。！？])"),
    re.compile(r"(?<=[;；,，、])\s*"),
    re.compile(r"\s+"),
)


def utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def utf8_bytes(char: str) -> int:
    return len(char.encode("utf-8"))


def size(text: str, units: Units) -> int:
    return sum(units(char) for char in text)


def _prefix_within(text: str, limit: int, units: Units) -> int:
    """The longest prefix length (in characters) whose size is at most `limit`."""
    total = 0
    for index, char in enumerate(text):
        total += units(char)
        if total > limit:
            return index
    return len(text)


def split(text: str, limit: int, units: Units) -> List[str]:
    """Parts of at most `limit`, cut at the best boundary in the second half of each window."""
    parts: List[str] = []
    rest = text.strip()
    while size(rest, units) > limit:
        window = _prefix_within(rest, limit, units)
        cut = window
        for pattern in _CUTS:
            ends = [m.start() for m in pattern.finditer(rest, max(1, window // 2), window + 1)]
            if ends:
                cut = ends[-1]  # after the punctuation: it stays with its sentence
                break
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if not head:  # no boundary at all: hard cut
            head, rest = rest[:window], rest[window:]
        parts.append(head)
    if rest:
        parts.append(rest)
    return parts
