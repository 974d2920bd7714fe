"""Language negotiation for the backend, and its view of the text layer (texts/).

The backend's sentences (API errors, consoles, chat page, checklist) are texts/backend.yml;
`t(key, lang, **params)` here is `texts.t("backend." + key, ...)`, so the many callers keep
their short keys. Other catalogues (case_states, ...) are reached with `texts.t` and the full key.
Unknown keys and missing parameters raise KeyError: nothing falls back silently.
"""

from __future__ import annotations

from typing import Any, Mapping

from texts import LANGUAGES, scoped
from texts import t as text

__all__ = ["LANGUAGES", "NAMESPACE", "negotiate", "resolve_params", "t", "text"]
NAMESPACE = "backend"
t = scoped(NAMESPACE)


def resolve_params(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Parameters whose value is "@<full texts key>" are that sentence in `lang` (a state name
    inside an error). "@@..." is the literal text "@..." (a user's answer that starts with "@")."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, str) and value.startswith("@@"):
            out[name] = value[1:]
        elif isinstance(value, str) and value.startswith("@"):
            out[name] = text(value[1:], lang)
        else:
            out[name] = value
    return out


def negotiate(accept_language: str | None, default: str = "en") -> str:
    """Pick "en" or "zh" from an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    if not ranked:
        return default
    return sorted(ranked)[0][2]
