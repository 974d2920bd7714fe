"""POST /api/v1/faq/feedback: 'was this answer helpful?' with the entry id."""
from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.services.feedback import FeedbackService
from backend.web import api_auth, db, json_body, language_of

bp = Blueprint("faq_feedback", url_prefix="/api/v1/faq")


@bp.post("/feedback")
@api_auth("helpdesk", "policy_editor")
async def post_feedback(request: Request) -> HTTPResponse:
    body = json_body(request)
    feedback = FeedbackService(db(request)).record(body.get("entry_id"), body.get("helpful"), language_of(request, body))
    return json({"id": feedback.id, "entry_id": feedback.entry_id, "helpful": feedback.helpful}, status=201)
