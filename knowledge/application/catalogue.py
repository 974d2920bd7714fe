"""The merged application's data: items, fields, departments and consent, loaded and checked.

items.yml        the services a user can pick; each names its fields, materials and departments;
                 the services' and kinds' synonyms (how a message names them), compiled once here
fields.yml       every field: kind (parser), texts in both languages, sensitivity, carry-over
departments.yml  who decides which item (one case item per department)
consent.yml      the consent text, its version and the retention periods

Everything is checked when loaded: the shape of each file by pydantic models (known keys,
both languages), then the references between files (material ids that exist in
knowledge/materials/catalogue.yml, departments that agree both ways), so a bad edit fails at
start-up with the file, the place and the reason instead of producing a wrong form later.
The item, service and department keys are the files' own: a new item is a data edit
(docs/application-fields.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Union

from pydantic import StrictFloat, StrictInt, conint, conlist, root_validator, validator

from knowledge.application.messages import lang_of, message
from knowledge.schema import Bilingual, DataError, DataFile, Strict

APPLICATION_DIR = Path(__file__).resolve().parent
MATERIALS_CATALOGUE = APPLICATION_DIR.parent / "materials" / "catalogue.yml"

ROLES = ("worker", "hr")
# The variants of knowledge/materials/items.yml an item can be (code reads them: not data).
ITEM_KINDS = ("new", "change", "extension", "default")
FIELD_KINDS = (
    "name",
    "chinese_name",
    "gender",
    "date",
    "year",
    "country",
    "passport_number",
    "email",
    "phone_cn",
    "address",
    "uscc",
    "text",
    "money_cny",
    "integer",
    "choice",
    "work_permit_number",
    "family",
)
CHOICE_KINDS = ("gender", "choice", "family")
RULE_KINDS = ("date", "year")
RULE_KEYS = ("min", "max", "age_min", "age_max")


__all__ = ["DataError"]  # the one DataError of knowledge/schema.py, named here for old imports


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
class Service:
    """A service of items.yml `services`: the kind it gets when none is named, and its synonyms."""

    key: str
    default_kind: str
    pattern: re.Pattern[str]


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
        return "\n\n".join(
            p[lang].format(draft_days=self.draft_retention_days, case_days=self.case_retention_days)
            for p in self.paragraphs
        )


@dataclass(frozen=True)
class Savings:
    fields_once: int
    fields_separately: int
    materials_once: int
    materials_separately: int

    def to_json(self) -> dict[str, int]:
        return {
            "fields_once": self.fields_once,
            "fields_separately": self.fields_separately,
            "materials_once": self.materials_once,
            "materials_separately": self.materials_separately,
        }

    def text(self, lang: str) -> str:
        return message("savings", lang, **self.to_json())


@dataclass(frozen=True, eq=False)  # hashed by identity (cached patterns)
class Catalogue:
    items: dict[str, Item]
    fields: dict[str, FieldSpec]
    departments: dict[str, Department]
    consent: Consent
    services: dict[str, Service] = field(default_factory=dict)
    kinds: dict[str, re.Pattern[str]] = field(default_factory=dict)  # in the order of items.yml `kinds`
    other_sensitive_slots: tuple[str, ...] = ()
    masked_in_conversation: tuple[str, ...] = ()

    # --- items, services and kinds --------------------------------------------------------------
    def item_for(self, service: str, kind: str) -> str | None:
        """The item of `service` in `kind`; a service with one `default` item gets that one."""
        found = {item.kind: key for key, item in self.items.items() if item.service == service}
        default_kind = self.services[service].default_kind if service in self.services else "new"
        return found.get(kind) or found.get("default") or found.get(default_kind)

    def sensitive_slots(self) -> frozenset[str]:
        """Fields marked `sensitive` in fields.yml, and other forms' personal slots listed there."""
        return frozenset(
            {key for key, spec in self.fields.items() if spec.sensitive}
            | set(self.other_sensitive_slots)
            | set(self.masked_in_conversation)
        )

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
            for second in chosen[i + 1 :]:
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
        return [
            key
            for key in self.fields_for(items, role)
            if not self.fields[key].optional and answers.get(key) in (None, "")
        ]

    def materials_for(self, items: Iterable[str]) -> list[str]:
        """The materials the chosen items need, each once, in item order."""
        found: list[str] = []
        for item in self._ordered(items):
            found.extend(m for m in self.items[item].materials if m not in found)
        return found

    def departments_for(self, items: Iterable[str]) -> dict[str, list[str]]:
        """Department -> the chosen items it decides (departments in the order of departments.yml)."""
        chosen = self._ordered(items)
        split = {
            key: [item for item in chosen if item in dept.services] for key, dept in self.departments.items()
        }
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
# The shapes of the four files (pydantic 1.x); the checks between files follow in load_catalogue.
def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("listed twice")
    return values


if TYPE_CHECKING:  # mypy cannot read pydantic's con*(...) calls as types: it sees the types they check
    Count = int
    Positive = int
    Names = list[str]
    Paragraphs = list[Bilingual]
