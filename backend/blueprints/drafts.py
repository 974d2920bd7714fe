"""The merged form's drafts (service token): GET/PUT/DELETE /api/v1/drafts/{conversation_id}
and POST .../submit. Nothing personal leaves in clear: the draft view is masked."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from backend.schemas import DraftSubmit, DraftUpdate
from backend.services.cases import CaseService
from backend.services.drafts import DraftService
from backend.web import api_auth, api_language, checked_conversation, db, parse_body

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
    body = parse_body(request, DraftUpdate)
    service = drafts(request)
    draft = service.update(conversation_id, body.dict(exclude_unset=True), language=api_language(request))
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
    body = parse_body(request, DraftSubmit, optional=True)
    case = drafts(request).submit(conversation_id, test=body.test)
    view = CaseService(db(request), request.app.ctx.crypto, request.app.ctx.settings).view(
        case, api_language(request)
    )
    return json({"case": view}, status=201, ensure_ascii=False)
