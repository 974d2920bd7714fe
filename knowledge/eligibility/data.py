"""Load and check the policy data the engine runs on.

knowledge/points/*.yml            points tables; knowledge/points/active.yml names the one in use
knowledge/materials/catalogue.yml materials (what, issuer, validity, authentication)
knowledge/materials/items.yml     items x application type: steps, materials, deadlines, fees, notes
knowledge/materials/deadlines.yml deadlines and the events they count from
knowledge/materials/fees.yml      fees
knowledge/materials/offices.yml   who handles each item, per region
knowledge/agreements.yml          bilateral social security agreements
knowledge/eligibility/categories.yml the category and basic-condition numbers (6x / 4x wage, 60, 2 years, ...)
(the engine's own sentences are texts/eligibility_engine.yml, read by texts/)

Everything is checked when loaded: each file's shape by the pydantic models below (no
unknown keys, both languages present, known `when` conditions, points bands that touch),
then the references between files (ids that exist, offices, events), so a bad data edit is
refused with one DataError (knowledge/schema.py) naming the file, the place and the line
instead of producing a wrong answer later.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, overload

from pydantic import Field, confloat, conint, conlist, constr, root_validator, validator
from pydantic.fields import ModelField

from knowledge.eligibility.texts import Local, Messages
from knowledge.schema import Bilingual, DataError, DataFile, Strict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_KNOWLEDGE_DIR = PACKAGE_DIR.parent

# The factors of the points table, in the order of the API's `breakdown`, and the kind of
# rule each one must use (a new factor needs a new input, so it needs code too).
FACTOR_KINDS: dict[str, str] = {
    "salary": "bands",
    "education": "choice",
    "experience": "years",
    "months_in_china": "bands",
    "chinese": "chinese",
    "location": "choice",
    "age": "bands",
    "extras": "each",
    "local_bonus": "bonus",
}
FACTOR_KEYS = tuple(FACTOR_KINDS)
CATEGORIES = ("A", "B", "C")
AUTHENTICATION = ("required", "not_required", "ask_office")
WHEN_KEYS = ("in_china", "category", "agreement", "region", "age_over")
INSURANCES = ("pension", "medical", "work_injury", "unemployment", "maternity")
DEADLINE_UNITS = ("days", "working_days", "months")
WHO = ("applicant", "employer", "authority")


__all__ = [
    "DataError",
    "EligibilityData",
    "CategoryPolicy",
    "load_data",
    "read_data",
]  # DataError: knowledge.schema


# --- the category and basic-condition numbers (knowledge/eligibility/categories.yml) -------
if TYPE_CHECKING:  # mypy cannot read pydantic's con*(...) calls as types: it sees the types they check
    Alpha2 = str
    Multiple = float
    Years = float
    AdultAge = int
    Count = int
    Months = int
    Countries = list[str]
else:
    Alpha2 = constr(regex=r"^[A-Z]{2}$")
    Multiple = confloat(gt=0)
    Years = confloat(ge=0)
    AdultAge = conint(ge=18)
    Count = conint(ge=0)
    Months = conint(ge=1)
    Countries = conlist(Alpha2, min_items=1)


class CategoryANumbers(Strict):
    salary_multiple: Multiple


class CategoryBNumbers(Strict):
    salary_multiple: Multiple
    age_limit: AdultAge
    experience_years: Years
    teaching_experience_years: Years


class CategoryNumbers(Strict):
    A: CategoryANumbers
    B: CategoryBNumbers

    @root_validator(skip_on_failure=True)
    def _b_below_a(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["B"].salary_multiple >= values["A"].salary_multiple:
            raise ValueError("the B salary multiple must be below the A one")
        return values


class ConditionNumbers(Strict):
    minimum_age: Count
    certificate_months: Months
    passport_months: Count
    not_foreign: Countries
    not_covered: list[Alpha2] = []

    @validator("not_covered")
    def _disjoint(cls, value: list[str], values: dict[str, Any]) -> list[str]:  # noqa: N805
        if set(value) & set(values.get("not_foreign") or ()):
            raise ValueError("a country cannot be both not_foreign and not_covered")
        return value


class CategoryPolicy(Strict):
    """categories.yml: the numbers categories.py and conditions.py decide with."""

    categories: CategoryNumbers
    conditions: ConditionNumbers

    @root_validator(skip_on_failure=True)
    def _ages(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["categories"].B.age_limit <= values["conditions"].minimum_age:
            raise ValueError("the Category B age limit must be above the minimum age")
        return values


# --- points tables ---------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """from <= value < to (no `to`: open upwards)."""

    low: float
    high: float | None
    points: int

    def contains(self, value: float) -> bool:
        return self.low <= value and (self.high is None or value < self.high)


@dataclass(frozen=True)
class Factor:
    key: str
    kind: str
    max: int
    bands: tuple[Band, ...] = ()
    points: Mapping[str, int] = field(default_factory=dict)
    unit_cny: float = 1
    whole_numbers: bool = False
    from_years: float = 0
    points_at_start: int = 0
    points_per_further_year: int = 0
    qualifying_points: int = 0

    def band_for(self, value: float) -> Band:
        for band in self.bands:
            if band.contains(value):
                return band
        raise ValueError(f"{self.key}: no band for {value}")  # cannot happen: bands start at 0 and touch

    def band_above(self, band: Band) -> Band | None:
        """The next band up (the one starting where `band` ends)."""
        for other in self.bands:
            if band.high is not None and other.low == band.high:
                return other
        return None


@dataclass(frozen=True)
class PointsTable:
    id: str
    name: Local
    source: str
    checked: str
    uncertain: bool
    thresholds: Mapping[str, int]
    factors: Mapping[str, Factor]


# --- materials, deadlines, fees, items ---------------------------------------------------
@dataclass(frozen=True)
class Material:
    id: str
    name: Local
    what: Local
    issuer: Local
    validity: Local | None
    authentication: str
    authentication_note: Local | None
    uncertain: bool
    source: str
    checked: str


@dataclass(frozen=True)
class Deadline:
    id: str
    who: str
    days: int | None
    unit: str
    direction: str
    counts_from: str
    event: Local
    text: Local
    uncertain: bool
    source: str
    checked: str


@dataclass(frozen=True)
class FeeAmount:
    cny: float
    validity: Local | None


@dataclass(frozen=True)
class Fee:
    id: str
    amounts: tuple[FeeAmount, ...] | None
    text: Local
    uncertain: bool
    source: str
    checked: str


@dataclass(frozen=True)
class Rule:
    """One entry of an item: a reference (material/deadline/fee id) or a text, maybe conditional."""

    ref: str | None
    when: Mapping[str, Any]
    text: Local | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Variant:
    id: str
    title: Local
    steps: tuple[Rule, ...]
    materials: tuple[Rule, ...]
    deadlines: tuple[Rule, ...]
    fees: tuple[Rule, ...]


@dataclass(frozen=True)
class Item:
    id: str
    name: Local
    office: str
    variants: Mapping[str, Variant]
    notes: tuple[Rule, ...]

    def variant(self, application_type: str) -> Variant | None:
        return self.variants.get(application_type) or self.variants.get("default")


@dataclass(frozen=True)
class Office:
    text: Local
    uncertain: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Agreement:
    country: str
    exempt: tuple[str, ...] | None
    scope: Local | None
    in_force: date | None
    uncertain: bool


@dataclass(frozen=True)
class EligibilityData:
    tables: Mapping[str, PointsTable]
    active_table: str
    materials: Mapping[str, Material]
    deadlines: Mapping[str, Deadline]
    fees: Mapping[str, Fee]
    items: Mapping[str, Item]
    offices: Mapping[str, Mapping[str, Office]]
    agreements: Mapping[str, Agreement]
    unconfirmed_agreements: frozenset[str]
    insurances: Mapping[str, Local]
    agreements_source: str
    agreements_checked: str
    messages: Messages
    policy: CategoryPolicy

    def table(self, table_id: str | None = None) -> PointsTable:
        return self.tables[table_id or self.active_table]

    def office(self, region: str | None, key: str) -> Office | None:
        regional = self.offices.get(region or "", {})
        return regional.get(key) or self.offices.get("default", {}).get(key)


# --- reading: the files' shapes (pydantic 1.x), then the checks between files ----------------
class Number(float):
    """A number of at least 0 (YAML int or float; not a bool or a string)."""

    @classmethod
    def __get_validators__(cls):  # noqa: ANN206 (pydantic's protocol)
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError("must be a number of at least 0")
        return float(value)


class Whole(int):
    """A whole number of at least 0."""

    @classmethod
    def __get_validators__(cls):  # noqa: ANN206
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("must be a whole number of at least 0")
        return value


class _Sourced(Strict):
    uncertain: bool = False
    source: str = ""
    checked: str = ""

    @validator("source", "checked", pre=True)
    def _text(cls, value: Any) -> str:  # noqa: N805 (a date in `checked` is read by YAML as a date)
        return "" if value is None else str(value)


class _Band(Strict):
    low: Number = Field(alias="from")
    high: Number | None = Field(None, alias="to")
    points: Whole

    @root_validator(skip_on_failure=True)
    def _order(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["high"] is not None and values["high"] <= values["low"]:
            raise ValueError("`to` must be greater than `from`")
        return values


if TYPE_CHECKING:
    _Bands = list[_Band]
else:
    _Bands = conlist(_Band, min_items=1)


class _Factor(Strict):
    kind: str
    max: Whole
    bands: _Bands | None = None
    unit_cny: Number = Number(1)
    whole_numbers: bool = False
    qualifying_points: Whole | None = None
    points: dict[str, Whole] | None = None
    from_years: Number | None = None
    points_at_start: Whole | None = None
    points_per_further_year: Whole | None = None

    @validator("bands")
    def _bands(cls, bands: list[_Band] | None, values: dict[str, Any]) -> list[_Band] | None:  # noqa: N805
        if bands is None:
            return None
        maximum = values.get("max")
        for band in bands:
            if maximum is not None and band.points > maximum:
                raise ValueError(f"{band.points} points is more than the factor's max {maximum}")
        bands = sorted(bands, key=lambda b: b.low)
        if bands[0].low != 0:
            raise ValueError("the lowest band must start at 0")
        for lower, upper in zip(bands, bands[1:], strict=False):
            if lower.high != upper.low:
                raise ValueError(
                    f"bands must touch: one ends at {_num(lower.high)}, the next starts at {_num(upper.low)}"
                )
        if bands[-1].high is not None:
            raise ValueError("the highest band must have no `to` (open upwards)")
        return bands

    @root_validator(skip_on_failure=True)
    def _by_kind(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        needs = {
            "bands": ("bands",),
            "chinese": ("bands", "qualifying_points"),
            "choice": ("points",),
            "each": ("points",),
            "years": ("from_years", "points_at_start", "points_per_further_year"),
        }
        missing = [k for k in needs.get(values["kind"], ()) if values.get(k) is None]
        if missing:
            raise ValueError(f"a {values['kind']} factor needs {', '.join(missing)}")
        return values


class _PointsTable(_Sourced):
    id: str
    name: Bilingual
    thresholds: dict[str, Whole]
    factors: dict[str, _Factor]

    @validator("thresholds")
    def _thresholds(cls, thresholds: dict[str, int]) -> dict[str, int]:  # noqa: N805
        if set(thresholds) != {"A", "B"} or min(thresholds.values()) < 1:
            raise ValueError("needs A and B, whole numbers of at least 1")
        if thresholds["B"] >= thresholds["A"]:
            raise ValueError("B must be below A")
        return thresholds

    @validator("factors")
    def _factors(cls, factors: dict[str, _Factor]) -> dict[str, _Factor]:  # noqa: N805
        if set(factors) != set(FACTOR_KEYS):
            raise ValueError(f"must be exactly {', '.join(FACTOR_KEYS)}")
        for key, factor in factors.items():
            if factor.kind != FACTOR_KINDS[key]:
                raise ValueError(f"{key}: kind must be {FACTOR_KINDS[key]!r}")
        return factors


class _Active(Strict):
    active: str


class _When(Strict):
    in_china: bool | None = None
    category: list[str] | None = None
    agreement: bool | None = None
    region: str | list[str] | None = None
    age_over: Number | None = None

    @validator("category")
    def _categories(cls, value: list[str] | None) -> list[str] | None:  # noqa: N805
        if value is not None and not set(value) <= set(CATEGORIES):
            raise ValueError("category must list A, B or C")
        return value


def _check_when(value: dict[str, Any] | None) -> dict[str, Any]:
    """A `when` is checked as _When and kept as written (the engine reads the plain mapping)."""
    if value is None:
        return {}
    _When.parse_obj(value)
    return dict(value)


class _TextRule(Strict):
    id: str | None = None
    text: Bilingual
    when: dict[str, Any] | None = None
    uncertain: bool = False
    _when = validator("when", allow_reuse=True)(_check_when)


class _Ref(Strict):
    id: str
    when: dict[str, Any] | None = None
    _when = validator("when", allow_reuse=True)(_check_when)


class _Variant(Strict):
    title: Bilingual
    steps: list[_TextRule] = []
    materials: list[str | _Ref] = []
    deadlines: list[str | _Ref] = []
    fees: list[str | _Ref] = []


class _Item(Strict):
    name: Bilingual
    office: str
    variants: dict[str, _Variant]
    notes: list[_TextRule] = []


class _Material(_Sourced):
    name: Bilingual
    what: Bilingual
    issuer: Bilingual
    validity: Bilingual | None
    authentication: str
    authentication_note: Bilingual | None = None

    @validator("authentication")
    def _auth(cls, value: str) -> str:  # noqa: N805
        if value not in AUTHENTICATION:
            raise ValueError(f"must be one of {', '.join(AUTHENTICATION)}")
        return value


class _Deadline(_Sourced):
    who: str
    days: Whole | None
    unit: str
    direction: str
    counts_from: str
    text: Bilingual

    @validator("who", "unit", "direction")
    def _one_of(cls, value: str, field: ModelField) -> str:  # noqa: N805
        allowed = {"who": WHO, "unit": DEADLINE_UNITS, "direction": ("after", "before")}[field.name]
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value


class _FeeAmount(Strict):
    cny: Number
    validity: Bilingual | None = None


class _Fee(_Sourced):
    amounts: list[_FeeAmount] | None
    text: Bilingual


class _Office(Bilingual):
    uncertain: bool = False
    source: str | None = None


class _Agreement(Strict):
    country: str
    exempt: list[str] | None
    scope: Bilingual | None = None
    in_force: date | None = None
    uncertain: bool | None = None

    @validator("country", pre=True)
    def _alpha2(cls, value: Any) -> str:  # noqa: N805
        code = str(value or "").upper()
        if len(code) != 2:
            raise ValueError("must be an ISO 3166-1 alpha-2 code")
        return code

    @validator("exempt")
    def _insurances(cls, value: list[str] | None) -> list[str] | None:  # noqa: N805
        if value is not None and not set(value) <= set(INSURANCES):
            raise ValueError(f"must be null or a list of {', '.join(INSURANCES)}")
        return value

    @validator("in_force", pre=True)
    def _date(cls, value: Any) -> Any:  # noqa: N805 (YAML reads 2025-10-14 as a date; a string is a typo)
        if value is not None and not isinstance(value, date):
            raise ValueError("must be a date such as 2025-10-14")
        return value

    @root_validator(skip_on_failure=True)
    def _scope(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["exempt"] is not None and values["scope"] is None:
            raise ValueError("an agreement with `exempt` needs a `scope` in en and zh")
        return values


class _Unconfirmed(Strict):
    country: str


class _Agreements(_Sourced):
    as_of: Any = None
    insurances: dict[str, Bilingual]
    agreements: list[_Agreement] = []
    unconfirmed: list[_Unconfirmed] = []

    @validator("insurances")
    def _all(cls, value: dict[str, Bilingual]) -> dict[str, Bilingual]:  # noqa: N805
        if set(value) != set(INSURANCES):
            raise ValueError(f"must be exactly {', '.join(INSURANCES)}")
        return value


class _Reader(DataFile):
    """A data file read once; `fail` and `parse` (knowledge/schema.py) name the file and the place."""


def _num(value: float | None) -> str:
    return "None" if value is None else (str(int(value)) if float(value).is_integer() else str(value))


@overload
def _local(text: Bilingual) -> Local: ...
@overload
def _local(text: None) -> None: ...
@overload
def _local(text: Bilingual | None) -> Local | None: ...
def _local(text: Bilingual | None) -> Local | None:
    return None if text is None else Local(en=text.en, zh=text.zh)


def _points_table(path: Path) -> PointsTable:
    reader = _Reader(path)
    raw = reader.parse(_PointsTable)
    if raw.id != path.stem:
        raise reader.fail("id", f"must be the file name {path.stem!r}")
    factors = {}
    for key in FACTOR_KEYS:
        f = raw.factors[key]
        options: dict[str, Any] = {}
        if f.kind in ("bands", "chinese"):
            options.update(
                bands=tuple(Band(b.low, b.high, b.points) for b in f.bands or ()),
                unit_cny=float(f.unit_cny) or 1,
                whole_numbers=f.whole_numbers,
            )
        if f.kind == "chinese":
            options["qualifying_points"] = f.qualifying_points
        if f.kind in ("choice", "each"):
            options["points"] = {str(k): v for k, v in (f.points or {}).items()}
        if f.kind == "years":
            options.update(
                from_years=f.from_years,
                points_at_start=f.points_at_start,
                points_per_further_year=f.points_per_further_year,
            )
        factors[key] = Factor(key=key, kind=f.kind, max=f.max, **options)
    return PointsTable(
        id=raw.id,
        name=_local(raw.name),
        source=raw.source,
        checked=raw.checked,
        uncertain=raw.uncertain,
        thresholds=dict(raw.thresholds),
        factors=factors,
    )


def _text_rules(rules: list[_TextRule]) -> tuple[Rule, ...]:
    return tuple(Rule(ref=r.id, when=r.when or {}, text=_local(r.text), uncertain=r.uncertain) for r in rules)


def _ref_rules(
    reader: _Reader, rules: list[str | _Ref], known: Mapping[str, Any], loc: list[Any]
) -> tuple[Rule, ...]:
    out = []
    for i, rule in enumerate(rules):
        ref, when = (rule, None) if isinstance(rule, str) else (rule.id, rule.when)
        if ref not in known:
            raise reader.fail([*loc, i], f"unknown id {ref!r}")
        out.append(Rule(ref=ref, when=when or {}))
    return tuple(out)


class _MaterialsFile(Strict):
    materials: dict[str, _Material]


class _DeadlinesFile(Strict):
    events: dict[str, Bilingual]
    deadlines: dict[str, _Deadline]


class _FeesFile(Strict):
    fees: dict[str, _Fee]


class _ItemsFile(Strict):
    items: dict[str, _Item]


class _OfficesFile(Strict):
    __root__: dict[str, dict[str, _Office]]


def _materials(path: Path) -> dict[str, Material]:
    raw = _Reader(path).parse(_MaterialsFile).materials
    return {
        mid: Material(
            id=mid,
            name=_local(m.name),
            what=_local(m.what),
            issuer=_local(m.issuer),
            validity=_local(m.validity),
            authentication=m.authentication,
            authentication_note=_local(m.authentication_note),
            uncertain=m.uncertain,
            source=m.source,
            checked=m.checked,
        )
        for mid, m in raw.items()
    }


def _deadlines(path: Path) -> dict[str, Deadline]:
    reader = _Reader(path)
    raw = reader.parse(_DeadlinesFile)
    events = {key: _local(text) for key, text in raw.events.items()}
    out = {}
    for did, d in raw.deadlines.items():
        if d.counts_from not in events:
            raise reader.fail(["deadlines", did, "counts_from"], f"unknown event {d.counts_from!r}")
        out[did] = Deadline(
            id=did,
            who=d.who,
            days=d.days,
            unit=d.unit,
            direction=d.direction,
            counts_from=d.counts_from,
            event=events[d.counts_from],
            text=_local(d.text),
            uncertain=d.uncertain,
            source=d.source,
            checked=d.checked,
        )
    return out


def _fees(path: Path) -> dict[str, Fee]:
    raw = _Reader(path).parse(_FeesFile).fees
    return {
        fid: Fee(
            id=fid,
            amounts=None
            if f.amounts is None
            else tuple(FeeAmount(cny=float(a.cny), validity=_local(a.validity)) for a in f.amounts),
            text=_local(f.text),
            uncertain=f.uncertain,
            source=f.source,
            checked=f.checked,
        )
        for fid, f in raw.items()
    }


def _items(
    path: Path,
    materials: Mapping[str, Material],
    deadlines: Mapping[str, Deadline],
    fees: Mapping[str, Fee],
    offices: Mapping[str, Mapping[str, Office]],
) -> dict[str, Item]:
    reader = _Reader(path)
    out = {}
    for iid, item in reader.parse(_ItemsFile).items.items():
        if item.office not in offices.get("default", {}):
            raise reader.fail(["items", iid, "office"], f"no default office {item.office!r} in offices.yml")
        variants = {}
        for vid, v in item.variants.items():
            at = ["items", iid, "variants", vid]
            variants[vid] = Variant(
                id=vid,
                title=_local(v.title),
                steps=_text_rules(v.steps),
                materials=_ref_rules(reader, v.materials, materials, [*at, "materials"]),
                deadlines=_ref_rules(reader, v.deadlines, deadlines, [*at, "deadlines"]),
                fees=_ref_rules(reader, v.fees, fees, [*at, "fees"]),
            )
        out[iid] = Item(
            id=iid,
            name=_local(item.name),
            office=item.office,
            variants=variants,
            notes=_text_rules(item.notes),
        )
    return out


def _offices(path: Path) -> dict[str, dict[str, Office]]:
    reader = _Reader(path)
    raw = reader.parse(_OfficesFile).__root__
    if "default" not in raw:
        raise reader.fail("file", "needs a `default` section")
    return {
        region: {
            key: Office(text=Local(en=o.en, zh=o.zh), uncertain=o.uncertain, source=o.source)
            for key, o in entries.items()
        }
        for region, entries in raw.items()
    }


def _agreements(path: Path) -> tuple[dict[str, Agreement], frozenset[str], dict[str, Local], str, str]:
    raw = _Reader(path).parse(_Agreements)
    agreements = {
        a.country: Agreement(
            country=a.country,
            exempt=None if a.exempt is None else tuple(a.exempt),
            scope=_local(a.scope),
            in_force=a.in_force,
            uncertain=a.exempt is None if a.uncertain is None else a.uncertain,
        )
        for a in raw.agreements
    }
    unconfirmed = frozenset(u.country.upper() for u in raw.unconfirmed)
    insurances = {key: _local(text) for key, text in raw.insurances.items()}
    return agreements, unconfirmed, insurances, raw.source, raw.checked


def data_files(knowledge_dir: Path) -> list[Path]:
    points = knowledge_dir / "points"
    materials = knowledge_dir / "materials"
    return [
        *sorted(points.glob("*.yml")),
        materials / "catalogue.yml",
        materials / "deadlines.yml",
        materials / "fees.yml",
        materials / "offices.yml",
        materials / "items.yml",
        knowledge_dir / "agreements.yml",
        policy_file(knowledge_dir),
    ]


def policy_file(knowledge_dir: Path) -> Path:
    """<knowledge_dir>/eligibility/categories.yml; this package's when the directory has none
    (a KNOWLEDGE_DIR made before the numbers were data still loads)."""
    own = knowledge_dir / "eligibility" / "categories.yml"
    return own if own.is_file() else PACKAGE_DIR / "categories.yml"


def read_data(knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR) -> EligibilityData:
    """Read and check every data file under `knowledge_dir` (raises DataError)."""
    points_dir = knowledge_dir / "points"
    active_reader = _Reader(points_dir / "active.yml")
    active = active_reader.parse(_Active).active
    tables = {p.stem: _points_table(p) for p in sorted(points_dir.glob("*.yml")) if p.stem != "active"}
    if active not in tables:
        raise active_reader.fail("active", f"{active!r} is not one of the tables {sorted(tables)}")
    materials_dir = knowledge_dir / "materials"
    materials = _materials(materials_dir / "catalogue.yml")
    deadlines = _deadlines(materials_dir / "deadlines.yml")
    fees = _fees(materials_dir / "fees.yml")
    offices = _offices(materials_dir / "offices.yml")
    items = _items(materials_dir / "items.yml", materials, deadlines, fees, offices)
    agreements, unconfirmed, insurances, agreements_source, agreements_checked = _agreements(
        knowledge_dir / "agreements.yml"
    )
    return EligibilityData(
        tables=tables,
        active_table=active,
        materials=materials,
        deadlines=deadlines,
        fees=fees,
        items=items,
        offices=offices,
        agreements=agreements,
        unconfirmed_agreements=unconfirmed,
        insurances=insurances,
        agreements_source=agreements_source,
        agreements_checked=agreements_checked,
        messages=Messages(),
        policy=_Reader(policy_file(knowledge_dir)).parse(CategoryPolicy),
    )


_cache: dict[Path, tuple[tuple[float, ...], EligibilityData]] = {}
_lock = threading.Lock()


def load_data(knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR) -> EligibilityData:
    """`read_data`, re-read only when a file changed (policy edits apply without a restart)."""
    knowledge_dir = Path(knowledge_dir).resolve()
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else -1 for p in data_files(knowledge_dir))
    with _lock:
        cached = _cache.get(knowledge_dir)
        if cached and cached[0] == stamp:
            return cached[1]
    data = read_data(knowledge_dir)
    with _lock:
        _cache[knowledge_dir] = (stamp, data)
    return data
