"""The figures the plans ask to measure (issue 15; docs/statistics.md): cases, actual time
against the promised limit, materials saved, ratings, conversations. Test cases (测试件,
`cases.is_test`) are always excluded.

Every figure is a GROUP BY in the database (cases by submission day, completed items by
their two China dates, item combinations as their JSON text), so a year of 100,000 cases
costs a few grouped rows in Python, not 100,000 (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import Integer, String, and_, cast, create_engine, func, insert, literal_column, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from backend.config import REGION_PREFIXES, Settings
from backend.errors import ApiError, Problem
from backend.models import Case, CaseItem, StatsCalendar
from backend.services.cases import catalogue, china_today
from backend.services.conversations import _utc_start, conversation_figures, sync_tracker_store
from backend.services.ratings import rating_figures

log = logging.getLogger("backend.statistics")

LANGUAGES = ("en", "zh")
# Rasa input channels (connectors/); a filter outside this list is refused as unknown.
CHANNELS = ("rest", "socketio", "wechat", "telegram")
FILTERS = ("department", "item", "channel", "language", "region")
MAX_DAYS = 366 * 5
# The figures' calendar (stats_calendar, China's working days) starts in 2004; nothing of the
# service is older, and a year such as 0001 breaks the date arithmetic of the databases.
MIN_DATE, MAX_DATE = date(2004, 1, 1), date(2099, 12, 31)
OPEN_DATA_MINIMUM = 5  # no published figure from fewer cases than this
_POOL = ThreadPoolExecutor(max_workers=6, thread_name_prefix="statistics")


@dataclass(frozen=True)
class Query:
    start: date
    end: date
    department: str | None = None
    item: str | None = None
    channel: str | None = None
    language: str | None = None
    region: str | None = None


def _known(name: str) -> tuple[str, ...]:
    cat = catalogue()
    return {
        "department": tuple(cat.departments),
        "item": tuple(cat.items),
        "channel": CHANNELS,
        "language": LANGUAGES,
        "region": tuple(REGION_PREFIXES),
    }[name]


def parse_query(args: Mapping[str, Any]) -> Query:
    """?from=&to=&department=... as a Query, or 400 `statistics_invalid` with one detail per problem."""
    problems: list[Problem] = []

    def one(name: str) -> str | None:
        value = args.get(name)
        if isinstance(value, list):  # sanic's RequestParameters.getlist form
            value = value[0] if value else None
        value = (value or "").strip() if isinstance(value, str) else None
        return value or None

    for name in args:
        if name not in ("from", "to", "lang", *FILTERS):
            problems.append(Problem("stats_filter_unknown", {"name": name[:40]}, field=name[:40]))
    dates: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = one(name)
        parsed = None
        if raw is None:
            problems.append(Problem("stats_date_missing", {"name": name}, field=name))
        else:
            try:
                parsed = date.fromisoformat(raw) if len(raw) == 10 else None
            except ValueError:
                parsed = None
            if parsed is None:
                problems.append(Problem("stats_date_invalid", {"name": name}, field=name))
            elif not MIN_DATE <= parsed <= MAX_DATE:
                problems.append(
                    Problem("stats_date_range", {"name": name, "first": MIN_DATE.isoformat()}, field=name)
                )
                parsed = None
        dates[name] = parsed
    start, end = dates["from"], dates["to"]
    if start and end:
        if end < start:
            problems.append(Problem("stats_dates_order", field="to"))
        elif (end - start).days > MAX_DAYS:
            problems.append(Problem("stats_period_too_long", {"days": MAX_DAYS}, field="to"))
    chosen: dict[str, str | None] = {}
    for name in FILTERS:
        value = one(name)
        if value is not None and value not in _known(name):
            problems.append(
                Problem("stats_value_unknown", {"name": name, "value": "@@" + value[:40]}, field=name)
            )
        chosen[name] = value
    if problems:
        raise ApiError("statistics_invalid", 400, problems=problems)
    assert start and end
    return Query(start=start, end=end, **chosen)


# --- helpers ------------------------------------------------------------------------------------
def _china_date(session: Session, column: Any) -> ColumnElement[Any]:
    """The China (UTC+8, no daylight saving) calendar date of a naive UTC timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(column + literal_column("interval '8 hours'"))
    return func.date(column, "+8 hours")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _median(counts: Mapping[int, int] | Counter[int]) -> float | None:
    return _quantile(counts, 0.5)


