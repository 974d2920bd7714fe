"""The one text layer: every bilingual sentence of the project, looked up by key.

Catalogues are the YAML files in this folder, one per capability or consumer. A file's
top-level keys are namespaced by its stem: `no_match` in faq.yml is `t("faq.no_match", lang)`.
Every entry is `{en: ..., zh: ...}` with str.format placeholders, the same in both languages.
The files are read once and checked at load; an error names the file and the key.

No silent fallback: an unknown key or a missing parameter raises KeyError.

The formatters write a value the way each language reads it (numbers, amounts, dates, lists,
values given in both languages). This package imports nothing from actions, backend or
knowledge, so every layer can use it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

LANGUAGES = ("en", "zh")
CATALOGUE_DIR = Path(__file__).parent
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CatalogueError(ValueError):
    """A catalogue file that breaks the format; the message names the file and the key."""


def lang_of(lang: str | None) -> str:
    """Anything that is not Chinese is answered in English."""
    return "zh" if str(lang or "").lower().startswith("zh") else "en"


def placeholders(template: str) -> set[str]:
    """The names of a template's {placeholders} ("{a.b}" and "{a[0]}" count as "a")."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def load_file(path: Path) -> dict[str, dict[str, str]]:
    """One catalogue file, checked: {namespaced key: {en, zh}}."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    where = f"texts/{path.name}"
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: must be a mapping of keys to {{en, zh}}")
    out: dict[str, dict[str, str]] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
            raise CatalogueError(f"{where}: {key}: needs exactly an en and a zh text")
        texts = {}
        for lang in LANGUAGES:
            value = entry[lang]
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(f"{where}: {key}: the {lang} text is empty or not text")
            texts[lang] = value.strip()  # a block scalar's final newline is not part of the sentence
        try:
            en, zh = placeholders(texts["en"]), placeholders(texts["zh"])
        except ValueError as exc:
            raise CatalogueError(f"{where}: {key}: broken placeholder: {exc}") from exc
        if en != zh:
            raise CatalogueError(f"{where}: {key}: placeholders differ: en {sorted(en)}, zh {sorted(zh)}")
        out[f"{path.stem}.{key}"] = texts
    return out


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every catalogue, read once: {"<file stem>.<key>": {"en": ..., "zh": ...}}."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yml")):
        merged.update(load_file(path))
    return merged


def entries(namespace: str) -> dict[str, dict[str, str]]:
    """One catalogue file's entries under their short keys: {key: {"en": ..., "zh": ...}}."""
    prefix = f"{namespace}."
    return {key[len(prefix) :]: texts for key, texts in catalogue().items() if key.startswith(prefix)}


def t(key: str, lang: str | None, /, **params: Any) -> str:
    """The sentence `key` in `lang` (anything not Chinese is English), `params` filled in.

    Parameters are inserted as given (str.format); format numbers, amounts and dates with the
    formatters below first. Raises KeyError for an unknown key or a missing parameter."""
    try:
        texts = catalogue()[key]
    except KeyError:
        raise KeyError(f"no text {key!r} in texts/*.yml") from None
    template = texts[lang_of(lang)]
    try:
        return template.format(**params)
    except KeyError as exc:
        raise KeyError(f"text {key!r} needs the parameter {exc.args[0]!r}") from None


def scoped(namespace: str) -> Callable[..., str]:
    """`t` for one catalogue file: `scoped("faq")("no_match", lang)` is `t("faq.no_match", lang)`."""

    def lookup(key: str, lang: str | None, /, **params: Any) -> str:
        return t(f"{namespace}.{key}", lang, **params)

    lookup.namespace = namespace  # type: ignore[attr-defined]
    return lookup


# --- values that read differently per language -------------------------------------------------
@dataclass(frozen=True)
class Local:
    """A value given in both languages (policy data, a country name)."""

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
    """A date written in the ISO style in English (see `day_iso`)."""

    value: date


def number(value: float) -> str:
    """2.0 -> "2", 2.5 -> "2.5" (no trailing zeros, no exponent)."""
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
    """The long style: en "12 May 1990"; zh "1990年5月12日"."""
    if lang_of(lang) == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def day_iso(value: date, lang: str) -> str:
    """The ISO style (the eligibility engine's dates): en "1990-05-12"; zh "1990年5月12日"."""
    if lang_of(lang) == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def param(value: Any, lang: str) -> str:
    """One parameter written for `lang`: Local / {en, zh} dicts are picked, Money / {"cny": n}
    are amounts, Day is an ISO-style date, date and "YYYY-MM-DD" strings are long-style dates,
    numbers lose trailing zeros, lists are joined ("a, b" / "a、b")."""
    lang = lang_of(lang)
    if isinstance(value, Local):
        return value.get(lang)
    if isinstance(value, Money):
        return money(value.cny, lang)
    if isinstance(value, Day):
        return day_iso(value.value, lang)
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


def render(key: str, lang: str | None, /, **params: Any) -> str:
    """`t` with every parameter written for the language by `param` (the engines' sentences)."""
    lang = lang_of(lang)
    return t(key, lang, **{name: param(value, lang) for name, value in params.items()})
