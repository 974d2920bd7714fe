"""The helpdesk console (/console/helpdesk; issue #14, docs/handoff.md).

The page is a shell; backend/static/helpdesk.js fills it from a server-sent event stream
(GET /api/v1/helpdesk/stream: the four lists on every change, and with ?open=ID that
handoff's transcript, notes, cases and draft) and acts through the handoff JSON API. The
stream is woken in this process by every handoff change (the handoffs blueprint publishes on
`helpdesk_hub`) and polls the database for other workers' changes. Presence (available /
away) and the canned replies are here too; admins edit the canned replies on
/console/helpdesk/canned.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic.response import json as json_response

from backend.console import actor, error_page, page, service_names
from backend.errors import ApiError
from backend.i18n import t
from backend.schemas import HelpdeskPresence
from backend.services import helpdesk
from backend.services.cases import CASE_STATES
from backend.services.handoffs import CLOSE_REASONS, MAX_TEXT, HandoffService, tell_user
from backend.web import api_auth, console_auth, console_language, db, parse_body

bp = Blueprint("console_helpdesk")
HUB_KEY = "queue"
POLL_SECONDS = 2.0  # other workers' changes are found by polling
KEEPALIVE_SECONDS = 15.0
HEARTBEAT_SECONDS = 30.0  # an open console keeps its member counted as available
STREAM_SECONDS = 300.0  # then the browser reconnects (EventSource does so by itself)


# --- pages ---------------------------------------------------------------------------------------
@bp.get("/console/helpdesk")
@console_auth("helpdesk")
async def console(request: Request) -> HTTPResponse:
    return page(
        request,
        "console/helpdesk.html",
        no_store=True,
        reasons=CLOSE_REASONS,
        colleagues=helpdesk.colleagues(db(request), actor(request)),
        canned=[helpdesk.canned_view(r) for r in helpdesk.canned_replies(db(request))],
        max_text=MAX_TEXT,
        case_states=CASE_STATES,
    )


@bp.get("/console/helpdesk/canned")
@console_auth("admin")
async def canned_list_page(request: Request) -> HTTPResponse:
    return canned_page(request)


def canned_page(
    request: Request, *, status: int = 200, error: str = "", failed: int | None = None
) -> HTTPResponse:
    """`failed`: the reply whose form was refused (0: the new one); it shows what was typed."""
    rows = helpdesk.canned_replies(db(request), include_inactive=True)
    done = next((word for word in ("saved", "removed") if request.args.get(word)), "")
    entered = {"en": _form_text(request, "text_en"), "zh": _form_text(request, "text_zh")} if error else {}
    return page(
        request,
        "console/helpdesk_canned.html",
        status=status,
        rows=rows,
        error=error,
        done=done,
        failed=failed,
        entered=entered,
    )


def _form_text(request: Request, name: str) -> str:
    return str((request.form or {}).get(name, "") or "")


@bp.post("/console/helpdesk/canned")
@console_auth("admin")
async def canned_add(request: Request) -> HTTPResponse:
    return await _canned_save(request, None)


@bp.post("/console/helpdesk/canned/<reply_id:int>")
@console_auth("admin")
async def canned_edit(request: Request, reply_id: int) -> HTTPResponse:
    return await _canned_save(request, reply_id)


async def _canned_save(request: Request, reply_id: int | None) -> HTTPResponse:
    lang = console_language(request)
    try:
        helpdesk.save_canned(
            db(request),
            actor(request),
            _form_text(request, "text_en"),
            _form_text(request, "text_zh"),
            reply_id,
        )
    except ApiError as refused:
        if refused.status == 404:
            return error_page(request, 404, "not_found", t("not_found", lang))
        return canned_page(request, status=400, error=refused.message(lang), failed=reply_id or 0)
    return redirect("/console/helpdesk/canned?saved=1")


@bp.post("/console/helpdesk/canned/<reply_id:int>/remove")
@console_auth("admin")
async def canned_remove(request: Request, reply_id: int) -> HTTPResponse:
    try:
        helpdesk.remove_canned(db(request), actor(request), reply_id)
    except ApiError:
        return error_page(request, 404, "not_found", t("not_found", console_language(request)))
    return redirect("/console/helpdesk/canned?removed=1")


# --- JSON ----------------------------------------------------------------------------------------
@bp.post("/api/v1/helpdesk/presence")
@api_auth("helpdesk", service=False)
async def presence(request: Request) -> HTTPResponse:
    body = parse_body(request, HelpdeskPresence)
    user = helpdesk.set_presence(db(request), request.ctx.actor, body.presence)
    request.app.ctx.helpdesk_hub.publish(HUB_KEY)
    return json_response(
        {"presence": user.presence, "available_staff": helpdesk.available_staff(db(request))}
    )


@bp.get("/api/v1/helpdesk/canned")
@api_auth("helpdesk", service=False)
async def canned_list(request: Request) -> HTTPResponse:
    rows = helpdesk.canned_replies(db(request))
    return json_response({"canned": [helpdesk.canned_view(r) for r in rows]}, ensure_ascii=False)


def _open_id(request: Request) -> int | None:
    raw = request.args.get("open") or ""
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _event(name: str, data: object) -> tuple[str, str]:
    """The SSE frame and a digest to send it only when it changed."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {name}\ndata: {body}\n\n", hashlib.sha256(body.encode("utf-8")).hexdigest()


@bp.get("/api/v1/helpdesk/stream")  # type: ignore[arg-type]  # a stream: None once sent
@api_auth("helpdesk", service=False)
async def stream(request: Request) -> HTTPResponse | None:
    app = request.app
    me = request.ctx.actor
    opened = _open_id(request)
    lang = console_language(request)
    hub = app.ctx.helpdesk_hub
    wake = hub.subscribe(HUB_KEY)
    loop = asyncio.get_running_loop()
    response = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )
    sent: dict[str, str] = {}
    try:
        await response.send("retry: 3000\n\n")
        deadline = loop.time() + STREAM_SECONDS
        quiet_since = loop.time()
        beat = quiet_since - HEARTBEAT_SECONDS  # count an available member from the first frame
        while loop.time() < deadline:
            with app.ctx.session_factory() as session:
                service = HandoffService(session, app.ctx.settings)
                for notice in service.expire_quiet():  # queued handoffs gone quiet (docs/handoff.md)
                    await tell_user(app.ctx.outbound, notice, wait=0)
                if loop.time() - beat >= HEARTBEAT_SECONDS:
                    helpdesk.heartbeat(session, me)
                    beat = loop.time()
                frames = [("queue", _event("queue", helpdesk.snapshot(service, me)))]
                if opened is not None:
                    try:
                        view = helpdesk.conversation(service, opened)
                    except ApiError:
                        frames.append(("handoff", _event("gone", {"id": opened})))
                    else:
                        if view["draft"]:
                            view["draft"]["names"] = service_names(view["draft"]["items"], lang)
                        frames.append(("handoff", _event("handoff", view)))
            for name, (frame, digest) in frames:
                if sent.get(name) != digest:
                    await response.send(frame)
                    sent[name] = digest
                    quiet_since = loop.time()
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), timeout=POLL_SECONDS)
            except asyncio.TimeoutError:
                if loop.time() - quiet_since >= KEEPALIVE_SECONDS:
                    await response.send(": keep-alive\n\n")
                    quiet_since = loop.time()
    finally:
        hub.unsubscribe(HUB_KEY, wake)
    await response.eof()
    return None
