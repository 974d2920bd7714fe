"""The abnormal-information list and joint reviews (officer, admin), and the audit log (admin).

/console/watchlist: add a passport number (only its keyed hash is stored, by
WatchlistService), remove an entry, list the entries and the cases held in joint review;
POST /console/watchlist/release releases one. /console/audit: the audit log, paged.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.console import actor, cases, crypto, department_of, error_page, page
from backend.errors import ApiError
from backend.i18n import t
from backend.models import AuditLog
from backend.services.audit import ACTIONS, AuditService
from backend.services.cases import MAX_NOTE, normalise_number
from backend.services.watchlist import MAX_REASON, WatchlistService
from backend.web import console_auth, console_language, db, discard

bp = Blueprint("console_watchlist", url_prefix="/console")
OFFICERS = ("officer",)
AUDIT_PAGE_SIZE = 50


def _watchlist_page(
    request: Request,
    *,
    status: int = 200,
    error: str = "",
    form_reason: str = "",
    done: str = "",
    released: str = "",
) -> HTTPResponse:
    service = WatchlistService(db(request), crypto(request))
    entries = [
        {
            "id": e.id,
            "hash_start": e.passport_hash[:12],
            "reason": e.reason,
            "added_by": e.added_by,
            "created_at": e.created_at,
        }
        for e in service.list()
    ]
    joint = [
        {"number": c.number, "created_at": c.created_at, "is_test": c.is_test}
        for c in cases(request).joint_review_cases()
    ]
    return page(
        request,
        "console/watchlist.html",
        status=status,
        entries=entries,
        joint=joint,
        error=error,
        form_reason=form_reason,
        done=done,
        released=released,
        reason_max=MAX_REASON,
        note_max=MAX_NOTE,
    )


@bp.get("/watchlist")
@console_auth(*OFFICERS)
async def watchlist(request: Request) -> HTTPResponse:
    done = request.args.get("done", "")
    released = normalise_number(request.args.get("number", "")) if done == "release" else ""
    return _watchlist_page(
        request, done=done if done in ("added", "removed", "release") else "", released=released
    )


@bp.post("/watchlist")
@console_auth(*OFFICERS)
async def watchlist_add(request: Request) -> HTTPResponse:
    form = request.form or {}
    reason = (form.get("reason") or "")[: MAX_REASON * 2]
    service = WatchlistService(db(request), crypto(request))
    try:
        service.add(form.get("passport_number") or "", reason, actor(request))
    except ApiError as exc:
        discard(request)
        # The passport number is never echoed back into the page.
        return _watchlist_page(
            request,
            status=exc.status,
            error=exc.message(console_language(request)),
            form_reason=reason[:MAX_REASON],
        )
    return redirect("/console/watchlist?done=added")


@bp.post("/watchlist/<entry_id:int>/remove")
@console_auth(*OFFICERS)
async def watchlist_remove(request: Request, entry_id: int) -> HTTPResponse:
    try:
        WatchlistService(db(request), crypto(request)).remove(entry_id, actor(request))
    except ApiError as exc:
        discard(request)
        return _watchlist_page(request, status=exc.status, error=exc.message(console_language(request)))
    return redirect("/console/watchlist?done=removed")


@bp.post("/watchlist/release")
@console_auth(*OFFICERS)
async def release(request: Request) -> HTTPResponse:
    """Release a joint review (every department sees those cases, so any officer may)."""
    lang = console_language(request)
    form = request.form or {}
    service = cases(request)
    case = service.get_case(form.get("number") or "")
    if case is None or not service.can_see(case, department_of(request)):
        return error_page(
            request,
            404,
            "not_found",
            t("cc_case_not_found", lang, number=normalise_number(form.get("number") or "")),
        )
    try:
        service.release_joint_review(case, actor(request), form.get("note") or "")
    except ApiError as exc:
        discard(request)
        return _watchlist_page(request, status=exc.status, error=exc.message(lang))
    if form.get("back") == "case":
        return redirect(f"/console/cases/{case.number}?done=release")
    return redirect(f"/console/watchlist?{urlencode({'done': 'release', 'number': case.number})}")


# --- audit log -------------------------------------------------------------------------
def _int(value: Any, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@bp.get("/audit")
@console_auth("admin")
async def audit(request: Request) -> HTTPResponse:
    audit_log = AuditService(db(request))
    case_filter = normalise_number(request.args.get("case", ""))
    actor_filter = (request.args.get("actor") or "").strip()[:64]
    action = request.args.get("action") if request.args.get("action") in ACTIONS else ""
    case_id: int | None = None
    rows: list[AuditLog] = []
    total = 0
    requested = _int(request.args.get("page"), 1)
    number_match = cases(request).get_case(case_filter) if case_filter else None
    if not case_filter or number_match is not None:
        case_id = number_match.id if number_match is not None else None
        total = audit_log.count(case_id=case_id, actor=actor_filter or None, action=action or None)
    pages = max(1, math.ceil(total / AUDIT_PAGE_SIZE))
    current = min(requested, pages)
    if total:
        rows = audit_log.list(
            case_id=case_id,
            actor=actor_filter or None,
            action=action or None,
            limit=AUDIT_PAGE_SIZE,
            offset=(current - 1) * AUDIT_PAGE_SIZE,
        )
    numbers = cases(request).numbers(r.case_id for r in rows if r.case_id is not None)
    shown = [
        {
            "created_at": r.created_at,
            "actor": r.actor,
            "action": r.action,
            "number": numbers.get(r.case_id) or (r.detail or {}).get("number", ""),
            "detail": [
                (k, v if not isinstance(v, list) else ", ".join(str(x) for x in v))
                for k, v in sorted((r.detail or {}).items())
                if k != "number"
            ],
        }
        for r in rows
    ]

    def page_link(n: int) -> str:
        query = {k: v for k, v in (("case", case_filter), ("actor", actor_filter), ("action", action)) if v}
        query["page"] = str(n)
        return "/console/audit?" + urlencode(query)

    return page(
        request,
        "console/audit.html",
        rows=shown,
        page=current,
        pages=pages,
        total=total,
        case_filter=case_filter,
        actor_filter=actor_filter,
        action_filter=action,
        actions=ACTIONS,
        page_link=page_link,
    )
