"""The merged form's drafts (service token): GET/PUT/DELETE /api/v1/drafts/{conversation_id}
and POST .../submit. Nothing personal leaves in clear: the draft view is masked."""
from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from backend.errors import Problem
from backend.services.cases import CaseError, CaseService
from backend.services.drafts import DraftService
from backend.web import api_auth, api_language, checked_conversation, db, json_body, optional_body

bp = Blueprint("drafts", url_prefix="/api/v1/drafts")


def drafts(request: Request) -> DraftService:
    return DraftService(db(request), request.app.ctx.crypto, request.app.ctx.settings)


@bp.get("/<conversation_id>")
@api_auth("admin")
async def get_draft(request: Request, conversation_id: str) -> HTTPResponse:
    service = drafts(request)
    draft = service.require(checked_conversation(conversation_id))
    return json({"draft": service.view(draft, api_language(request))}, ensure_ascii=False)


@bp.put("/<conversation_id>")
@api_auth("admin")
async def put_draft(request: Request, conversation_id: str) -> HTTPResponse:
    conversation_id = checked_conversation(conversation_id)
    body = json_body(request)
    service = drafts(request)
    draft = service.update(conversation_id, body, language=api_language(request))
    return json({"draft": service.view(draft, api_language(request))}, ensure_ascii=False)


@bp.delete("/<conversation_id>")
@api_auth("admin")
async def delete_draft(request: Request, conversation_id: str) -> HTTPResponse:
    drafts(request).delete(checked_conversation(conversation_id))
    return empty(status=204)


@bp.post("/<conversation_id>/submit")
@api_auth("admin")
async def submit_draft(request: Request, conversation_id: str) -> HTTPResponse:
    conversation_id = checked_conversation(conversation_id)
    body = optional_body(request)
    problems = [Problem("unknown_field", field=str(k)[:100]) for k in body if k != "test"]
    if not isinstance(body.get("test", False), bool):
        problems.append(Problem("field_type_bool", field="test"))
    if problems:
        raise CaseError("case_invalid", 400, problems)
    case = drafts(request).submit(conversation_id, test=body.get("test", False))
    view = CaseService(db(request), request.app.ctx.crypto, request.app.ctx.settings).view(
        case, api_language(request))
    return json({"case": view}, status=201, ensure_ascii=False)
