"""The merged application's data: items, fields, departments and consent, loaded and checked.

items.yml        the services a user can pick; each names its fields, materials and departments
fields.yml       every field: kind (parser), texts in both languages, sensitivity, carry-over
departments.yml  who decides which item (one case item per department)
consent.yml      the consent text, its version and the retention periods

Everything is checked when loaded (known keys, both languages, material ids that exist in
knowledge/materials/catalogue.yml, departments that agree both ways), so a bad edit fails
at start-up with the file and the reason instead of producing a wrong form later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from knowledge.application.messages import LANGUAGES, lang_of, message

APPLICATION_DIR = Path(__file__).resolve().parent
MATERIALS_CATALOGUE = APPLICATION_DIR.parent / "materials" / "catalogue.yml"

ROLES = ("worker", "hr")
ITEM_KEYS = ("work_permit_new", "work_permit_change", "work_permit_extension",
             "residence_permit_new", "residence_permit_change", "residence_permit_extension",
             "social_insurance", "professional_title", "e_social_security_card")
SERVICES = ("work_permit", "residence_permit", "social_insurance", "professional_title", "e_social_security_card")
ITEM_KINDS = ("new", "change", "extension", "default")
DEPARTMENT_KEYS = ("science_technology", "exit_entry", "hrss", "medical_insurance")
FIELD_KINDS = ("name", "chinese_name", "gender", "date", "year", "country", "passport_number", "email",
               "phone_cn", "address", "uscc", "text", "money_cny", "integer", "choice", "work_permit_number",
               "family")
CHOICE_KINDS = ("gender", "choice", "family")
RULE_KINDS = ("date", "year")
RULE_KEYS = ("min", "max", "age_min", "age_max")


class DataError(ValueError):
    """A data file of knowledge/application is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Choice:
    key: str
    label: dict[str, str]
    synonyms: list[str]


@dataclass(frozen=True, eq=False)  # hashed by identity (cached patterns)
class FieldSpec:
    key: str
    kind: str
    label: dict[str, str]
    question: dict[str, str]
    explain: dict[str, str]
    example: dict[str, str]
    optional: bool = False
    sensitive: bool = False
    question_hr: dict[str, str] | None = None
    choices: dict[str, Choice] = field(default_factory=dict)
    carry_over_from: str | None = None
    roles: list[str] = field(default_factory=lambda: list(ROLES))
    mentions: list[str] = field(default_factory=list)
    lead_ins: list[str] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    fractions: bool = False

    def question_for(self, role: str, lang: str) -> str:
        """The question for this role: the HR person is asked about "the applicant's ..."."""
        texts = self.question_hr if role == "hr" and self.question_hr else self.question
        return texts[lang_of(lang)]

    def text(self, what: str, lang: str) -> str:
        """label, explain or example in `lang`."""
        return getattr(self, what)[lang_of(lang)]

    def help(self, lang: str) -> str:
        """What a valid answer is, with the example: offered after failed attempts."""
        lang = lang_of(lang)
        sep = "" if lang == "zh" else " "
        example = message("example", lang, example=self.example)
        return f"{self.explain[lang]}{sep}{example}"


@dataclass(frozen=True)
class Item:
    key: str
    name: dict[str, str]
    service: str
    kind: str
    departments: list[str]
    fields: list[str]
    materials: list[str]
    excludes: list[str]


@dataclass(frozen=True)
class Department:
    key: str
    name: dict[str, str]
    services: list[str]


@dataclass(frozen=True)
class Consent:
    version: str
    draft_retention_days: int
    case_retention_days: int
    paragraphs: list[dict[str, str]]

    def text(self, lang: str) -> str:
        """The whole consent text, paragraphs separated by a blank line."""
        lang = lang_of(lang)
        return "\n\n".join(p[lang].format(draft_days=self.draft_retention_days, case_days=self.case_retention_days)
                           for p in self.paragraphs)


@dataclass(frozen=True)
class Savings:
    fields_once: int
    fields_separately: int
    materials_once: int
    materials_separately: int

    def to_json(self) -> dict[str, int]:
        return {"fields_once": self.fields_once, "fields_separately": self.fields_separately,
                "materials_once": self.materials_once, "materials_separately": self.materials_separately}

    def text(self, lang: str) -> str:
        return message("savings", lang, **self.to_json())


