"""The knowledge base over JSON: answer a question, read entries."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.errors import ApiError
from backend.i18n import LANGUAGES
from backend.schemas import AnswerRequest
from backend.services.knowledge import entry_to_json
from backend.web import api_auth, knowledge, language_of, parse_body

bp = Blueprint("faq", url_prefix="/api/v1/faq")


@bp.post("/answer")
@api_auth("helpdesk", "policy_editor")
async def answer(request: Request) -> HTTPResponse:
    body = parse_body(request, AnswerRequest)
    result = knowledge(request).answer(body.question, language_of(request, body.language))
    return json(result, ensure_ascii=False)


@bp.get("/entries")
@api_auth("helpdesk", "policy_editor")
async def list_entries(request: Request) -> HTTPResponse:
    status = request.args.get("status")
    entries = knowledge(request).list_entries(
        request.args.get("q", ""), status=status, topic=request.args.get("topic")
    )
    return json({"entries": [entry_to_json(e) for e in entries]}, ensure_ascii=False)


@bp.get("/entries/<entry_id>")
@api_auth("helpdesk", "policy_editor")
async def get_entry(request: Request, entry_id: str) -> HTTPResponse:
    language = request.args.get("language")
    if language is not None and language not in LANGUAGES:
        raise ApiError("invalid_language", 400)
    entry = knowledge(request).get(entry_id)
    if request.ctx.actor == "service" and entry.status != "published":
        raise ApiError("entry_not_found", 404, id=entry_id)  # the bot only sees published entries
    return json(entry_to_json(entry, language), ensure_ascii=False)
