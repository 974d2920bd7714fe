"""Statistics for managers and published open data (issue 15; docs/statistics.md).

GET /api/v1/statistics         the figures as JSON (manager or admin login, or the service token)
GET /console/statistics        the page: filters, tables, charts (static/statistics.js, Chart.js)
GET /console/statistics.csv    one table of the page as CSV (?table=... plus the page's filters)
GET /open-data                 public monthly aggregates per department, small figures withheld
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from backend.console import page
from backend.errors import ApiError
from backend.i18n import LANGUAGES
from backend.services.cases import catalogue, china_today
from backend.services.statistics import (
    CHANNELS,
    OPEN_DATA_MINIMUM,
    Query,
    StatisticsService,
    csv_tables,
    parse_query,
    table_names,
)
from backend.web import api_auth, console_auth, console_language, db

bp = Blueprint("statistics")
MANAGERS = ("manager",)  # admin passes every role check


def _service(request: Request) -> StatisticsService:
    return StatisticsService(
        db(request), request.app.ctx.settings, session_factory=request.app.ctx.session_factory
    )


@bp.get("/api/v1/statistics")
@api_auth(*MANAGERS)
async def statistics_api(request: Request) -> HTTPResponse:
    query = parse_query(request.args)
    return json(_service(request).figures(query), ensure_ascii=False)


def _page_query(request: Request) -> tuple[dict[str, str], Query | None, ApiError | None]:
    """The page's filters (default: this year so far), parsed like the API's."""
    args = {k: request.args.get(k) for k in request.args if k != "lang"}
    today = china_today()
    args.setdefault("from", date(today.year, 1, 1).isoformat())
    args.setdefault("to", today.isoformat())
    try:
        return args, parse_query(args), None
    except ApiError as exc:
        return args, None, exc


@bp.get("/console/statistics")
@console_auth(*MANAGERS)
async def statistics_page(request: Request) -> HTTPResponse:
    args, query, error = _page_query(request)
    lang = console_language(request)
    figures = _service(request).figures(query) if query else None
    cat = catalogue()
    return page(
        request,
        "console/statistics.html",
        status=400 if error else 200,
        args=args,
        figures=figures,
        problems=[p.message(lang) for p in error.problems] if error else [],
        departments=[(k, d.name.get(lang, k)) for k, d in cat.departments.items()],
        items=[(k, i.name.get(lang, k)) for k, i in cat.items.items()],
        channels=CHANNELS,
        languages=LANGUAGES,
        regions=("fujian", "weihai"),
        api_query=urlencode({k: v for k, v in args.items() if v}),
        tables=list(table_names()),
    )


@bp.get("/console/statistics.csv")
@console_auth(*MANAGERS)
async def statistics_csv(request: Request) -> HTTPResponse:
    table = request.args.get("table", "")
    if table not in table_names():
        raise ApiError("not_found", 404)
    args = {k: request.args.get(k) for k in request.args if k not in ("lang", "table")}
    rows = csv_tables(_service(request).figures(parse_query(args)))[table]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    filename = f"statistics-{table}-{args.get('from', '')}-{args.get('to', '')}.csv"
    # a BOM so that spreadsheet programs read the UTF-8 (Chinese names) correctly
    return raw(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/open-data")
async def open_data(request: Request) -> HTTPResponse:
    lang = console_language(request)
    today = china_today()
    raw_year = request.args.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= today.year else today.year
    rows = StatisticsService(db(request)).open_data(year)
    cat = catalogue()
    names = {k: d.name.get(lang, k) for k, d in cat.departments.items()}
    shown: list[dict[str, Any]] = [r for r in rows if date.fromisoformat(r["month"] + "-01") <= today]
    return page(
        request,
        "open_data.html",
        rows=shown,
        names=names,
        year=year,
        years=list(range(today.year, max(2000, today.year - 5) - 1, -1)),
        minimum=OPEN_DATA_MINIMUM,
    )