else:
    Count = conint(ge=0)
    Positive = conint(ge=1)
    Names = conlist(str, min_items=1)
    Paragraphs = conlist(Bilingual, min_items=1)


class _Choice(Bilingual):
    synonyms: list[str] = []


class _Field(Strict):
    kind: str
    label: Bilingual
    question: Bilingual
    question_hr: Bilingual | None = None
    explain: Bilingual
    example: Bilingual
    optional: bool = False
    sensitive: bool = False
    choices: dict[str, _Choice] = {}
    carry_over_from: str | None = None
    roles: list[str] = list(ROLES)
    mentions: list[str] = []
    lead_ins: list[str] = []
    rules: list[dict[str, Any]] = []
    min_length: Count | None = None
    max_length: Positive | None = None
    min: Union[StrictInt, StrictFloat] | None = None
    max: Union[StrictInt, StrictFloat] | None = None
    fractions: bool = False

    @validator("kind")
    def _kind(cls, value: str) -> str:  # noqa: N805
        if value not in FIELD_KINDS:
            raise ValueError(f"kind {value!r} is not one of {FIELD_KINDS}")
        return value

    @validator("roles")
    def _roles(cls, value: list[str]) -> list[str]:  # noqa: N805
        bad = [v for v in value if v not in ROLES]
        if bad:
            raise ValueError(f"unknown {bad}")
        return _unique(value)

    @validator("rules", each_item=True)
    def _rule(cls, rule: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        bounds = [k for k in RULE_KEYS if k in rule]
        if len(bounds) != 1 or not rule.get("error") or set(rule) - {*RULE_KEYS, "error"}:
            raise ValueError(f"each rule needs one of {RULE_KEYS} and an error")
        if rule["error"] not in _message_codes():
            raise ValueError(f"rule error {rule['error']!r} is not in texts/application_engine.yml")
        return rule

    @root_validator(skip_on_failure=True)
    def _by_kind(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["kind"] in CHOICE_KINDS and not values["choices"]:
            raise ValueError(f"a {values['kind']} field needs choices")
        if values["rules"] and values["kind"] not in RULE_KINDS:
            raise ValueError("rules are for date and year fields")
        return values


class _FieldsFile(Strict):
    fields: dict[str, _Field]
    # Slots of other forms whose answers are personal too (stores/redaction.py masks them whole).
    other_sensitive_slots: list[str] = []
    # Fields whose answers are personal data but not `sensitive` (the summaries show them):
    # stores/redaction.py stores the answering message masked whole.
    masked_in_conversation: list[str] = []


class _Department(Strict):
    name: Bilingual
    services: list[str] = []
    _unique = validator("services", allow_reuse=True)(_unique)


class _DepartmentsFile(Strict):
    departments: dict[str, _Department]


class _Synonyms(Strict):
    """Regular expressions (Python `re`) per language, searched in the casefolded message."""

    en: list[str] = []
    zh: list[str] = []

    @validator("en", "zh", each_item=True)
    def _compiles(cls, pattern: str) -> str:  # noqa: N805
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
        return pattern

    @root_validator(skip_on_failure=True)
    def _some(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if not values["en"] or not values["zh"]:
            raise ValueError("needs synonyms in en and zh")
        return values


class _Service(Strict):
    default_kind: str = "new"
    synonyms: _Synonyms


class _Kind(Strict):
    synonyms: _Synonyms


class _Item(Strict):
    name: Bilingual
    service: str
    kind: str
    departments: Names
    fields: Names
    materials: list[str] = []
    excludes: list[str] = []
    _unique = validator("departments", "fields", "materials", "excludes", allow_reuse=True)(_unique)


class _ItemsFile(Strict):
    services: dict[str, _Service]
    kinds: dict[str, _Kind]
    items: dict[str, _Item]

    @validator("kinds")
    def _known_kinds(cls, kinds: dict[str, _Kind]) -> dict[str, _Kind]:  # noqa: N805
        bad = [k for k in kinds if k not in ITEM_KINDS or k == "default"]
        if bad:
            raise ValueError(f"unknown kinds {bad}; kinds are {ITEM_KINDS[:-1]}")
        return kinds


class _ConsentFile(Strict):
    version: str
    draft_retention_days: Positive
    case_retention_days: Positive
    paragraphs: Paragraphs


def _refs(
    source: DataFile, values: list[str], allowed: Iterable[str], loc: list[Any], note: str = ""
) -> list[str]:
    """`values` must all be keys of `allowed` (a reference to another list or file)."""
    bad = [v for v in values if v not in set(allowed)]
    if bad:
        raise source.fail(loc, f"unknown {bad}{note}")
    return list(values)


def _material_ids(path: Path) -> set[str]:
    data = DataFile(path, path.name).doc or {}
    return set((data.get("materials") or {}).keys())


def _service_ids(path: Path) -> set[str]:
    """The eligibility engine's items (knowledge/materials/items.yml): what `service` may name."""
    data = DataFile(path, path.name).doc or {}
    return set((data.get("items") or {}).keys())


def _pattern(synonyms: _Synonyms) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in [*synonyms.en, *synonyms.zh]))


def load_catalogue(
    directory: Path | str | None = None, materials_catalogue: Path | str | None = None
) -> Catalogue:
    """Read and check the four YAML files of `directory` (default: this package)."""
    directory = Path(directory) if directory else APPLICATION_DIR
    materials_path = Path(materials_catalogue) if materials_catalogue else MATERIALS_CATALOGUE
    materials = _material_ids(materials_path)
    engine_items = _service_ids(materials_path.parent / "items.yml")

    fields_file = DataFile(directory / "fields.yml", "fields.yml")
    raw_fields = fields_file.parse(_FieldsFile)
    fields = {key: _field_spec(key, raw) for key, raw in raw_fields.fields.items()}

    departments_file = DataFile(directory / "departments.yml", "departments.yml")
    raw_departments = departments_file.parse(_DepartmentsFile).departments
    items_file = DataFile(directory / "items.yml", "items.yml")
    raw = items_file.parse(_ItemsFile)

    # Every item is decided by a department and every department decides items that exist.
    decided = {key for dept in raw_departments.values() for key in dept.services}
    if decided != set(raw.items):
        raise items_file.fail(
            ["items"],
            f"items must be exactly the items departments.yml assigns: "
            f"{sorted(decided)} (missing {sorted(decided - set(raw.items))}, "
            f"no department for {sorted(set(raw.items) - decided)})",
        )
    departments = {
        key: Department(key, dept.name.as_dict(), list(dept.services))
        for key, dept in raw_departments.items()
    }
    _refs(items_file, list(raw.services), engine_items, ["services"], " (knowledge/materials/items.yml)")
    items = {}
    for key, item in raw.items.items():
        at = ["items", key]
        if item.service not in raw.services or item.kind not in ITEM_KINDS:
            raise items_file.fail(
                [*at, "service"], f"service must be one of {tuple(raw.services)} and kind one of {ITEM_KINDS}"
            )
        items[key] = Item(
            key=key,
            name=item.name.as_dict(),
            service=item.service,
            kind=item.kind,
            departments=_refs(items_file, item.departments, departments, [*at, "departments"]),
            fields=_refs(items_file, item.fields, fields, [*at, "fields"]),
            materials=_refs(
                items_file,
                item.materials,
                materials,
                [*at, "materials"],
                " (knowledge/materials/catalogue.yml)",
            ),
            excludes=_refs(items_file, item.excludes, raw.items, [*at, "excludes"]),
        )
    for key, built in items.items():
        for dept in departments.values():
            if (dept.key in built.departments) != (key in dept.services):
                raise items_file.fail(
                    ["items", key, "departments"],
                    f"items.yml / departments.yml disagree on {key} and {dept.key}",
                )
    for service, spec in raw.services.items():
        if not any(item.service == service for item in items.values()):
            raise items_file.fail(["services", service], "no item offers this service")
        if spec.default_kind not in raw.kinds:
            raise items_file.fail(["services", service, "default_kind"], f"must be one of {tuple(raw.kinds)}")
    unused = set(fields) - {key for item in items.values() for key in item.fields}
    if unused:
        raise fields_file.fail(["fields"], f"fields no item asks: {sorted(unused)}")

    consent_file = DataFile(directory / "consent.yml", "consent.yml")
    raw_consent = consent_file.parse(_ConsentFile)
    consent = Consent(
        version=raw_consent.version,
        draft_retention_days=raw_consent.draft_retention_days,
        case_retention_days=raw_consent.case_retention_days,
        paragraphs=[p.as_dict() for p in raw_consent.paragraphs],
    )
    return Catalogue(
        items=items,
        fields=fields,
        departments=departments,
        consent=consent,
        services={
            key: Service(key, spec.default_kind, _pattern(spec.synonyms))
            for key, spec in raw.services.items()
        },
        kinds={key: _pattern(spec.synonyms) for key, spec in raw.kinds.items()},
        other_sensitive_slots=tuple(raw_fields.other_sensitive_slots),
        masked_in_conversation=tuple(raw_fields.masked_in_conversation),
    )


def _field_spec(key: str, raw: _Field) -> FieldSpec:
    return FieldSpec(
        key=key,
        kind=raw.kind,
        label=raw.label.as_dict(),
        question=raw.question.as_dict(),
        question_hr=raw.question_hr.as_dict() if raw.question_hr else None,
        explain=raw.explain.as_dict(),
        example=raw.example.as_dict(),
        optional=raw.optional,
        sensitive=raw.sensitive,
        choices={
            str(k): Choice(str(k), c.as_dict(), [str(s).casefold() for s in c.synonyms])
            for k, c in raw.choices.items()
        },
        carry_over_from=raw.carry_over_from,
        roles=list(raw.roles),
        mentions=[str(m).casefold() for m in raw.mentions],
        lead_ins=[str(m).casefold() for m in raw.lead_ins],
        rules=[dict(r) for r in raw.rules],
        min_length=raw.min_length,
        max_length=raw.max_length,
        min=raw.min,
        max=raw.max,
        fractions=raw.fractions,
    )


def _message_codes() -> set[str]:
    from knowledge.application.messages import messages

    return set(messages())


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue of this package, loaded once."""
    return load_catalogue()
