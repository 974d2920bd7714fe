"""One normalisation of typed answers, with explicit options for the few callers that need more."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff]")
_THOUSANDS_COMMA = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_THOUSANDS_SPACE = re.compile(r"(?<=\d)\s+(?=\d{3}(?!\d))")
_SEPARATORS = re.compile(r"[\s_\-]+")
_SPACES = re.compile(r"\s+")
_END_PUNCTUATION = re.compile(r"^[\s.!?,;:~。！？，；：]+|[\s.!?,;:~。！？，；：]+$")


def normalise(
    text: Any,
    *,
    collapse: bool = False,
    separators: bool = False,
    trim_punctuation: bool = False,
    thousands: bool = False,
    thousands_spaces: bool = False,
) -> str:
    """NFKC (full-width digits, letters and punctuation as ASCII), case folded, one kind of apostrophe.

    collapse: runs of white space as one space, stripped at both ends.
    separators: runs of white space, hyphens and underscores as one space (length-monotonic, not
      stripped, so a prefix of the normalised text maps back to a prefix of the original).
    trim_punctuation: sentence punctuation dropped at both ends (implies collapse).
    thousands: "360,000" as "360000"; thousands_spaces also "300 000" (only for amounts: "12 345"
      could be two numbers elsewhere).
    """
    text = unicodedata.normalize("NFKC", str(text or "")).casefold().replace("’", "'")
    if separators:
        text = _SEPARATORS.sub(" ", text)
    if collapse or trim_punctuation:
        text = _SPACES.sub(" ", text).strip()
    if trim_punctuation:
        text = _END_PUNCTUATION.sub("", text)
    if thousands or thousands_spaces:
        text = _THOUSANDS_COMMA.sub("", text)
    if thousands_spaces:
        text = _THOUSANDS_SPACE.sub("", text)
    return text
