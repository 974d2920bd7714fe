"""POST /api/v1/status: a case's timeline for its own conversation, or after the passport check.

Wrong answers count per (conversation, case number), else per (client, case number) where
`client` is a key the caller names, else per (client address, case number)."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.errors import Problem
from backend.services.cases import CaseError, CaseService, conversation_ok
from backend.services.status import StatusService
from backend.web import api_auth, api_language, db, json_body

bp = Blueprint("status_api", url_prefix="/api/v1")
STATUS_KEYS = ("case_number", "conversation_id", "passport_last4", "client")


def _check(body: dict[str, Any]) -> list[Problem]:
    problems = [Problem("unknown_field", field=str(k)[:100]) for k in body if k not in STATUS_KEYS]
    if not isinstance(body.get("case_number"), str) or len(body["case_number"]) > 40:
        problems.append(Problem("case_number_invalid", field="case_number"))
    if body.get("conversation_id") is not None and not conversation_ok(body["conversation_id"]):
        problems.append(Problem("conversation_id_invalid", field="conversation_id"))
    client = body.get("client")
    if client is not None and (not isinstance(client, str) or not 1 <= len(client) <= 128):
        problems.append(Problem("field_too_long", {"max": 128}, field="client"))
    last4 = body.get("passport_last4")
    if last4 is not None and (not isinstance(last4, str) or len(last4) > 20):
        problems.append(Problem("passport_last4_invalid", field="passport_last4"))
    return problems


@bp.post("/status")
@api_auth("helpdesk")
async def case_status(request: Request) -> HTTPResponse:
    body = json_body(request)
    problems = _check(body)
    if problems:
        raise CaseError("status_request_invalid", 400, problems)
    conversation_id = body.get("conversation_id")
    if conversation_id:
        key = f"conversation:{conversation_id}"
    elif body.get("client"):
        key = f"client:{body['client']}"
    else:
        key = f"ip:{request.remote_addr or request.ip}"
    session = db(request)
    crypto = request.app.ctx.crypto
    case = StatusService(session, crypto).verify(body["case_number"], key=key, conversation_id=conversation_id,
                                                 passport_last4=body.get("passport_last4"),
                                                 actor=request.ctx.actor)
    # The timeline only: materials, deadlines and the saving belong to the submission answer,
    # and computing them ran the eligibility engine once per item on every status check.
    view = CaseService(session, crypto, request.app.ctx.settings).view(case, api_language(request), plan=False)
    return json({"case": view}, ensure_ascii=False)
