"""Countries named in answers: ISO codes, English or Chinese names, demonyms, in a sentence
("DE", "Germany", "德国", "I'm German", "my nationality is spain")."""

from __future__ import annotations

import re
import unicodedata

from knowledge import countries

# Words around a country name in an answer.
_NOISE = re.compile(
    r"\b(i'?m|im|i am|i come|come|from|a|an|the|citizen|citizenship|passport|holder|national|nationality|my|is|of|"
    r"country|it'?s|i have|have|hold|i hold|born in)\b|我是|我来自|来自|国籍是|国籍|我的|护照|公民|是|的"
)


def read_country(text: str) -> tuple[countries.Country | None, countries.Country | None]:
    """(the country named, else None and a close suggestion or None)."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().strip(" .!。！")
    stripped = re.sub(r"\s+", " ", _NOISE.sub(" ", raw.casefold())).strip(" .,!:;。，！：")
    candidates = [raw, stripped]
    if re.fullmatch(r"[a-z]{2,3}", stripped):
        candidates.append(stripped.upper())
    for candidate in candidates:
        found = countries.resolve(candidate)
        if found is not None:
            return found, None
    words = stripped.split()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            found = countries.resolve(" ".join(words[i : i + size]))
            if found is not None:
                return found, None
    suggestions = countries.suggest(stripped or raw)
    return None, (suggestions[0] if suggestions else None)
