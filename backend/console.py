"""Helpers shared by the server-rendered consoles and the status page (not a blueprint:
blueprints import from here, never from each other)."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from backend.crypto import Crypto
from backend.errors import ApiError
from backend.models import CaseEvent
from backend.services.cases import ITEM_STATES, CaseService, catalogue, local_text
from backend.services.status import StatusService
from backend.web import current_login, db, render

log = logging.getLogger("backend.console")


def page(
    request: Request, template: str, status: int = 200, *, no_store: bool = False, **context: Any
) -> HTTPResponse:
    """render(), optionally marked not to be cached (pages with personal data)."""
    response = render(request, template, status=status, **context)
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status: int, code: str, message: str) -> HTTPResponse:
    return page(request, "error.html", status=status, error=ApiError(code, status), message=message)


def actor(request: Request) -> str:
    login = current_login(request)
    return login.user.username if login else "?"


def department_of(request: Request) -> str | None:
    """None for admins (every department); an officer's department ('' when none is set)."""
    login = current_login(request)
    if login is None or login.user.role == "admin":
        return None
    return getattr(login.user, "department", None) or ""


def crypto(request: Request) -> Crypto:
    existing = getattr(request.app.ctx, "crypto", None)
    if isinstance(existing, Crypto):
        return existing
    made = Crypto.from_settings(request.app.ctx.settings)
    request.app.ctx.crypto = made
    return made


def cases(request: Request) -> CaseService:
    return CaseService(db(request), crypto(request), request.app.ctx.settings)


def status_checks(request: Request) -> StatusService:
    return StatusService(db(request), crypto(request))


def notifier(request: Request) -> Any:
    """The app's OutboundService (made once per app when the app did not make one)."""
    for name in ("notifications", "notifier", "notification_sender", "sender"):
        found = getattr(request.app.ctx, name, None)
        if found is not None and hasattr(found, "dispatch"):
            return found
    from backend.services.outbound import OutboundService

    sender = OutboundService(request.app.ctx.settings, request.app.ctx.session_factory)
    request.app.ctx.notifier = sender
    return sender


def department_name(key: str, lang: str) -> str:
    try:
        department = catalogue().departments.get(key)
    except Exception:  # the catalogue is data; a broken file must not hide the case
        log.exception("application catalogue unavailable")
        return key
    return local_text(getattr(department, "name", None), lang) if department is not None else key


def service_names(keys: list[str], lang: str) -> list[str]:
    try:
        items = catalogue().items
    except Exception:
        return list(keys)
    return [local_text(getattr(items.get(k), "name", None), lang) or k if items.get(k) else k for k in keys]


def timeline(events: list[CaseEvent]) -> dict[int | None, list[dict[str, Any]]]:
    out: dict[int | None, list[dict[str, Any]]] = {}
    for event in events:
        out.setdefault(event.case_item_id, []).append(
            {
                "state": event.state,
                "note": event.note,
                "actor": event.actor,
                "at": event.created_at,
                "item_state": event.state in ITEM_STATES,
            }
        )
    return out
