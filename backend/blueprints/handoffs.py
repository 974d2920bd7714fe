"""Human handoff over the JSON API (issue #14, docs/handoff.md).

The assistant (service token): POST /api/v1/handoffs (the user asked for a person; idempotent
per conversation), POST /api/v1/handoffs/cancel (the user left the queue), POST
/api/v1/handoffs/inbound (a user message of a paused conversation, masked by the assistant).
Helpdesk staff (and admin), session with X-CSRF-Token on writes: the queue, one handoff with
its messages, claim, messages, release, close, transfer. The user is told each change through
the one outbound path (backend/services/outbound.py).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.errors import ApiError
from backend.schemas import (
    HandoffAsk,
    HandoffClose,
    HandoffConversation,
    HandoffInbound,
    HandoffSay,
    HandoffTransfer,
)
from backend.services.handoffs import HandoffService, UserNotice, message_view, tell_user
from backend.web import api_auth, api_language, current_login, db, parse_body

bp = Blueprint("handoffs", url_prefix="/api/v1")
STAFF = ("helpdesk",)
LIST_STATES = ("waiting", "active", "closed")


@bp.on_response
async def _wake_consoles(request: Request, response: HTTPResponse) -> None:
    """Every change of a handoff refreshes the helpdesk consoles of this process at once
    (other processes' consoles find it by polling)."""
    if request.method == "POST" and response.status < 400:
        request.app.ctx.helpdesk_hub.publish("queue")


def handoffs(request: Request) -> HandoffService:
    return HandoffService(db(request), request.app.ctx.settings)


def _role(request: Request) -> str:
    login = current_login(request)
    return login.user.role if login is not None else "service"


async def _tell_queue(request: Request, service: HandoffService) -> None:
    """Everyone still waiting hears their new place (after a claim or a cancel moved them up)."""
    for other in service.find("waiting"):
        await tell_user(request.app.ctx.outbound, service.queue_notice(other), wait=0)


async def _changed(
    request: Request, service: HandoffService, row: Any, notice: UserNotice | None
) -> HTTPResponse:
    """Tell the user through the one outbound path; answer with the handoff and whether they heard."""
    delivered = await tell_user(request.app.ctx.outbound, notice)
    return json({"handoff": service.view(row), "delivered": delivered}, ensure_ascii=False)


async def _expire(request: Request, service: HandoffService) -> None:
    """Queued handoffs gone quiet are closed when the queue is next read (and told so)."""
    for notice in service.expire_quiet():
        await tell_user(request.app.ctx.outbound, notice, wait=0)


# --- the assistant ------------------------------------------------------------------------------
@bp.post("/handoffs")
@api_auth("admin")
async def ask(request: Request) -> HTTPResponse:
    body = parse_body(request, HandoffAsk)
    service = handoffs(request)
    row, created = service.request(
        body.conversation_id,
        body.language or api_language(request),
        body.channel,
        body.topic,
        [turn.dict() for turn in body.transcript],
    )
    position = service.position(row)
    now = datetime.now(timezone.utc)
    hours = service.hours()
    staffed = hours.staffed(now)
    back = None if staffed else hours.next_open(now)
    return json(
        {
            "handoff": service.view(row, position=position),
            "created": created,
            "queue_position": position,
            "wait_minutes": service.wait_minutes(position) if position and staffed else None,
            "staffed": staffed,
            "staff_back_at": back.isoformat() if back is not None else None,
        },
        status=201 if created else 200,
        ensure_ascii=False,
    )


@bp.post("/handoffs/cancel")
@api_auth("admin")
async def cancel(request: Request) -> HTTPResponse:
    body = parse_body(request, HandoffConversation)
    service = handoffs(request)
    row = service.cancel(body.conversation_id)
    if row is not None:
        await _tell_queue(request, service)
    return json({"cancelled": row is not None})


@bp.post("/handoffs/inbound")
@api_auth("admin")
async def inbound(request: Request) -> HTTPResponse:
    body = parse_body(request, HandoffInbound)
    row = handoffs(request).inbound(body.conversation_id, body.text)
    return json({"handoff_id": row.id if row is not None else None})


# --- helpdesk staff -------------------------------------------------------------------------------
@bp.get("/handoffs")
@api_auth(*STAFF, service=False)
async def list_handoffs(request: Request) -> HTTPResponse:
    state = request.args.get("state") or None
    if state is not None and state not in LIST_STATES:
        raise ApiError("handoff_filter_invalid", 400)
    service = handoffs(request)
    await _expire(request, service)
    rows = service.find(state, request.args.get("claimed_by") or None)
    return json({"handoffs": service.views(rows)}, ensure_ascii=False)


@bp.get("/handoffs/<handoff_id:int>")
@api_auth(*STAFF, service=False)
async def get_handoff(request: Request, handoff_id: int) -> HTTPResponse:
    service = handoffs(request)
    return json({"handoff": service.view(service.get(handoff_id), with_messages=True)}, ensure_ascii=False)


@bp.post("/handoffs/<handoff_id:int>/claim")
@api_auth(*STAFF, service=False)
async def claim(request: Request, handoff_id: int) -> HTTPResponse:
    service = handoffs(request)
    row = service.get(handoff_id)
    answer = await _changed(request, service, row, service.claim(row, request.ctx.actor))
    await _tell_queue(request, service)
    return answer


@bp.post("/handoffs/<handoff_id:int>/messages")
@api_auth(*STAFF, service=False)
async def say(request: Request, handoff_id: int) -> HTTPResponse:
    body = parse_body(request, HandoffSay)
    service = handoffs(request)
    row = service.get(handoff_id)
    message = service.add_staff_message(row, request.ctx.actor, _role(request), body.text, note=body.note)
    delivered = None
    if not body.note:
        name = service.display_name(request.ctx.actor)
        sent = await request.app.ctx.outbound.deliver_text(
            row.conversation_id,
            message.text,
            row.language,
            {"staff_name": name} if name else {},
            channel=row.channel,
        )
        delivered = None if sent is None else bool(sent.delivered)
        if delivered is not None:
            service.delivered(message, delivered)
    return json({"message": message_view(message), "delivered": delivered}, status=201, ensure_ascii=False)


@bp.post("/handoffs/<handoff_id:int>/release")
@api_auth(*STAFF, service=False)
async def release(request: Request, handoff_id: int) -> HTTPResponse:
    service = handoffs(request)
    row = service.get(handoff_id)
    return await _changed(request, service, row, service.release(row, request.ctx.actor, _role(request)))


@bp.post("/handoffs/<handoff_id:int>/close")
@api_auth(*STAFF, service=False)
async def close(request: Request, handoff_id: int) -> HTTPResponse:
    body = parse_body(request, HandoffClose)
    service = handoffs(request)
    row = service.get(handoff_id)
    return await _changed(
        request, service, row, service.close(row, request.ctx.actor, _role(request), body.reason)
    )


@bp.post("/handoffs/<handoff_id:int>/transfer")
@api_auth(*STAFF, service=False)
async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
    body = parse_body(request, HandoffTransfer)
    service = handoffs(request)
    row = service.get(handoff_id)
    service.transfer(row, request.ctx.actor, _role(request), body.to, body.note)
    return await _changed(request, service, row, None)
