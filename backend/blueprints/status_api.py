"""POST /api/v1/status: a case's timeline for its own conversation, or after the passport check.

The second factor is the full passport number (`passport_number`); wrong answers count per
case number whoever sends them (backend/services/status.py)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.schemas import StatusRequest
from backend.services.cases import CaseService
from backend.services.status import StatusService
from backend.web import api_auth, api_language, db, parse_body

bp = Blueprint("status_api", url_prefix="/api/v1")


@bp.post("/status")
@api_auth("helpdesk")
async def case_status(request: Request) -> HTTPResponse:
    body = parse_body(request, StatusRequest)
    conversation_id = body.conversation_id
    crypto = request.app.ctx.crypto
    case = StatusService(db(request), crypto).verify(
        body.case_number,
        conversation_id=conversation_id,
        passport_number=body.passport_number,
        actor=request.ctx.actor,
    )
    # The timeline only: materials, deadlines and the saving belong to the submission answer,
    # and computing them ran the eligibility engine once per item on every status check.
    view = CaseService(db(request), crypto, request.app.ctx.settings).view(
        case, api_language(request), plan=False
    )
    return json({"case": view}, ensure_ascii=False)
