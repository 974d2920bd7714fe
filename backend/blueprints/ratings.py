"""Ratings (好差评) over the JSON API; docs/ratings.md.

- POST /api/v1/rating-requests (service token): a rating is about to be asked; `asked` false
  when this service event was asked before (the assistant then does not ask).
- POST /api/v1/ratings (service token): the rating; a bad one opens its follow-up items.
- Staff (officer: their department; helpdesk: the helpdesk's; manager, admin: all):
  GET /api/v1/rating-followups, GET /api/v1/rating-followups/{id},
  POST /api/v1/rating-followups/{id}/state (audited; `replied` tells the rater through Rasa).
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.schemas import FollowUpChange, RatingAsk, RatingGiven
from backend.services.ratings import (
    HELPDESK,
    STATES,
    RatingError,
    RatingService,
    followups_of,
    rating_view,
    tell_rater,
)
from backend.web import api_auth, api_language, current_login, db, parse_body

bp = Blueprint("ratings", url_prefix="/api/v1")
STAFF = ("officer", "helpdesk", "manager")


def ratings(request: Request) -> RatingService:
    return RatingService(db(request), request.app.ctx.settings)


def visible_departments(request: Request) -> list[str] | None:
    """None: every department (manager, admin); an officer's own; the helpdesk's for helpdesk staff."""
    login = current_login(request)
    if login is None or login.user.role in ("admin", "manager"):
        return None
    if login.user.role == "helpdesk":
        return [HELPDESK]
    return [login.user.department or ""]


@bp.post("/rating-requests")
@api_auth("admin")
async def ask(request: Request) -> HTTPResponse:
    body = parse_body(request, RatingAsk)
    row, created = ratings(request).ask(
        conversation_id=body.conversation_id,
        channel=body.channel,
        language=body.language or api_language(request),
        target_type=body.target,
        source=body.source,
        case_number=body.case_number,
        department=body.department,
        event=body.event,
    )
    return json({"request_id": row.id, "asked": created}, status=201 if created else 200)


@bp.post("/ratings")
@api_auth("admin")
async def rate(request: Request) -> HTTPResponse:
    body = parse_body(request, RatingGiven)
    service = ratings(request)
    rating = service.rate(
        request_id=body.request_id,
        conversation_id=body.conversation_id,
        level=body.level,
        reason=body.reason,
        comment=body.comment,
    )
    return json(
        {"rating": rating_view(rating, followups_of(db(request), rating))}, status=201, ensure_ascii=False
    )


def _flag(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise RatingError("followup_filter_invalid", 400)


@bp.get("/rating-followups")
@api_auth(*STAFF, service=False)
async def list_followups(request: Request) -> HTTPResponse:
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        raise RatingError("followup_filter_invalid", 400)
    level = request.args.get("level") or None
    if level is not None and level not in ("1", "2"):
        raise RatingError("followup_filter_invalid", 400)
    departments = visible_departments(request)
    department = request.args.get("department") or None
    if department:
        departments = [department] if departments is None or department in departments else []
    service = ratings(request)
    found = service.followups(
        departments=departments,
        state=state,
        overdue=_flag(request.args.get("overdue")),
        level=int(level) if level else None,
    )
    return json({"followups": [service.view(f) for f in found]}, ensure_ascii=False)


@bp.get("/rating-followups/<followup_id:int>")
@api_auth(*STAFF, service=False)
async def get_followup(request: Request, followup_id: int) -> HTTPResponse:
    service = ratings(request)
    return json(
        {"followup": service.view(service.get(followup_id, visible_departments(request)))}, ensure_ascii=False
    )


@bp.post("/rating-followups/<followup_id:int>/state")
@api_auth("officer", "helpdesk", service=False)  # managers read only
async def change_followup(request: Request, followup_id: int) -> HTTPResponse:
    body = parse_body(request, FollowUpChange)
    service = ratings(request)
    followup = service.get(followup_id, visible_departments(request))
    push = service.change(
        followup, body.state, request.ctx.actor, note=body.note, reason=body.reason, reply=body.reply
    )
    notification = await tell_rater(request.app.ctx.notifier, service, push)
    result: dict[str, Any] = {"followup": service.view(service.get(followup_id))}
    if push is not None:
        result["notification"] = {
            "delivered": bool(notification and notification.delivered),
            "pending": notification is None,
        }
    return json(result, ensure_ascii=False)
