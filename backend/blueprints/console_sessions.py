"""Staff sign-in and sign-out for the consoles (server-side sessions, HttpOnly cookies)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.errors import ApiError
from backend.i18n import t
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
    """Each role's own console: officers work on cases, managers read the statistics, everyone else
    starts at the knowledge base."""
    login = current_login(request)
    if login is None:
        return redirect("/console/login")
    homes = {"officer": "/console/cases", "manager": "/console/statistics"}
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
    staff = StaffService(db(request))
    user = staff.authenticate(form.get("username", ""), form.get("password", ""))
    if user is None:
        return _login_page(request, 401, t("login_failed", console_language(request)))
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
