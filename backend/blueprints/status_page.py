"""The applicant's public status page: /status.

Case number + the full passport number -> the timeline of each item, in the page
language. StatusService does the check and the lockout, per case number whoever asks
(three wrong answers lock the number for 15 minutes); an unknown case number and a wrong
answer give the same page. The form carries a
double-submit token (cookie + HMAC field), like the staff sign-in form.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from backend.console import crypto, department_name, page, service_names, timeline
from backend.errors import ApiError
from backend.i18n import t
from backend.services.cases import CaseService, normalise_number
from backend.services.status import StatusService
from backend.web import console_language, db, discard, login_csrf_field, set_cookie

bp = Blueprint("status_page")
STATUS_CSRF_COOKIE = "status_csrf"


def _csrf_field(request: Request, cookie: str) -> str:
    return login_csrf_field(request, "status:" + cookie)


def _form(
    request: Request,
    *,
    status: int = 200,
    error: str = "",
    error_code: str = "",
    number: str = "",
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    cookie = request.cookies.get(STATUS_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = page(
        request,
        "status.html",
        status=status,
        no_store=True,
        result=None,
        error=error,
        error_code=error_code,
        form_number=number,
        form_csrf=_csrf_field(request, cookie),
    )
    if request.cookies.get(STATUS_CSRF_COOKIE) != cookie:
        set_cookie(request, response, STATUS_CSRF_COOKIE, cookie, max_age=3600)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _failure(exc: ApiError, lang: str) -> str:
    code = exc.code
    if code == "verification_failed":
        left = int(exc.params.get("attempts_left", 0) or 0)
        return t("cc_status_failed_last", lang) if left == 1 else t("cc_status_failed", lang, left=left)
    if code == "status_locked":
        minutes = exc.params.get("minutes")
        if minutes is None:
            seconds = int(getattr(exc, "extra", {}).get("retry_after", 900))
            minutes = max(1, math.ceil(seconds / 60))
        return t("cc_status_locked", lang, minutes=minutes)
    if code == "case_number_invalid":
        return t("cc_status_number_invalid", lang)
    if code == "passport_number_invalid":
        return t("cc_status_passport_invalid", lang)
    if code == "status_busy":
        return t("cc_status_busy", lang)
    if code == "verification_required":
        return t("cc_status_required", lang)
    return exc.message(lang)


@bp.get("/status")
async def status_form(request: Request) -> HTTPResponse:
    return _form(request)


@bp.post("/status")
async def status_check(request: Request) -> HTTPResponse:
    lang = console_language(request)
    form = request.form or {}
    number = normalise_number(form.get("case_number") or "")
    cookie = request.cookies.get(STATUS_CSRF_COOKIE, "")
    sent = form.get("csrf_token") or ""
    if not cookie or not secrets.compare_digest(sent, _csrf_field(request, cookie)):
        return _form(
            request, status=403, error=t("cc_form_expired", lang), error_code="csrf_failed", number=number
        )
    passport = (form.get("passport_number") or "").strip()
    if not number or not passport:
        return _form(
            request,
            status=400,
            error=t("cc_status_required", lang),
            error_code="verification_required",
            number=number,
        )
    try:
        case = StatusService(db(request), crypto(request)).verify(
            number, passport_number=passport, actor="status_page"
        )
    except ApiError as exc:
        discard(request)
        headers = getattr(exc, "headers", None) or {}
        return _form(
            request,
            status=exc.status,
            error=_failure(exc, lang),
            error_code=exc.code,
            number=number,
            headers=dict(headers),
        )
    service = CaseService(db(request), crypto(request), request.app.ctx.settings)
    # The applicant's view: a watchlist hold is not disclosed (the case shows as submitted).
    view = service.view(case, lang, staff=False, plan=False)
    events = timeline(service.events(case))
    items: list[dict[str, Any]] = []
    for item in case.case_items:
        items.append(
            {
                "department": item.department,
                "department_name": department_name(item.department, lang),
                "services": service_names(list(item.services), lang),
                "state": item.state,
                "timeline": [e for e in events.get(item.id, []) if e["item_state"]],
            }
        )
    result = {"number": case.number, "state": view["state"], "items": items}
    return page(
        request,
        "status.html",
        no_store=True,
        result=result,
        error="",
        error_code="",
        form_number="",
        form_csrf="",
    )
