"""The sanic app factory: `create_app(settings)`; `python -m backend` serves it."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, Sanic
from sanic.exceptions import MethodNotSupported, NotFound, PayloadTooLarge, SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, json
from sqlalchemy.orm import Session, sessionmaker

from backend import migrate
from backend.blueprints import ALL_BLUEPRINTS
from backend.config import Settings
from backend.crypto import Crypto
from backend.db import make_engine, make_session_factory
from backend.errors import ApiError
from backend.services import retention
from backend.services.index import KnowledgeIndex, RetrieverFactory, default_retriever_factory
from backend.services.kb_files import read_kb_dir
from backend.services.knowledge import KnowledgeService
from backend.services.notifications import NotificationHub
from backend.services.outbound import OutboundService
from backend.services.signin import SignInGuard
from backend.services.staff import StaffService
from backend.web import is_api, render, request_language

log = logging.getLogger("backend")
# Browsers take HSTS only over HTTPS (behind the TLS-terminating proxy in production).
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
NO_STORE_PREFIXES = ("/console", "/status", "/api/")
HERE = Path(__file__).resolve().parent
ADMIN_HINT = (
    "No admin account exists yet. Set ADMIN_USERNAME and ADMIN_PASSWORD and start again, "
    "or run: python -m backend create-user USERNAME --role admin"
)


class BackendErrorHandler(ErrorHandler):
    """JSON errors under /api/ (code + message in the caller's language), pages elsewhere."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, ApiError):
            error = exception
        elif isinstance(exception, NotFound):
            error = ApiError("not_found", 404)
        elif isinstance(exception, MethodNotSupported):
            error = ApiError("method_not_allowed", 405)
            error.headers = dict(getattr(exception, "headers", None) or {})  # type: ignore[attr-defined]  # Allow
        elif isinstance(exception, PayloadTooLarge):
            error = ApiError("payload_too_large", 413)
        elif isinstance(exception, SanicException) and 400 <= (exception.status_code or 500) < 500:
            error = ApiError(
                "invalid_json" if request and is_api(request) else "not_found", exception.status_code
            )
        else:
            log.error(
                "unhandled error on %s %s",
                getattr(request, "method", "?"),
                getattr(request, "path", "?"),
                exc_info=exception,
            )
            error = ApiError("internal_error", 500)
        headers = getattr(error, "headers", None) or {}  # e.g. Retry-After of a status lockout
        if request is None:
            return json(error.to_json("en"), status=error.status, headers=headers)
        lang = request_language(request)
        if is_api(request):
            return json(error.to_json(lang), status=error.status, ensure_ascii=False, headers=headers)
        try:
            page = render(
                request, "error.html", status=error.status, error=error, message=error.message(lang)
            )
        except Exception:  # never let the error page hide the error
            log.exception("error page failed")
            page = HTTPResponse(
                error.message(lang), status=error.status, content_type="text/plain; charset=utf-8"
            )
        page.headers.update(headers)
        return page


def bootstrap(
    settings: Settings, session_factory: sessionmaker[Session], index: KnowledgeIndex
) -> dict[str, Any]:
    """First-run work: seed the knowledge base from files (idempotent), the first admin, and
    the deletion of drafts past their retention."""
    result: dict[str, Any] = {}
    with session_factory() as session:
        try:
            purged = retention.purge_all(session_factory, settings)
            result["drafts_purged"], result["cases_purged"] = purged["drafts"], purged["cases"]
            result["unanswered_purged"] = purged["unanswered"]
        except Exception:  # broken form data: the application form cannot work, the rest can
            session.rollback()
            log.exception("drafts and cases past their retention could not be purged")
        if settings.seed_on_start:
            faq_dir = settings.knowledge_dir / "faq"
            files = read_kb_dir(faq_dir) if faq_dir.is_dir() else []
            if files:
                try:
                    report = KnowledgeService(session, index).import_files(files, "seed")
                    result["import"] = report
                    log.info("knowledge seed import from %s: %s", faq_dir, report.summary())
                except ApiError as exc:
                    result["import_error"] = exc
                    for problem in exc.problems:
                        log.error(
                            "knowledge seed import rejected: %s: %s",
                            problem.where("en"),
                            problem.message("en"),
                        )
        staff = StaffService(session)
        if not staff.has_admin():
            if settings.admin_username and settings.admin_password:
                if staff.find(settings.admin_username) is None:
                    staff.create_user(settings.admin_username, settings.admin_password, "admin")
                    log.warning(
                        "created the first admin account %r from ADMIN_USERNAME", settings.admin_username
                    )
                    result["admin_created"] = settings.admin_username
            else:
                print(ADMIN_HINT, flush=True)
                result["admin_hint"] = ADMIN_HINT
    return result


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def connect_sources(settings: Settings) -> str:
    """CSP connect-src beyond 'self': Rasa's origin for the widget, over HTTP(S) and its
    WebSocket scheme (CSP does not let an http: source cover ws:)."""
    url = settings.socket_url
    ws = (
        "wss://" + url[len("https://") :] if url.startswith("https://") else "ws://" + url.split("://", 1)[-1]
    )
    return f"{url} {ws}"


def create_app(
    settings: Settings | None = None,
    *,
    retriever_factory: RetrieverFactory | None = None,
    name: str = "case_backend",
) -> Sanic:
    """Build the app: check settings, migrate the database, seed, wire the blueprints."""
    settings = settings or Settings.from_env()
    settings.check()
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    session_factory = make_session_factory(engine)
    index = KnowledgeIndex(retriever_factory or default_retriever_factory)
    bootstrap_result = bootstrap(settings, session_factory, index)

    with warnings.catch_warnings():  # sanic 21.12 deprecates register=False; we need several apps in tests
        warnings.simplefilter("ignore", DeprecationWarning)
        app = Sanic(name, error_handler=BackendErrorHandler(), register=False, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = 4 * 1024 * 1024
    app.config.FORWARDED_SECRET = None
    app.ctx.settings = settings
    app.ctx.engine = engine
    app.ctx.session_factory = session_factory
    app.ctx.index = index
    app.ctx.templates = _templates()
    app.ctx.bootstrap = bootstrap_result
    app.ctx.crypto = Crypto.from_settings(settings)
    app.ctx.notification_hub = NotificationHub()
    app.ctx.helpdesk_hub = NotificationHub()  # wakes the helpdesk consoles' streams (key "queue")
    app.ctx.notifier = OutboundService(settings, session_factory, app.ctx.notification_hub)
    app.ctx.outbound = app.ctx.notifier  # the one outbound path (case updates, staff replies)

    @app.after_server_start
    async def _start_outbound(app: Sanic, _loop: Any) -> None:
        app.ctx.notifier.start()  # retries left by another worker or a restart

    retention.start(app)
    app.ctx.signin_guard = SignInGuard(
        settings.redis_url or "memory://",
        per_account=settings.signin_rate_account,
        per_address=settings.signin_rate_address,
        lock_failures=settings.signin_lock_failures,
        lock_minutes=settings.signin_lock_minutes,
    )

    @app.before_server_stop
    async def _finish_notifications(app: Sanic, _loop: Any) -> None:
        await app.ctx.notifier.close()

    @app.on_response
    async def _close_session(request: Request, response: HTTPResponse) -> None:
        session = getattr(request.ctx, "db", None)
        if session is not None:
            session.close()
            request.ctx.db = None
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Strict-Transport-Security", HSTS)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith(NO_STORE_PREFIXES):
            # staff pages and status answers hold personal data: never in a shared cache or history
            response.headers["Cache-Control"] = "no-store"
        if not request.path.startswith("/api/"):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault(
                "Content-Security-Policy",
                f"default-src 'self'; connect-src 'self' {connect_sources(settings)}; img-src 'self' data:; "
                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            )

    app.static("/static", str(HERE / "static"), name="static")
    for blueprint in ALL_BLUEPRINTS:
        app.blueprint(blueprint)
    return app
