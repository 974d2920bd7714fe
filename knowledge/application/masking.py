"""Answers as people read them: `display` for summaries (sensitive values masked unless revealed),
`mask` for slots, bot messages, the draft view and the officer console before "reveal".

Masks keep just enough to recognise a value, never enough to use it: passport and work permit
numbers keep the first 3 and last 2 characters, phones the first 3 and last 4 digits, e-mails the
first letter and the domain, dates of birth the year; family members become a count. The number
of stars is fixed, so a mask does not tell the length either.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from knowledge import countries
from knowledge.application.catalogue import Catalogue, FieldSpec, catalogue
from knowledge.application.messages import day, lang_of, message, money, number

STARS = "****"


def mask(key: str, value: Any, lang: str = "en", *, cat: Catalogue | None = None) -> str:
    """The value safe to show anywhere: sensitive fields masked, the others as display strings."""
    return display(key, value, lang, reveal=False, cat=cat)


def display(
    key: str, value: Any, lang: str = "en", *, reveal: bool = False, cat: Catalogue | None = None
) -> str:
    """The value for a summary in `lang`: dates, amounts, countries and choices written out.
    Sensitive fields are masked unless `reveal` (the officer's audited "reveal")."""
    if value is None or value == "":
        return ""
    spec = (cat or catalogue()).fields.get(key)
    if spec is None:
        return STARS  # unknown field: show nothing of the value
    lang = lang_of(lang)
    if spec.sensitive and not reveal:
        return _masked(spec, value, lang)
    return _written(spec, value, lang)


def _keep(text: str, first: int, last: int) -> str:
    """first + **** + last characters; a value too short for that keeps one at each end at most."""
    if len(text) > first + last:
        return f"{text[:first]}{STARS}{text[-last:]}"
    return f"{text[:1]}{STARS}{text[-1:] if len(text) > 2 else ''}"


def _masked(spec: FieldSpec, value: Any, lang: str) -> str:
    if spec.kind in ("passport_number", "work_permit_number"):
        return _keep(str(value), 3, 2)
    if spec.kind == "phone_cn":
        return _keep(str(value), 3, 4)
    if spec.kind == "email" and isinstance(value, str) and "@" in value:
        local, domain = value.rsplit("@", 1)
        return f"{local[:1]}***@{domain}"
    if spec.kind == "date" and isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return f"{value[:4]}-**-**"
    if spec.kind == "family" and isinstance(value, list):
        if not value:
            return message("family_none", lang)
        return (
            message("family_count_one", lang)
            if len(value) == 1
            else message("family_count", lang, count=len(value))
        )
    return STARS


def _written(spec: FieldSpec, value: Any, lang: str) -> str:
    if spec.kind == "date" and isinstance(value, str):
        try:
            return day(date.fromisoformat(value), lang)
        except ValueError:
            return value
    if spec.kind == "year" and isinstance(value, int):
        return f"{value}年" if lang == "zh" else str(value)
    if spec.kind == "country" and isinstance(value, str):
        country = countries.by_code(value)
        return country.name(lang) if country else value
    if spec.kind in ("gender", "choice") and value in spec.choices:
        return spec.choices[value].label[lang]
    if spec.kind == "money_cny" and isinstance(value, (int, float)):
        return money(value, lang)
    if spec.kind == "integer" and isinstance(value, (int, float)):
        return number(value)
    if spec.kind == "family" and isinstance(value, list):
        return _family(spec, value, lang)
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    return str(value)


def _family(spec: FieldSpec, members: list[Any], lang: str) -> str:
    if not members:
        return message("family_none", lang)
    lines = []
    for member in members:
        if not isinstance(member, dict):
            lines.append(str(member))
            continue
        choice = spec.choices.get(member.get("relation", ""))
        relation = choice.label[lang] if choice else str(member.get("relation", ""))
        country = countries.by_code(str(member.get("nationality", "")))
        nationality = country.name(lang) if country else str(member.get("nationality", ""))
        try:
            born = day(date.fromisoformat(str(member.get("date_of_birth"))), lang)
        except ValueError:
            born = str(member.get("date_of_birth", ""))
        name = member.get("name", "")
        lines.append(
            f"{relation}：{name}（{nationality}，{born}）"
            if lang == "zh"
            else f"{relation}: {name} ({nationality}, {born})"
        )
    return ("；" if lang == "zh" else "; ").join(lines)
