"""Request helpers shared by the blueprints: DB session, language, auth, CSRF, rendering."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import wraps
from typing import Any, Callable, Coroutine, Type, TypeVar
from urllib.parse import quote, unquote

from sanic import Request
from sanic.response import HTTPResponse, html, redirect
from sqlalchemy.orm import Session

from backend.errors import ApiError, Problem
from backend.i18n import LANGUAGES, negotiate, t, text
from backend.models import LoginSession
from backend.schemas import RequestBody
from backend.services.cases import CaseError, conversation_ok
from backend.services.knowledge import KnowledgeService
from backend.services.staff import StaffService

SESSION_COOKIE = "kb_session"
LOGIN_CSRF_COOKIE = "kb_login_csrf"
LANG_COOKIE = "lang"

# a coroutine function, as sanic's route decorators expect (a bare Awaitable is refused)
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
Body = TypeVar("Body", bound=RequestBody)


def db(request: Request) -> Session:
    """The request's SQLAlchemy session (opened on first use, closed after the response)."""
    session = getattr(request.ctx, "db", None)
    if session is None:
        session = request.app.ctx.session_factory()
        request.ctx.db = session
    return session


def discard(request: Request) -> None:
    """Forget the request's uncommitted changes (after a service refused them)."""
    db(request).rollback()


def knowledge(request: Request) -> KnowledgeService:
    return KnowledgeService(db(request), request.app.ctx.index)


def api_language(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


def console_language(request: Request) -> str:
    """?lang= wins (and is remembered in a cookie), then the cookie, then Accept-Language."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return api_language(request)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 400 `invalid_json` error."""
    try:
        body = request.json
    except Exception as exc:  # sanic raises InvalidUsage on malformed JSON
        raise ApiError("invalid_json", 400) from exc
    if not isinstance(body, dict):
        raise ApiError("invalid_json", 400)
    return body


def parse_body(request: Request, model: Type[Body], *, optional: bool = False) -> Body:
    """The JSON body as `model` (backend/schemas.py), or 400 with the API's codes and details;
    `optional`: an empty body is {}."""
    return model.from_body(optional_body(request) if optional else json_body(request))


def optional_body(request: Request) -> dict[str, Any]:
    """An empty body is {}; anything else must be a JSON object."""
    return json_body(request) if request.body and request.body.strip() else {}


def checked_conversation(conversation_id: str) -> str:
    """The path segment, percent-decoded (sanic leaves it encoded), or 400."""
    conversation_id = unquote(conversation_id)
    if not conversation_ok(conversation_id):
        raise CaseError(
            "conversation_id_invalid",
            400,
            problems=[Problem("conversation_id_invalid", field="conversation_id")],
        )
    return conversation_id


def language_of(request: Request, chosen: str | None) -> str:
    """The body's language (already checked), else ?language=, else Accept-Language; 400 when not en/zh."""
    language = chosen or request.args.get("language") or api_language(request)
    if language not in LANGUAGES:
        raise ApiError("invalid_language", 400)
    return language


def is_api(request: Request) -> bool:
    return request.path.startswith("/api/")


def request_language(request: Request) -> str:
    return api_language(request) if is_api(request) else console_language(request)


def current_login(request: Request) -> LoginSession | None:
    if not hasattr(request.ctx, "login"):
        request.ctx.login = StaffService(db(request)).session_for(request.cookies.get(SESSION_COOKIE))
    return request.ctx.login


def _service_token_ok(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = request.app.ctx.settings.service_token
    return scheme.lower() == "bearer" and bool(token) and hmac.compare_digest(token.strip(), expected)


def api_auth(*roles: str, service: bool = True) -> Callable[[Handler], Handler]:
    """The action server's service token, or a staff login with one of `roles`.

    Staff calls that change something must also send the session's CSRF token in
    an X-CSRF-Token header (the console pages expose it in a meta tag)."""

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            if service and _service_token_ok(request):
                request.ctx.actor = "service"
                return await handler(request, *args, **kwargs)
            login = current_login(request)
            if login is None:
                raise ApiError("unauthorized", 401)
            if roles and login.user.role not in roles and login.user.role != "admin":
                raise ApiError("forbidden", 403)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                sent = request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(sent, login.csrf_token):
                    raise ApiError("csrf_failed", 403)
            request.ctx.actor = login.user.username
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorator


def console_auth(*roles: str) -> Callable[[Handler], Handler]:
    """A staff login with one of `roles` (admin may do everything); CSRF on every POST."""

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            login = current_login(request)
            if login is None:
                target = quote(request.path + (f"?{request.query_string}" if request.query_string else ""))
                return redirect(f"/console/login?next={target}")
            if roles and login.user.role not in roles and login.user.role != "admin":
                raise ApiError("forbidden", 403)
            if request.method == "POST":
                sent = (request.form or {}).get("csrf_token", "") if request.form is not None else ""
                if not sent or not hmac.compare_digest(sent, login.csrf_token):
                    raise ApiError("csrf_failed", 403)
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorator


# --- login-form CSRF (double submit, the form field is an HMAC of the cookie) ----------
def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def login_csrf_field(request: Request, cookie_value: str) -> str:
    key = request.app.ctx.settings.secret_key.encode("utf-8")
    return hmac.new(key, cookie_value.encode("utf-8"), hashlib.sha256).hexdigest()


def login_csrf_ok(request: Request, field: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie and field) and hmac.compare_digest(field, login_csrf_field(request, cookie))


def set_cookie(
    request: Request,
    response: HTTPResponse,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    http_only: bool = True,
) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = "/"
    cookie["samesite"] = "Lax"
    cookie["httponly"] = http_only
    if max_age is not None:
        cookie["max-age"] = max_age
    if request.app.ctx.settings.production:
        cookie["secure"] = True


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """A Jinja2 template (autoescaped) with the language, t() and the login in context."""
    lang = console_language(request)
    login = getattr(request.ctx, "login", None)
    env = request.app.ctx.templates
    body = env.get_template(template).render(
        lang=lang,
        other_lang="zh" if lang == "en" else "en",
        t=lambda key, **params: t(key, lang, **params),
        text=lambda key, **params: text(key, lang, **params),  # a full texts/ key (case_states.item.x)
        login=login,
        user=login.user if login else None,
        csrf_token=login.csrf_token if login else "",
        request_path=request.path,
        region=request.app.ctx.settings.region,
        **context,
    )
    response = html(body, status=status)
    if request.args.get("lang") in LANGUAGES:
        set_cookie(
            request, response, LANG_COOKIE, request.args.get("lang"), max_age=365 * 24 * 3600, http_only=False
        )
    return response
