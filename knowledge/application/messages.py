"""The engine's sentences (messages.yml): whole sentences per language, parameters filled in.

Parameters stay JSON-able so a `Parsed` can travel through the API before it is written out;
they are formatted here, per language: {en, zh} dicts are picked, {"cny": n} is an amount,
"YYYY-MM-DD" strings are dates, numbers lose trailing zeros.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "zh")
MESSAGES_PATH = Path(__file__).with_name("messages.yml")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    with MESSAGES_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for code, texts in data.items():
        if not isinstance(texts, dict) or any(not str(texts.get(lang) or "").strip() for lang in LANGUAGES):
            raise ValueError(f"{MESSAGES_PATH.name}: {code} needs both en and zh")
    return {code: {lang: str(texts[lang]).strip() for lang in LANGUAGES} for code, texts in data.items()}


def lang_of(lang: str | None) -> str:
    """Anything that is not Chinese is answered in English."""
    return "zh" if str(lang or "").lower().startswith("zh") else "en"


def number(value: float) -> str:
    """2.0 -> "2", 2.5 -> "2.5"."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def money(cny: float, lang: str) -> str:
    """en "CNY 300,000"; zh "30万元" (below 10,000: "5,000元")."""
    if lang_of(lang) == "zh":
        if abs(cny) >= 10_000:
            return f"{number(round(cny / 10_000, 4))}万元"
        return f"{int(cny):,}元" if float(cny).is_integer() else f"{cny:,.2f}元"
    return f"CNY {int(cny):,}" if float(cny).is_integer() else f"CNY {cny:,.2f}"


def day(value: date, lang: str) -> str:
    """en "12 May 1990"; zh "1990年5月12日"."""
    if lang_of(lang) == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def param(value: Any, lang: str) -> str:
    lang = lang_of(lang)
    if isinstance(value, dict):
        if "cny" in value:
            return money(float(value["cny"]), lang)
        if "en" in value or "zh" in value:
            return str(value.get(lang) or value.get("en") or "")
    if isinstance(value, date):
        return day(value, lang)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return day(date.fromisoformat(value), lang)
        except ValueError:
            return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(param(v, lang) for v in value)
    return str(value)


def message(code: str, lang: str, **params: Any) -> str:
    """The sentence `code` in `lang` ("en" or "zh"), with its parameters written for that language.
    Raises KeyError for an unknown code or a missing parameter (pass `Parsed.params` whole)."""
    lang = lang_of(lang)
    template = messages()[code][lang]
    return template.format(**{key: param(value, lang) for key, value in params.items()})