def _quantile(counts: Mapping[int, int], q: float) -> float | None:
    """The q-quantile of values given as {value: how many} (linear between the two closest ranks,
    numpy's default, so 0.5 is the usual median)."""
    total = sum(counts.values())
    if not total:
        return None
    position = (total - 1) * q
    low, high = math.floor(position), math.ceil(position)

    def at(rank: int) -> float:
        seen = 0
        for value in sorted(counts):
            seen += counts[value]
            if rank < seen:
                return value
        raise AssertionError("rank out of range")

    return round(at(low) + (at(high) - at(low)) * (position - low), 2)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@lru_cache(maxsize=4096)
def _is_workday(day: date) -> bool:
    """China's working days (public holidays and make-up working days, chinese_calendar); years
    the library does not know yet count Monday to Friday."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@lru_cache(maxsize=65536)
def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the day of submission is day 0)."""
    return sum(1 for n in range(1, (end - start).days + 1) if _is_workday(start + timedelta(days=n)))


@lru_cache(maxsize=1)
def time_limits() -> dict[str, tuple[int, str] | None]:
    """Per application item, the promised processing time (days, unit) from the knowledge data:
    the authority's deadlines of the item's variant (knowledge/materials/items.yml and
    deadlines.yml) added up; of alternatives that depend on the situation (Category A or B/C)
    the longer one, since the case does not say which applied. None: nothing is promised."""
    from knowledge.eligibility.data import load_data

    data = load_data()
    limits: dict[str, tuple[int, str] | None] = {}
    for key, item in catalogue().items.items():
        elig = data.items.get(item.service)
        variant = elig.variant(item.kind) if elig else None
        fixed: list[tuple[int, str]] = []
        conditional: list[tuple[int, str]] = []
        for rule in variant.deadlines if variant else ():
            deadline = data.deadlines.get(rule.ref or "")
            if deadline is None or deadline.who != "authority" or deadline.direction != "after":
                continue
            if deadline.days is None:
                continue
            (conditional if rule.when else fixed).append((deadline.days, deadline.unit))
        chosen = fixed + ([max(conditional)] if conditional else [])
        units = {unit for _, unit in chosen}
        limits[key] = (sum(days for days, _ in chosen), units.pop()) if len(units) == 1 else None
    return limits


# --- the service ----------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def tracker_engine(url: str) -> Engine:
    """Rasa's tracker store database, read-only use (one engine per URL and process)."""
    return create_engine(url, future=True, pool_pre_ping=True)


