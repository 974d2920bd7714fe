"""Staff sign-in and sign-out for the consoles (server-side sessions, HttpOnly cookies)."""

from __future__ import annotations

import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.errors import ApiError
from backend.i18n import t
from backend.services.signin import Refusal
from backend.services.staff import StaffService
from backend.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    console_auth,
    console_language,
    current_login,
    db,
    login_csrf_field,
    login_csrf_ok,
    new_login_csrf,
    render,
    set_cookie,
)

log = logging.getLogger(__name__)
bp = Blueprint("console_sessions", url_prefix="/console")


def _safe_next(target: str) -> str:
    """Only same-site console paths (no open redirect)."""
    if target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


def _requested_next(request: Request) -> str:
    if request.method == "POST" and request.form:
        return request.form.get("next", "")
    return request.args.get("next", "")


def _refused(request: Request, refusal: Refusal) -> HTTPResponse:
    lang = console_language(request)
    if refusal.reason == "locked":
        message = t("login_locked", lang, minutes=max(1, -(-refusal.retry_after // 60)))
    else:
        message = t("login_throttled", lang, seconds=refusal.retry_after)
    response = _login_page(request, 429, message)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def _login_page(request: Request, status: int = 200, error: str = "") -> HTTPResponse:
    cookie = new_login_csrf()
    response = render(
        request,
        "console/login.html",
        status=status,
        login_csrf=login_csrf_field(request, cookie),
        next=_safe_next(_requested_next(request)),
        error=error,
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, cookie, max_age=3600)
    return response


@bp.get("/")
async def console_home(request: Request) -> HTTPResponse:
    """Each role's own console: officers work on cases, managers read the statistics, helpdesk
    staff take conversations, everyone else starts at the knowledge base."""
    login = current_login(request)
    if login is None:
        return redirect("/console/login")
    homes = {"officer": "/console/cases", "manager": "/console/statistics", "helpdesk": "/console/helpdesk"}
    return redirect(homes.get(login.user.role, "/console/kb"))


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    if current_login(request) is not None:
        return redirect(_safe_next(request.args.get("next", "")))
    return _login_page(request)


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    form = request.form or {}
    if not login_csrf_ok(request, form.get("csrf_token", "")):
        raise ApiError("csrf_failed", 403)
    username = (form.get("username") or "")[:64]
    address = request.remote_addr or request.ip or "?"
    guard = request.app.ctx.signin_guard
    refusal = guard.check(username, address)
    if refusal is not None:  # refused before hashing: a storm costs no CPU
        return _refused(request, refusal)
    staff = StaffService(db(request))
    user = await staff.authenticate_async(username, form.get("password", ""))
    if user is None:
        if guard.failed(username, address):
            staff.record_lock(username, request.app.ctx.settings.signin_lock_minutes, guard.lock_failures)
            log.warning("sign-in: an account locked after %d failed attempts", guard.lock_failures)
            return _refused(request, Refusal("locked", guard.lock_seconds))
        return _login_page(request, 401, t("login_failed", console_language(request)))
    guard.succeeded(username)
    token, _ = staff.start_session(user, request.app.ctx.settings.session_hours)
    response = redirect(_safe_next(form.get("next", "")))
    set_cookie(
        request, response, SESSION_COOKIE, token, max_age=request.app.ctx.settings.session_hours * 3600
    )
    del response.cookies[LOGIN_CSRF_COOKIE]
    return response


@bp.post("/logout")
@console_auth()
async def logout(request: Request) -> HTTPResponse:
    StaffService(db(request)).end_session(request.cookies.get(SESSION_COOKIE))
    response = redirect("/console/login")
    del response.cookies[SESSION_COOKIE]
    return response