@dataclass(frozen=True, eq=False)  # hashed by identity (cached patterns)
class Catalogue:
    items: dict[str, Item]
    fields: dict[str, FieldSpec]
    departments: dict[str, Department]
    consent: Consent

    # --- items -------------------------------------------------------------------------------
    def check_items(self, items: Iterable[str]) -> list[str]:
        """Error codes (messages.yml) for a choice of items: no_items, unknown_item, items_conflict."""
        chosen = list(items or [])
        errors = []
        if not chosen:
            errors.append("no_items")
        if any(key not in self.items for key in chosen):
            errors.append("unknown_item")
        if self.conflicts(chosen):
            errors.append("items_conflict")
        return errors

    def conflicts(self, items: Iterable[str]) -> list[tuple[str, str]]:
        """Pairs of chosen items that exclude each other (message items_conflict_pair)."""
        chosen = [key for key in self._ordered(items, strict=False)]
        pairs = []
        for i, first in enumerate(chosen):
            for second in chosen[i + 1:]:
                if second in self.items[first].excludes or first in self.items[second].excludes:
                    pairs.append((first, second))
        return pairs

    def fields_for(self, items: Iterable[str], role: str = "worker") -> list[str]:
        """The fields the chosen items need, each once, in the order of fields.yml (identity first)."""
        needed = {key for item in self._ordered(items) for key in self.items[item].fields}
        return [key for key, spec in self.fields.items() if key in needed and _role(role) in spec.roles]

    def item_fields(self, item: str, role: str = "worker") -> list[str]:
        """The fields a separate application for one item asks."""
        return [key for key in self.items[item].fields if _role(role) in self.fields[key].roles]

    def missing(self, items: Iterable[str], role: str, answers: Mapping[str, Any]) -> list[str]:
        """Required fields without an answer (a skipped optional field is not missing)."""
        return [key for key in self.fields_for(items, role)
                if not self.fields[key].optional and answers.get(key) in (None, "")]

    def materials_for(self, items: Iterable[str]) -> list[str]:
        """The materials the chosen items need, each once, in item order."""
        found: list[str] = []
        for item in self._ordered(items):
            found.extend(m for m in self.items[item].materials if m not in found)
        return found

    def departments_for(self, items: Iterable[str]) -> dict[str, list[str]]:
        """Department -> the chosen items it decides (departments in the order of departments.yml)."""
        chosen = self._ordered(items)
        split = {key: [item for item in chosen if item in dept.services] for key, dept in self.departments.items()}
        return {key: found for key, found in split.items() if found}

    def savings(self, items: Iterable[str], role: str = "worker") -> Savings:
        """One form against one application per item: fields and materials, union vs sum."""
        chosen = self._ordered(items)
        return Savings(
            fields_once=len(self.fields_for(chosen, role)),
            fields_separately=sum(len(self.item_fields(item, role)) for item in chosen),
            materials_once=len(self.materials_for(chosen)),
            materials_separately=sum(len(self.items[item].materials) for item in chosen),
        )

    def _ordered(self, items: Iterable[str], strict: bool = True) -> list[str]:
        """The chosen items in catalogue order, each once; unknown keys raise (check_items first)."""
        chosen = set(items or [])
        unknown = chosen - set(self.items)
        if unknown and strict:
            raise ValueError(f"unknown items: {sorted(unknown)}")
        return [key for key in self.items if key in chosen]


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    return role


# --- loading --------------------------------------------------------------------------------------
def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path.name}: cannot read: {exc}") from exc


def _bilingual(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not str(value.get(lang) or "").strip() for lang in LANGUAGES):
        raise DataError(f"{where}: needs non-empty en and zh")
    return {lang: str(value[lang]).strip() for lang in LANGUAGES}


def _keys(values: Any, allowed: Iterable[str], where: str) -> list[str]:
    allowed = set(allowed)
    if not isinstance(values, list):
        raise DataError(f"{where}: must be a list")
    bad = [v for v in values if v not in allowed]
    if bad:
        raise DataError(f"{where}: unknown {bad}")
    if len(set(values)) != len(values):
        raise DataError(f"{where}: listed twice")
    return [str(v) for v in values]


