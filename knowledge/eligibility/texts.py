"""Language-neutral texts: the engine builds them, `render(..., lang)` writes them out.

A `Text` is a message key (knowledge/eligibility/messages.yml) with parameters; a
`Local` is a value that already exists in both languages (policy data, a country name).
Parameters that read differently per language (amounts, dates, Local values) are
formatted when the text is rendered, so one assessment can be shown in English, in
Chinese, or in both (the printable checklist) without being computed twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Local:
    """A value given in both languages."""

    en: str
    zh: str

    @classmethod
    def of(cls, value: Mapping[str, str]) -> Local:
        return cls(en=str(value["en"]).strip(), zh=str(value["zh"]).strip())

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Money:
    """An amount in CNY (yuan)."""

    cny: float


@dataclass(frozen=True)
class Day:
    value: date


@dataclass(frozen=True)
class Text:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def number(value: float) -> str:
    """2 -> "2", 2.5 -> "2.5" (no trailing zeros, no exponent)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def money(cny: float, lang: str) -> str:
    """en: "CNY 350,000"; zh: "35万元" (or "5,000元" below 10,000)."""
    if lang == "zh":
        if abs(cny) >= 10000:
            return f"{number(round(cny / 10000, 4))}万元"
        return f"{number(cny) if abs(cny) < 1000 else format(int(cny), ',')}元"
    whole = float(cny).is_integer()
    return f"CNY {int(cny):,}" if whole else f"CNY {cny:,.2f}"


def day(value: date, lang: str) -> str:
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def param(value: Any, lang: str) -> str:
    if isinstance(value, Local):
        return value.get(lang)
    if isinstance(value, Money):
        return money(value.cny, lang)
    if isinstance(value, Day):
        return day(value.value, lang)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return number(value)
    return str(value)


class Messages:
    """The sentence catalogue: key -> {en, zh}."""

    def __init__(self, catalogue: Mapping[str, Local]) -> None:
        self.catalogue = dict(catalogue)

    def render(self, text: Text | Local | str | None, lang: str) -> str | None:
        if text is None:
            return None
        if isinstance(text, str):
            return text
        if isinstance(text, Local):
            return text.get(lang)
        template = self.catalogue[text.key].get(lang)
        return template.format(**{k: param(v, lang) for k, v in text.params.items()})

    def join(self, texts: list[Text | Local], lang: str) -> str:
        """Whole sentences one after another (a space between English sentences)."""
        rendered = [self.render(t, lang) or "" for t in texts]
        return ("" if lang == "zh" else " ").join(r for r in rendered if r)
