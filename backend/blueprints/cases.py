"""Cases over the JSON API.

- POST /api/v1/cases: submit in one call (service token, helpdesk or officer).
- GET /api/v1/conversations/{conversation_id}/cases: the cases a conversation owns (service token).
- Officers (staff login, their department; admin: all): GET /api/v1/cases/{number} (audited),
  POST .../items/{department}/state, POST .../test, POST .../release, GET /api/v1/case-statistics.
State changes are pushed to the applicant through Rasa (services/notifications.py).
"""
from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.errors import Problem
from backend.services.cases import CaseError, CaseService, iso
from backend.web import api_auth, api_language, checked_conversation, current_login, db, json_body

bp = Blueprint("cases", url_prefix="/api/v1")
CASE_KEYS = ("items", "role", "answers", "language", "channel", "conversation_id", "test")


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


def _fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    problems = [Problem("unknown_field", field=str(k)[:100]) for k in body if k not in allowed]
    if problems:
        raise CaseError("case_invalid", 400, problems)


@bp.post("/cases")
@api_auth("helpdesk", "officer")
async def create_case(request: Request) -> HTTPResponse:
    body = json_body(request)
    _fields(body, CASE_KEYS)
    lang = api_language(request)
    service = cases(request)
    case = service.create(items=body.get("items"), role=body.get("role"), answers=body.get("answers", {}),
                          language=body.get("language", lang), channel=body.get("channel"),
                          conversation_id=body.get("conversation_id"), test=body.get("test", False))
    return json({"case": service.view(case, lang)}, status=201, ensure_ascii=False)


@bp.get("/conversations/<conversation_id>/cases")
@api_auth("admin")
async def conversation_cases(request: Request, conversation_id: str) -> HTTPResponse:
    found = cases(request).for_conversation(checked_conversation(conversation_id))
    return json({"cases": [{"number": c.number, "created_at": iso(c.created_at),
                            "state": "submitted" if c.joint_review else c.state} for c in found]})


@bp.get("/cases/<number>")
@api_auth("officer", service=False)
async def get_case(request: Request, number: str) -> HTTPResponse:
    service = cases(request)
    case = visible_case(request, service, number)
    service.record_view(case, request.ctx.actor)
    return json({"case": service.view(case, api_language(request), staff=True)}, ensure_ascii=False)


@bp.post("/cases/<number>/items/<department>/state")
@api_auth("officer", service=False)
async def change_item_state(request: Request, number: str, department: str) -> HTTPResponse:
    body = json_body(request)
    _fields(body, ("state", "note"))
    service = cases(request)
    case = visible_case(request, service, number)
    item = next((i for i in case.case_items if i.department == department), None)
    if item is None:
        raise CaseError("case_item_not_found", 404)
    change = service.change_state(item.id, body.get("state"), body.get("note", ""), request.ctx.actor,
                                  department=officer_department(request))
    notification = await request.app.ctx.notifier.dispatch(change)
    service.reload(case)
    result: dict[str, Any] = {"case": service.view(case, api_language(request), staff=True, plan=False)}
    if change is not None:
        result["notification"] = {"delivered": bool(notification and notification.delivered),
                                  "pending": notification is None}
    return json(result, ensure_ascii=False)


@bp.post("/cases/<number>/test")
@api_auth("officer", service=False)
async def mark_test(request: Request, number: str) -> HTTPResponse:
    body = json_body(request)
    _fields(body, ("test",))
    if not isinstance(body.get("test"), bool):
        raise CaseError("case_invalid", 400, [Problem("field_type_bool", field="test")])
    service = cases(request)
    case = service.mark_test(visible_case(request, service, number), body["test"], request.ctx.actor)
    return json({"case": service.view(case, api_language(request), staff=True, plan=False)}, ensure_ascii=False)


@bp.post("/cases/<number>/release")
@api_auth("officer", service=False)
async def release_joint_review(request: Request, number: str) -> HTTPResponse:
    body = json_body(request) if request.body and request.body.strip() else {}
    _fields(body, ("note",))
    if not isinstance(body.get("note", ""), str):
        raise CaseError("case_invalid", 400, [Problem("note_invalid", field="note")])
    service = cases(request)
    case = service.release_joint_review(visible_case(request, service, number), request.ctx.actor,
                                        body.get("note", ""))
    return json({"case": service.view(case, api_language(request), staff=True, plan=False)}, ensure_ascii=False)


@bp.get("/case-statistics")
@api_auth("officer", service=False)
async def statistics(request: Request) -> HTTPResponse:
    return json(cases(request).statistics())