def _field(key: str, raw: Mapping[str, Any]) -> FieldSpec:
    where = f"fields.yml: {key}"
    kind = raw.get("kind")
    if kind not in FIELD_KINDS:
        raise DataError(f"{where}: kind {kind!r} is not one of {FIELD_KINDS}")
    choices = {}
    if kind in CHOICE_KINDS:
        if not raw.get("choices"):
            raise DataError(f"{where}: a {kind} field needs choices")
        for choice_key, choice in raw["choices"].items():
            choices[str(choice_key)] = Choice(str(choice_key), _bilingual(choice, f"{where}.choices.{choice_key}"),
                                              [str(s).casefold() for s in choice.get("synonyms") or []])
    rules = list(raw.get("rules") or [])
    if rules and kind not in RULE_KINDS:
        raise DataError(f"{where}: rules are for date and year fields")
    for rule in rules:
        bounds = [k for k in RULE_KEYS if k in rule]
        if len(bounds) != 1 or not rule.get("error"):
            raise DataError(f"{where}: each rule needs one of {RULE_KEYS} and an error")
        if rule["error"] not in _message_codes():
            raise DataError(f"{where}: rule error {rule['error']!r} is not in texts/application_engine.yml")
    roles = _keys(raw.get("roles") or list(ROLES), ROLES, f"{where}.roles")
    return FieldSpec(
        key=key, kind=kind,
        label=_bilingual(raw.get("label"), f"{where}.label"),
        question=_bilingual(raw.get("question"), f"{where}.question"),
        question_hr=_bilingual(raw["question_hr"], f"{where}.question_hr") if raw.get("question_hr") else None,
        explain=_bilingual(raw.get("explain"), f"{where}.explain"),
        example=_bilingual(raw.get("example"), f"{where}.example"),
        optional=bool(raw.get("optional", False)), sensitive=bool(raw.get("sensitive", False)),
        choices=choices, carry_over_from=raw.get("carry_over_from"), roles=roles,
        mentions=[str(m).casefold() for m in raw.get("mentions") or []],
        lead_ins=[str(m).casefold() for m in raw.get("lead_ins") or []],
        rules=rules, min_length=raw.get("min_length"), max_length=raw.get("max_length"),
        min=raw.get("min"), max=raw.get("max"), fractions=bool(raw.get("fractions", False)),
    )


def _message_codes() -> set[str]:
    from knowledge.application.messages import messages

    return set(messages())


def _material_ids(path: Path) -> set[str]:
    data = _read(path) or {}
    return set((data.get("materials") or {}).keys())


def load_catalogue(directory: Path | str | None = None, materials_catalogue: Path | str | None = None) -> Catalogue:
    """Read and check the four YAML files of `directory` (default: this package)."""
    directory = Path(directory) if directory else APPLICATION_DIR
    materials = _material_ids(Path(materials_catalogue) if materials_catalogue else MATERIALS_CATALOGUE)

    raw_fields = (_read(directory / "fields.yml") or {}).get("fields") or {}
    fields = {str(key): _field(str(key), raw) for key, raw in raw_fields.items()}

    raw_departments = (_read(directory / "departments.yml") or {}).get("departments") or {}
    if set(raw_departments) != set(DEPARTMENT_KEYS):
        raise DataError(f"departments.yml: departments must be exactly {DEPARTMENT_KEYS}")
    departments = {key: Department(key, _bilingual(raw.get("name"), f"departments.yml: {key}.name"),
                                   _keys(raw.get("services") or [], ITEM_KEYS, f"departments.yml: {key}.services"))
                   for key, raw in raw_departments.items()}

    raw_items = (_read(directory / "items.yml") or {}).get("items") or {}
    if set(raw_items) != set(ITEM_KEYS):
        raise DataError(f"items.yml: items must be exactly {ITEM_KEYS}")
    items = {}
    for key, raw in raw_items.items():
        where = f"items.yml: {key}"
        if raw.get("service") not in SERVICES or raw.get("kind") not in ITEM_KINDS:
            raise DataError(f"{where}: service must be one of {SERVICES} and kind one of {ITEM_KINDS}")
        items[key] = Item(
            key=key, name=_bilingual(raw.get("name"), f"{where}.name"), service=raw["service"], kind=raw["kind"],
            departments=_keys(raw.get("departments") or [], departments, f"{where}.departments"),
            fields=_keys(raw.get("fields") or [], fields, f"{where}.fields"),
            materials=_keys(raw.get("materials") or [], materials, f"{where}.materials (knowledge/materials/catalogue.yml)"),
            excludes=_keys(raw.get("excludes") or [], ITEM_KEYS, f"{where}.excludes"),
        )
        if not items[key].departments or not items[key].fields:
            raise DataError(f"{where}: needs departments and fields")
    for key, item in items.items():
        for dept in departments.values():
            if (dept.key in item.departments) != (key in dept.services):
                raise DataError(f"items.yml / departments.yml disagree on {key} and {dept.key}")
    unused = set(fields) - {key for item in items.values() for key in item.fields}
    if unused:
        raise DataError(f"fields.yml: fields no item asks: {sorted(unused)}")

    raw_consent = _read(directory / "consent.yml") or {}
    try:
        consent = Consent(version=str(raw_consent["version"]),
                          draft_retention_days=int(raw_consent["draft_retention_days"]),
                          case_retention_days=int(raw_consent["case_retention_days"]),
                          paragraphs=[_bilingual(p, "consent.yml: paragraphs") for p in raw_consent["paragraphs"]])
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"consent.yml: needs version, draft_retention_days, case_retention_days, paragraphs ({exc})") from exc
    return Catalogue(items=items, fields=fields, departments=departments, consent=consent)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue of this package, loaded once."""
    return load_catalogue()
