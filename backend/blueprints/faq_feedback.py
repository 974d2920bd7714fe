"""POST /api/v1/faq/feedback: 'was this answer helpful?' with the entry id."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.schemas import FeedbackRequest
from backend.services.feedback import FeedbackService
from backend.web import api_auth, db, language_of, parse_body

bp = Blueprint("faq_feedback", url_prefix="/api/v1/faq")


@bp.post("/feedback")
@api_auth("helpdesk", "policy_editor")
async def post_feedback(request: Request) -> HTTPResponse:
    body = parse_body(request, FeedbackRequest)
    feedback = FeedbackService(db(request)).record(
        body.entry_id, body.helpful, language_of(request, body.language)
    )
    return json({"id": feedback.id, "entry_id": feedback.entry_id, "helpful": feedback.helpful}, status=201)
