"""Which fields a message names ("my passport number is actually E98765432" -> passport_number),
from the `mentions` words of fields.yml. Used for corrections of earlier answers at any time,
and to strip the lead-in from an answer ("my surname is Schmidt" -> "Schmidt")."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.application.catalogue import Catalogue, FieldSpec, catalogue
from knowledge.reading.normalise import CJK
from knowledge.reading.normalise import normalise as _normalise


def normalise(text: str) -> str:
    """The reader's normalisation with hyphens and underscores as spaces (length-monotonic, see _cut)."""
    return _normalise(text, separators=True)


def term_pattern(term: str) -> str:
    """A mention word as a regex: Latin words start at a word boundary and may run on
    ("graduat" finds "graduated"); Chinese words match anywhere."""
    term = normalise(term).strip()
    body = r"\s+".join(re.escape(part) for part in term.split())
    if CJK.search(term):
        return body
    return rf"(?<![a-z0-9]){body}[a-z]*"


def _longest_first(terms: list[str]) -> list[str]:
    """Regex alternation takes the first alternative that matches: "passport number" before "passport"."""
    return sorted(terms, key=len, reverse=True)


@lru_cache(maxsize=8)
def _patterns(cat: Catalogue) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (key, re.compile("|".join(term_pattern(t) for t in _longest_first(spec.mentions))))
        for key, spec in cat.fields.items()
        if spec.mentions
    ]


def find_field_mentions(text: str, cat: Catalogue | None = None) -> list[str]:
    """The field keys a message names, in the order they appear. Where two mentions overlap, the
    longer wins: "passport expiry" names passport_expiry, not passport_number."""
    if not isinstance(text, str) or not text.strip():
        return []
    norm = normalise(text[:2000])
    spans = []
    for order, (key, pattern) in enumerate(_patterns(cat or catalogue())):
        for match in pattern.finditer(norm):
            spans.append((match.start(), match.end(), order, key))
    kept: list[tuple[int, int, int, str]] = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[2])):
        if all(span[1] <= other[0] or span[0] >= other[1] for other in kept):
            kept.append(span)
    found: list[str] = []
    for _, _, _, key in sorted(kept):
        if key not in found:
            found.append(key)
    return found


_POSSESSIVE_EN = r"(?:(?:my|our|his|her|their|the applicant's|applicant's|the)\s+)?(?:(?:current|new|correct|actual|real|full)\s+)?"
_COPULA_EN = (
    r"(?:\s*(?:is called|is named|is|are|was|were|will be|should be|has changed to|changed to|is now|now|called|named)\b"
    r"(?:\s+actually\b)?\s*[:=]?|\s*[:=])\s*(?:actually\b\s*)?"
)
_POSSESSIVE_ZH = r"(?:我的|我|申请人的|申请人|他的|她的|其)?(?:现在的|新的|正确的|现)?"
_COPULA_ZH = r"\s*(?:应该是|应为|改成|改为|更正为|变更为|换成|叫做|是|为|叫|:)\s*"


@lru_cache(maxsize=64)
def _lead_in(spec: FieldSpec) -> re.Pattern[str]:
    terms = "|".join(term_pattern(t) for t in _longest_first(spec.mentions)) or r"(?!)"
    own = "|".join(re.escape(normalise(t).strip()) for t in _longest_first(spec.lead_ins)) or r"(?!)"
    return re.compile(
        rf"^\s*(?:(?:actually|sorry|oh|ok|okay|其实|不好意思|抱歉)\W*\s*)?"
        rf"(?:{_POSSESSIVE_EN}(?:{terms}){_COPULA_EN}|{_POSSESSIVE_ZH}(?:{terms}){_COPULA_ZH}|(?:{own})(?:\s+|(?=[\u3400-\u9fff])))"
    )


def strip_lead_in(text: str, spec: FieldSpec) -> str:
    """The answer without "my surname is", "我的手机号改成", "I work at" in front."""
    match = _lead_in(spec).match(normalise(text))
    if not match or not match.group(0).strip():
        return text.strip()
    return _cut(text, match.end())


def _cut(text: str, normalised_end: int) -> str:
    """Drop the shortest prefix of `text` whose normalised form is `normalised_end` characters long
    (the normalised length grows with the prefix, so a binary search finds it)."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high) // 2
        if len(normalise(text[:mid])) >= normalised_end:
            high = mid
        else:
            low = mid + 1
    return text[low:].strip()