class StatisticsService:
    def __init__(
        self,
        session: Session,
        settings: Settings | None = None,
        session_factory: Callable[[], Session] | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        # With PostgreSQL and a session factory the independent sections run at once, each on
        # its own connection (docs/benchmarks.md: the year's figures in about half the time).
        self.session_factory = session_factory

    def refresh_conversations(self) -> None:
        """With the embedded default (no EVENT_BROKER_URL) fold the tracker store's new events;
        with a broker the consumer process keeps the table current."""
        if self.settings is None or self.settings.event_broker_url:
            return
        try:
            sync_tracker_store(self.session, tracker_engine(self.settings.tracker_store_url))
        except SQLAlchemyError:  # Rasa's database down: the figures so far, and a log line
            self.session.rollback()
            log.exception("the tracker store could not be read; conversation figures may be behind")

    def _case_where(self, q: Query, start: date | None = None, end: date | None = None) -> list[Any]:
        where: list[Any] = [
            Case.is_test.is_(False),
            Case.created_at >= _utc_start(start or q.start),
            Case.created_at < _utc_start((end or q.end) + timedelta(days=1)),
        ]
        if q.region:
            where.append(Case.region == REGION_PREFIXES[q.region])
        if q.channel:
            where.append(Case.channel == q.channel)
        if q.language:
            where.append(Case.language == q.language)
        if q.item:  # keys are checked against the catalogue, so the JSON text match is exact
            where.append(cast(Case.items, String).like(f'%"{q.item}"%'))
        if q.department:
            where.append(Case.id.in_(select(CaseItem.case_id).where(CaseItem.department == q.department)))
        return where

    def figures(self, q: Query) -> dict[str, Any]:
        self.refresh_conversations()
        ensure_calendar(self.session)

        def cases_and_materials(svc: StatisticsService) -> tuple[dict[str, Any], dict[str, Any]]:
            where = svc._case_where(q)
            groups = svc._case_groups(where)
            return svc.cases(q, where, groups), svc.materials(groups)

        def conversations(svc: StatisticsService) -> dict[str, Any]:
            return conversation_figures(svc.session, q.start, q.end, channel=q.channel, language=q.language)

        tasks: dict[str, Callable[[StatisticsService], Any]] = {
            "cases": cases_and_materials,
            "time": lambda svc: svc.time(q),
            "conversations": conversations,
        }
        done = self._run(tasks)
        return {
            "cases": done["cases"][0],
            "time": done["time"],
            "materials": done["cases"][1],
            "ratings": rating_figures(
                self.session,
                q.start,
                q.end,
                department=q.department,
                item=q.item,
                channel=q.channel,
                language=q.language,
            ),
            "conversations": done["conversations"],
        }

    def _run(self, tasks: Mapping[str, Callable[[StatisticsService], Any]]) -> dict[str, Any]:
        factory = self.session_factory
        if factory is None or self.session.get_bind().dialect.name != "postgresql":
            return {name: task(self) for name, task in tasks.items()}

        def on_own_session(task: Callable[[StatisticsService], Any]) -> Any:
            with factory() as session:
                return task(StatisticsService(session))

        futures = {name: _POOL.submit(on_own_session, task) for name, task in tasks.items()}
        return {name: future.result() for name, future in futures.items()}

    def _case_groups(self, where: list[Any]) -> list[tuple[str, str, str, list[str], str, int]]:
        """(state, channel, language, items, role, cases) per distinct combination: one scan of the
        period's cases gives the totals, the breakdowns and the materials."""
        text_items = cast(Case.items, String)
        columns = (Case.state, Case.channel, Case.language, text_items, Case.role)
        rows = self.session.execute(select(*columns, func.count()).where(*where).group_by(*columns)).all()
        return [
            (state, channel, language, json.loads(items or "[]"), role, int(n))
            for state, channel, language, items, role, n in rows
        ]

    def cases(
        self,
        q: Query,
        where: list[Any] | None = None,
        groups: list[tuple[str, str, str, list[str], str, int]] | None = None,
    ) -> dict[str, Any]:
        where = where if where is not None else self._case_where(q)
        groups = groups if groups is not None else self._case_groups(where)
        by: dict[str, Counter[str]] = {name: Counter() for name in ("state", "channel", "language", "item")}
        for state, channel, language, items, _role, n in groups:
            by["state"][_key(state)] += n
            by["channel"][_key(channel)] += n
            by["language"][_key(language)] += n
            for item in items:
                if not q.item or item == q.item:
                    by["item"][item] += n
        dept_where = [*where, CaseItem.case_id == Case.id]
        if q.department:
            dept_where.append(CaseItem.department == q.department)
        departments = self.session.execute(
            select(CaseItem.department, func.count()).where(*dept_where).group_by(CaseItem.department)
        ).all()
        return {
            "total": sum(n for *_, n in groups),
            "by_state": dict(sorted(by["state"].items())),
            "by_department": {str(k): int(n) for k, n in sorted(departments)},
            "by_item": dict(sorted(by["item"].items())),
            "by_channel": dict(sorted(by["channel"].items())),
            "by_language": dict(sorted(by["language"].items())),
        }

    def _completed(self, where: list[Any], q: Query) -> dict[str, Counter[tuple[int, int]]]:
        """Per item, {(working days, calendar days) from submission to completion: how many} of the
        completed department parts. Both differences are computed in SQL against stats_calendar,
        so the rows are a few hundred groups whatever the number of cases."""
        ensure_calendar(self.session)
        submitted = _china_date(self.session, Case.created_at)
        completed = _china_date(self.session, CaseItem.updated_at)
        start_day, end_day = aliased(StatsCalendar), aliased(StatsCalendar)
        working = end_day.workday_no - start_day.workday_no
        if self.session.get_bind().dialect.name == "postgresql":
            calendar_days: Any = end_day.day - start_day.day
        else:
            calendar_days = cast(func.julianday(end_day.day) - func.julianday(start_day.day), Integer)
        services = cast(CaseItem.services, String)
        conditions = [
            *where,
            CaseItem.case_id == Case.id,
            CaseItem.state == "completed",
            start_day.day == submitted,
            end_day.day == completed,
        ]
        if q.department:
            conditions.append(CaseItem.department == q.department)
        rows = self.session.execute(
            select(services, working, calendar_days, func.count())
            .where(and_(*conditions))
            .group_by(services, working, calendar_days)
        ).all()
        found: dict[str, Counter[tuple[int, int]]] = {}
        for services_text, work_days, days, n in rows:
            for item in json.loads(services_text or "[]"):
                if q.item and item != q.item:
                    continue
                found.setdefault(item, Counter())[(int(work_days), int(days))] += int(n)
        return found

    def time(self, q: Query, where: list[Any] | None = None) -> list[dict[str, Any]]:
        """Per item: days from submission to completion, in the unit of the item's promised limit
        (working days for the work permit, calendar days otherwise and where nothing is promised)."""
        limits = time_limits()
        out = []
        found = self._completed(where if where is not None else self._case_where(q), q)
        for item, pairs in sorted(found.items()):
            limit = limits.get(item)
            durations = _durations(pairs, limit)
            completed = sum(durations.values())
            within = sum(n for d, n in durations.items() if limit and d <= limit[0])
            out.append(
                {
                    "item": item,
                    "completed": completed,
                    "median_days": _median(durations),
                    "p90_days": _quantile(durations, 0.9),
                    "limit_days": limit[0] if limit else None,
                    "within_limit_share": _rate(within, completed) if limit else None,
                }
            )
        return out

    def materials(self, groups: list[tuple[str, str, str, list[str], str, int]]) -> dict[str, Any]:
        """Materials collected once per case against the sum over one application per item."""
        cat = catalogue()
        once: Counter[int] = Counter()
        separately: Counter[int] = Counter()
        for *_, items, role, n in groups:
            known = [i for i in items if i in cat.items]
            if not known:
                continue
            saving = _savings(tuple(known), role if role in ("worker", "hr") else "worker")
            once[saving[0]] += n
            separately[saving[1]] += n
        return {"median_per_case": _median(once), "median_separately": _median(separately)}

    # --- published monthly aggregates (/open-data) ------------------------------------------------
    def open_data(self, year: int, region: str | None = None) -> list[dict[str, Any]]:
        """Per month and department: cases, parts completed within the limit, ratings; no personal
        data, and every figure from fewer than OPEN_DATA_MINIMUM cases replaced by None."""
        limits = time_limits()
        rows: list[dict[str, Any]] = []
        for month in range(1, 13):
            start = date(year, month, 1)
            end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
            for department in catalogue().departments:
                q = Query(start=start, end=end, department=department, region=region)
                where = self._case_where(q)
                cases = self.session.execute(select(func.count(Case.id)).where(*where)).scalar() or 0
                completed = within = 0
                for item, pairs in self._completed(where, q).items():
                    limit = limits.get(item)
                    for days, n in _durations(pairs, limit).items():
                        completed += n
                        within += n if limit and days <= limit[0] else 0
                ratings = rating_figures(self.session, start, end, department=department)
                small = cases < OPEN_DATA_MINIMUM
                rows.append(
                    {
                        "month": f"{year}-{month:02d}",
                        "department": department,
                        "cases": None if small else int(cases),
                        "completed": None if small else completed,
                        "within_limit": None if small else within,
                        "ratings_by_level": None
                        if small or ratings["count"] < OPEN_DATA_MINIMUM
                        else ratings["by_level"],
                        "bad_rectified": None
                        if small or ratings["bad_count"] < OPEN_DATA_MINIMUM
                        else _rectified(ratings),
                    }
                )
        return rows


def _key(value: Any) -> str:
    return str(value) if value is not None else "unknown"


def _durations(pairs: Mapping[tuple[int, int], int], limit: tuple[int, str] | None) -> Counter[int]:
    """The (working, calendar) day pairs in the unit of `limit` (calendar days without one)."""
    out: Counter[int] = Counter()
    for (work_days, days), n in pairs.items():
        out[work_days if limit and limit[1] == "working_days" else days] += n
    return out


@lru_cache(maxsize=256)
def _savings(items: tuple[str, ...], role: str) -> tuple[int, int]:
    saving = catalogue().savings(list(items), role)
    return saving.materials_once, saving.materials_separately


CALENDAR_START = date(2004, 1, 1)  # chinese_calendar's first year
_calendar_until: dict[str, date] = {}


def ensure_calendar(session: Session, until: date | None = None) -> None:
    """stats_calendar from CALENDAR_START to a year after `until` (default today), filled once
    (per database and process) and extended when the dates move on."""
    until = until or china_today()
    bind = session.get_bind()
    key = str(bind.url)
    if _calendar_until.get(key, date.min) >= until:
        return
    last = session.execute(
        select(StatsCalendar.day, StatsCalendar.workday_no).order_by(StatsCalendar.day.desc()).limit(1)
    ).first()
    day, number = (last[0], last[1]) if last else (CALENDAR_START - timedelta(days=1), 0)
    day = _as_date(day)
    target = until + timedelta(days=366)
    if day < until:
        rows = []
        while day < target:
            day += timedelta(days=1)
            number += _is_workday(day)
            rows.append({"day": day, "workday_no": number})
        try:
            session.execute(insert(StatsCalendar), rows)
            session.commit()
        except IntegrityError:  # another worker filled it at the same time
            session.rollback()
        day = target
    _calendar_until[key] = day


def _rectified(ratings: Mapping[str, Any]) -> int:
    rate = ratings.get("rectified_on_time_rate")
    return round((rate or 0) * ratings["bad_count"])


def csv_tables(figures: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    """Every table the statistics page shows, as rows (header first) for the CSV export."""
    cases = figures["cases"]
    conv = figures["conversations"]
    ratings = figures["ratings"]
    tables: dict[str, list[list[Any]]] = {}
    for key in ("by_state", "by_department", "by_item", "by_channel", "by_language"):
        tables[f"cases_{key}"] = [["key", "cases"], *([k, v] for k, v in cases[key].items())]
    tables["time"] = [
        ["item", "completed", "median_days", "p90_days", "limit_days", "within_limit_share"],
        *(
            [
                r["item"],
                r["completed"],
                r["median_days"],
                r["p90_days"],
                r["limit_days"],
                r["within_limit_share"],
            ]
            for r in figures["time"]
        ),
    ]
    tables["materials"] = [
        ["median_per_case", "median_separately"],
        [figures["materials"]["median_per_case"], figures["materials"]["median_separately"]],
    ]
    tables["ratings_by_level"] = [["level", "ratings"], *([k, v] for k, v in ratings["by_level"].items())]
    tables["ratings"] = [["figure", "value"], *([k, v] for k, v in ratings.items() if k != "by_level")]
    tables["conversations"] = [
        ["figure", "value"],
        *([k, v] for k, v in conv.items() if not isinstance(v, dict)),
    ]
    for key in ("by_channel", "by_language"):
        tables[f"conversations_{key}"] = [["key", "conversations"], *([k, v] for k, v in conv[key].items())]
    return tables


def table_names() -> Iterable[str]:
    return (
        "cases_by_state",
        "cases_by_department",
        "cases_by_item",
        "cases_by_channel",
        "cases_by_language",
        "time",
        "materials",
        "ratings_by_level",
        "ratings",
        "conversations",
        "conversations_by_channel",
        "conversations_by_language",
    )
