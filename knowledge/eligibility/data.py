"""Load and check the policy data the engine runs on.

knowledge/points/*.yml            points tables; knowledge/points/active.yml names the one in use
knowledge/materials/catalogue.yml materials (what, issuer, validity, authentication)
knowledge/materials/items.yml     items x application type: steps, materials, deadlines, fees, notes
knowledge/materials/deadlines.yml deadlines and the events they count from
knowledge/materials/fees.yml      fees
knowledge/materials/offices.yml   who handles each item, per region
knowledge/agreements.yml          bilateral social security agreements
(the engine's own sentences are texts/eligibility_engine.yml, read by texts/)

Everything is checked when loaded (both languages present, ids that exist, points bands
that touch, known `when` conditions), so a bad data edit is refused with the file and
the reason instead of producing a wrong answer later.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import yaml

from knowledge.eligibility.texts import Local, Messages

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


class DataError(ValueError):
    """A policy data file is malformed; the message names the file and the problem."""


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

    def table(self, table_id: str | None = None) -> PointsTable:
        return self.tables[table_id or self.active_table]

    def office(self, region: str | None, key: str) -> Office | None:
        regional = self.offices.get(region or "", {})
        return regional.get(key) or self.offices.get("default", {}).get(key)


# --- reading -----------------------------------------------------------------------------
class _Reader:
    """Helpers that raise DataError naming the file and the place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with path.open(encoding="utf-8") as fh:
                self.doc = yaml.safe_load(fh)
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"{path}: cannot read: {exc}") from exc

    def fail(self, where: str, problem: str) -> DataError:
        return DataError(f"{self.path}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "must be a mapping")
        return value

    def local(self, value: Any, where: str, *, optional: bool = False) -> Local | None:
        if value is None and optional:
            return None
        if not isinstance(value, Mapping) or not all(isinstance(value.get(k), str) and value[k].strip()
                                                      for k in ("en", "zh")):
            raise self.fail(where, "must have non-empty en and zh texts")
        return Local.of(value)

    def integer(self, value: Any, where: str, *, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(where, f"must be a whole number of at least {minimum}")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.fail(where, "must be a number of at least 0")
        return float(value)


def _bands(reader: _Reader, raw: Any, where: str, maximum: int) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail(where, "bands must be a non-empty list")
    bands = []
    for i, entry in enumerate(raw):
        entry = reader.mapping(entry, f"{where}[{i}]")
        low = reader.number(entry.get("from"), f"{where}[{i}].from")
        high = None if entry.get("to") is None else reader.number(entry.get("to"), f"{where}[{i}].to")
        points = reader.integer(entry.get("points"), f"{where}[{i}].points")
        if high is not None and high <= low:
            raise reader.fail(f"{where}[{i}]", "`to` must be greater than `from`")
        if points > maximum:
            raise reader.fail(f"{where}[{i}]", f"{points} points is more than the factor's max {maximum}")
        bands.append(Band(low, high, points))
    bands.sort(key=lambda b: b.low)
    if bands[0].low != 0:
        raise reader.fail(where, "the lowest band must start at 0")
    for lower, upper in zip(bands, bands[1:], strict=False):
        if lower.high != upper.low:
            raise reader.fail(where, f"bands must touch: one ends at {lower.high}, the next starts at {upper.low}")
    if bands[-1].high is not None:
        raise reader.fail(where, "the highest band must have no `to` (open upwards)")
    return tuple(bands)


def _points_table(path: Path) -> PointsTable:
    reader = _Reader(path)
    doc = reader.mapping(reader.doc, "file")
    table_id = doc.get("id")
    if table_id != path.stem:
        raise reader.fail("id", f"must be the file name {path.stem!r}")
    thresholds = reader.mapping(doc.get("thresholds"), "thresholds")
    a = reader.integer(thresholds.get("A"), "thresholds.A", minimum=1)
    b = reader.integer(thresholds.get("B"), "thresholds.B", minimum=1)
    if b >= a:
        raise reader.fail("thresholds", "B must be below A")
    raw_factors = reader.mapping(doc.get("factors"), "factors")
    if set(raw_factors) != set(FACTOR_KEYS):
        raise reader.fail("factors", f"must be exactly {', '.join(FACTOR_KEYS)}")
    factors: dict[str, Factor] = {}
    for key in FACTOR_KEYS:
        raw = reader.mapping(raw_factors[key], f"factors.{key}")
        where = f"factors.{key}"
        kind = raw.get("kind")
        if kind != FACTOR_KINDS[key]:
            raise reader.fail(where, f"kind must be {FACTOR_KINDS[key]!r}")
        maximum = reader.integer(raw.get("max"), f"{where}.max")
        options: dict[str, Any] = {}
        if kind in ("bands", "chinese"):
            options["bands"] = _bands(reader, raw.get("bands"), f"{where}.bands", maximum)
            options["unit_cny"] = reader.number(raw.get("unit_cny", 1), f"{where}.unit_cny") or 1
            options["whole_numbers"] = bool(raw.get("whole_numbers", False))
        if kind == "chinese":
            options["qualifying_points"] = reader.integer(raw.get("qualifying_points"), f"{where}.qualifying_points")
        if kind in ("choice", "each"):
            points = reader.mapping(raw.get("points"), f"{where}.points")
            options["points"] = {str(k): reader.integer(v, f"{where}.points.{k}") for k, v in points.items()}
        if kind == "years":
            options["from_years"] = reader.number(raw.get("from_years"), f"{where}.from_years")
            options["points_at_start"] = reader.integer(raw.get("points_at_start"), f"{where}.points_at_start")
            options["points_per_further_year"] = reader.integer(raw.get("points_per_further_year"),
                                                                f"{where}.points_per_further_year")
        factors[key] = Factor(key=key, kind=kind, max=maximum, **options)
    return PointsTable(
        id=table_id,
        name=reader.local(doc.get("name"), "name"),
        source=str(doc.get("source") or ""),
        checked=str(doc.get("checked") or ""),
        uncertain=bool(doc.get("uncertain", False)),
        thresholds={"A": a, "B": b},
        factors=factors,
    )


def _when(reader: _Reader, raw: Any, where: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    when = reader.mapping(raw, where)
    unknown = set(when) - set(WHEN_KEYS)
    if unknown:
        raise reader.fail(where, f"unknown condition {sorted(unknown)}; known: {', '.join(WHEN_KEYS)}")
    if "category" in when and not set(when["category"]) <= set(CATEGORIES):
        raise reader.fail(where, "category must list A, B or C")
    return dict(when)


def _rules(reader: _Reader, raw: Any, where: str, known: Mapping[str, Any] | None) -> tuple[Rule, ...]:
    """A list of ids (or {id, when}) when `known` is given, else of {text, when, uncertain}."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise reader.fail(where, "must be a list")
    rules = []
    for i, entry in enumerate(raw):
        spot = f"{where}[{i}]"
        if known is not None:
            if isinstance(entry, str):
                entry = {"id": entry}
            entry = reader.mapping(entry, spot)
            ref = entry.get("id")
            if ref not in known:
                raise reader.fail(spot, f"unknown id {ref!r}")
            rules.append(Rule(ref=ref, when=_when(reader, entry.get("when"), f"{spot}.when")))
        else:
            entry = reader.mapping(entry, spot)
            rules.append(Rule(ref=entry.get("id"), when=_when(reader, entry.get("when"), f"{spot}.when"),
                              text=reader.local(entry.get("text"), f"{spot}.text"),
                              uncertain=bool(entry.get("uncertain", False))))
    return tuple(rules)


def _materials(path: Path) -> dict[str, Material]:
    reader = _Reader(path)
    raw = reader.mapping(reader.mapping(reader.doc, "file").get("materials"), "materials")
    out = {}
    for mid, entry in raw.items():
        entry = reader.mapping(entry, mid)
        auth = entry.get("authentication")
        if auth not in AUTHENTICATION:
            raise reader.fail(f"{mid}.authentication", f"must be one of {', '.join(AUTHENTICATION)}")
        out[mid] = Material(
            id=mid,
            name=reader.local(entry.get("name"), f"{mid}.name"),
            what=reader.local(entry.get("what"), f"{mid}.what"),
            issuer=reader.local(entry.get("issuer"), f"{mid}.issuer"),
            validity=reader.local(entry.get("validity"), f"{mid}.validity", optional=True),
            authentication=auth,
            authentication_note=reader.local(entry.get("authentication_note"), f"{mid}.authentication_note",
                                             optional=True),
            uncertain=bool(entry.get("uncertain", False)),
            source=str(entry.get("source") or ""),
            checked=str(entry.get("checked") or ""),
        )
    return out


def _deadlines(path: Path) -> dict[str, Deadline]:
    reader = _Reader(path)
    doc = reader.mapping(reader.doc, "file")
    events = {k: reader.local(v, f"events.{k}") for k, v in reader.mapping(doc.get("events"), "events").items()}
    out = {}
    for did, entry in reader.mapping(doc.get("deadlines"), "deadlines").items():
        entry = reader.mapping(entry, did)
        if entry.get("counts_from") not in events:
            raise reader.fail(f"{did}.counts_from", f"unknown event {entry.get('counts_from')!r}")
        if entry.get("unit") not in DEADLINE_UNITS:
            raise reader.fail(f"{did}.unit", f"must be one of {', '.join(DEADLINE_UNITS)}")
        if entry.get("direction") not in ("after", "before"):
            raise reader.fail(f"{did}.direction", "must be after or before")
        if entry.get("who") not in WHO:
            raise reader.fail(f"{did}.who", f"must be one of {', '.join(WHO)}")
        days = entry.get("days")
        out[did] = Deadline(
            id=did, who=entry["who"], days=None if days is None else reader.integer(days, f"{did}.days"),
            unit=entry["unit"], direction=entry["direction"], counts_from=entry["counts_from"],
            event=events[entry["counts_from"]], text=reader.local(entry.get("text"), f"{did}.text"),
            uncertain=bool(entry.get("uncertain", False)), source=str(entry.get("source") or ""),
            checked=str(entry.get("checked") or ""),
        )
    return out


def _fees(path: Path) -> dict[str, Fee]:
    reader = _Reader(path)
    out = {}
    for fid, entry in reader.mapping(reader.mapping(reader.doc, "file").get("fees"), "fees").items():
        entry = reader.mapping(entry, fid)
        amounts = None
        if entry.get("amounts") is not None:
            amounts = tuple(
                FeeAmount(cny=reader.number(a.get("cny"), f"{fid}.amounts.cny"),
                          validity=reader.local(a.get("validity"), f"{fid}.amounts.validity", optional=True))
                for a in entry["amounts"]
            )
        out[fid] = Fee(id=fid, amounts=amounts, text=reader.local(entry.get("text"), f"{fid}.text"),
                       uncertain=bool(entry.get("uncertain", False)), source=str(entry.get("source") or ""),
                       checked=str(entry.get("checked") or ""))
    return out


def _items(path: Path, materials: Mapping[str, Material], deadlines: Mapping[str, Deadline],
           fees: Mapping[str, Fee], offices: Mapping[str, Mapping[str, Office]]) -> dict[str, Item]:
    reader = _Reader(path)
    out = {}
    for iid, entry in reader.mapping(reader.mapping(reader.doc, "file").get("items"), "items").items():
        entry = reader.mapping(entry, iid)
        office = entry.get("office")
        if office not in offices.get("default", {}):
            raise reader.fail(f"{iid}.office", f"no default office {office!r} in offices.yml")
        variants = {}
        for vid, raw in reader.mapping(entry.get("variants"), f"{iid}.variants").items():
            raw = reader.mapping(raw, f"{iid}.{vid}")
            variants[vid] = Variant(
                id=vid,
                title=reader.local(raw.get("title"), f"{iid}.{vid}.title"),
                steps=_rules(reader, raw.get("steps"), f"{iid}.{vid}.steps", None),
                materials=_rules(reader, raw.get("materials"), f"{iid}.{vid}.materials", materials),
                deadlines=_rules(reader, raw.get("deadlines"), f"{iid}.{vid}.deadlines", deadlines),
                fees=_rules(reader, raw.get("fees"), f"{iid}.{vid}.fees", fees),
            )
        out[iid] = Item(id=iid, name=reader.local(entry.get("name"), f"{iid}.name"), office=office,
                        variants=variants, notes=_rules(reader, entry.get("notes"), f"{iid}.notes", None))
    return out


def _offices(path: Path) -> dict[str, dict[str, Office]]:
    reader = _Reader(path)
    out: dict[str, dict[str, Office]] = {}
    for region, entries in reader.mapping(reader.doc, "file").items():
        out[region] = {}
        for key, raw in reader.mapping(entries, region).items():
            raw = reader.mapping(raw, f"{region}.{key}")
            out[region][key] = Office(text=reader.local({"en": raw.get("en"), "zh": raw.get("zh")},
                                                        f"{region}.{key}"),
                                      uncertain=bool(raw.get("uncertain", False)), source=raw.get("source"))
    if "default" not in out:
        raise reader.fail("file", "needs a `default` section")
    return out


def _agreements(path: Path) -> tuple[dict[str, Agreement], frozenset[str], dict[str, Local], str, str]:
    reader = _Reader(path)
    doc = reader.mapping(reader.doc, "file")
    insurances = {k: reader.local(v, f"insurances.{k}") for k, v in reader.mapping(doc.get("insurances"),
                                                                                   "insurances").items()}
    if set(insurances) != set(INSURANCES):
        raise reader.fail("insurances", f"must be exactly {', '.join(INSURANCES)}")
    agreements = {}
    for i, raw in enumerate(doc.get("agreements") or []):
        raw = reader.mapping(raw, f"agreements[{i}]")
        country = str(raw.get("country") or "").upper()
        if len(country) != 2:
            raise reader.fail(f"agreements[{i}].country", "must be an ISO 3166-1 alpha-2 code")
        exempt = raw.get("exempt")
        if exempt is not None and (not isinstance(exempt, list) or not set(exempt) <= set(INSURANCES)):
            raise reader.fail(f"agreements[{i}].exempt", f"must be null or a list of {', '.join(INSURANCES)}")
        scope = reader.local(raw.get("scope"), f"agreements[{i}].scope", optional=exempt is None)
        in_force = raw.get("in_force")
        if in_force is not None and not isinstance(in_force, date):
            raise reader.fail(f"agreements[{i}].in_force", "must be a date such as 2025-10-14")
        agreements[country] = Agreement(country=country, exempt=None if exempt is None else tuple(exempt),
                                        scope=scope, in_force=in_force,
                                        uncertain=bool(raw.get("uncertain", exempt is None)))
    unconfirmed = frozenset(str(u.get("country", "")).upper() for u in doc.get("unconfirmed") or [])
    return agreements, unconfirmed, insurances, str(doc.get("source") or ""), str(doc.get("checked") or "")




def data_files(knowledge_dir: Path) -> list[Path]:
    points = knowledge_dir / "points"
    materials = knowledge_dir / "materials"
    return [*sorted(points.glob("*.yml")), materials / "catalogue.yml", materials / "deadlines.yml",
            materials / "fees.yml", materials / "offices.yml", materials / "items.yml",
            knowledge_dir / "agreements.yml"]


def read_data(knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR) -> EligibilityData:
    """Read and check every data file under `knowledge_dir` (raises DataError)."""
    points_dir = knowledge_dir / "points"
    active_reader = _Reader(points_dir / "active.yml")
    active = active_reader.mapping(active_reader.doc, "file").get("active")
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
        knowledge_dir / "agreements.yml")
    return EligibilityData(
        tables=tables, active_table=active, materials=materials, deadlines=deadlines, fees=fees, items=items,
        offices=offices, agreements=agreements, unconfirmed_agreements=unconfirmed, insurances=insurances,
        agreements_source=agreements_source, agreements_checked=agreements_checked,
        messages=Messages(),
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
