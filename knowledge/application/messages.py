"""The application engine's sentences (texts/application_engine.yml), parameters written per language.

Parameters stay JSON-able so a `Parsed` can travel through the API before it is written out;
`texts.param` formats them per language: {en, zh} dicts are picked, {"cny": n} is an amount,
"YYYY-MM-DD" strings are dates, numbers lose trailing zeros.
"""

from __future__ import annotations

from typing import Any

from texts import LANGUAGES, day, entries, lang_of, money, number, param, render

__all__ = ["LANGUAGES", "day", "lang_of", "message", "messages", "money", "number", "param"]
NAMESPACE = "application_engine"


def messages() -> dict[str, dict[str, str]]:
    """The engine's codes and their {en, zh} sentences."""
    return entries(NAMESPACE)


def message(code: str, lang: str, **params: Any) -> str:
    """The sentence `code` in `lang` ("en" or "zh"), with its parameters written for that language.
    Raises KeyError for an unknown code or a missing parameter (pass `Parsed.params` whole)."""
    return render(f"{NAMESPACE}.{code}", lang, **params)
