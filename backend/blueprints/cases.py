"""Cases over the JSON API.

- POST /api/v1/cases: submit in one call (service token, helpdesk or officer).
- GET /api/v1/conversations/{conversation_id}/cases: the cases a conversation owns (service token).
- Officers (staff login, their department; admin: all): GET /api/v1/cases/{number} (audited),
  POST .../items/{department}/state, POST .../test, POST .../release, GET /api/v1/case-statistics.
State changes are pushed to the applicant through the one outbound path (services/outbound.py).
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.schemas import CaseRequest, ItemStateChange, ReleaseRequest, TestMark
from backend.services.cases import CaseError, CaseService, iso
from backend.web import api_auth, api_language, checked_conversation, current_login, db, parse_body

bp = Blueprint("cases", url_prefix="/api/v1")


def cases(request: Request) -> CaseService:
    return CaseService(db(request), request.app.ctx.crypto, request.app.ctx.settings)


def officer_department(request: Request) -> str | None:
    """The logged-in officer's department ("" when unset); None for admins (every department)."""
    login = current_login(request)
    if login is None or login.user.role == "admin":
        return None
    return login.user.department or ""


def visible_case(request: Request, service: CaseService, number: str) -> Any:
    case = service.require_case(number)
    if not service.can_see(case, officer_department(request)):
        raise CaseError("case_not_found", 404)  # other departments' cases are not disclosed
    return case


@bp.post("/cases")
@api_auth("helpdesk", "officer")
async def create_case(request: Request) -> HTTPResponse:
    body = parse_body(request, CaseRequest)
    lang = api_language(request)
    service = cases(request)
    # An explicit null language stays null (and is refused by the service); absent means Accept-Language.
    language = body.language if "language" in body.__fields_set__ else lang
    case = service.create(
        items=body.items,
        role=body.role,
        answers=body.answers,
        language=language,
        channel=body.channel,
        conversation_id=body.conversation_id,
        test=body.test,
    )
    return json({"case": service.view(case, lang)}, status=201, ensure_ascii=False)


@bp.get("/conversations/<conversation_id>/cases")
@api_auth("admin")
async def conversation_cases(request: Request, conversation_id: str) -> HTTPResponse:
    found = cases(request).for_conversation(checked_conversation(conversation_id))
    return json(
        {
            "cases": [
                {
                    "number": c.number,
                    "created_at": iso(c.created_at),
                    "state": "submitted" if c.joint_review else c.state,
                }
                for c in found
            ]
        }
    )


@bp.get("/cases/<number>")
@api_auth("officer", service=False)
async def get_case(request: Request, number: str) -> HTTPResponse:
    service = cases(request)
    case = visible_case(request, service, number)
    service.record_view(case, request.ctx.actor)
    return json(
        {
            "case": service.view(
                case, api_language(request), staff=True, department=officer_department(request)
            )
        },
        ensure_ascii=False,
    )


@bp.post("/cases/<number>/items/<department>/state")
@api_auth("officer", service=False)
async def change_item_state(request: Request, number: str, department: str) -> HTTPResponse:
    body = parse_body(request, ItemStateChange)
    service = cases(request)
    case = visible_case(request, service, number)
    item = next((i for i in case.case_items if i.department == department), None)
    if item is None:
        raise CaseError("case_item_not_found", 404)
    change = service.change_state(
        item.id, body.state, body.note or "", request.ctx.actor, department=officer_department(request)
    )
    notification = await request.app.ctx.notifier.dispatch(change)
    service.reload(case)
    result: dict[str, Any] = {
        "case": service.view(
            case, api_language(request), staff=True, plan=False, department=officer_department(request)
        )
    }
    if change is not None:
        result["notification"] = {
            "delivered": bool(notification and notification.delivered),
            # Still under way, or a retry is due (the outbound path's backoff).
            "pending": notification is None or notification.next_attempt_at is not None,
        }
    return json(result, ensure_ascii=False)


@bp.post("/cases/<number>/test")
@api_auth("officer", service=False)
async def mark_test(request: Request, number: str) -> HTTPResponse:
    body = parse_body(request, TestMark)
    service = cases(request)
    case = service.mark_test(visible_case(request, service, number), body.test, request.ctx.actor)
    return json(
        {
            "case": service.view(
                case, api_language(request), staff=True, plan=False, department=officer_department(request)
            )
        },
        ensure_ascii=False,
    )


@bp.post("/cases/<number>/release")
@api_auth("officer", service=False)
async def release_joint_review(request: Request, number: str) -> HTTPResponse:
    body = parse_body(request, ReleaseRequest, optional=True)
    service = cases(request)
    case = service.release_joint_review(visible_case(request, service, number), request.ctx.actor, body.note)
    return json(
        {
            "case": service.view(
                case, api_language(request), staff=True, plan=False, department=officer_department(request)
            )
        },
        ensure_ascii=False,
    )


@bp.get("/case-statistics")
@api_auth("officer", service=False)
async def statistics(request: Request) -> HTTPResponse:
    return json(cases(request).statistics())
