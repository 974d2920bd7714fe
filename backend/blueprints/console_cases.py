"""Officer console for cases (server-rendered; officer and admin).

/console/cases lists the items of the officer's department (users.department; admins see
every department; cases in joint review are visible to all), /console/cases/{number} shows
one case with personal data masked; revealing it, changing an item's state and marking
a test case are POSTs (CSRF), each audited by the services layer.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.console import (
    actor,
    cases,
    department_name,
    department_of,
    error_page,
    notifier,
    page,
    service_names,
    status_checks,
    timeline,
)
from backend.errors import ApiError
from backend.i18n import t
from backend.models import Case
from backend.services.cases import (
    ITEM_STATES,
    MAX_NOTE,
    TRANSITIONS,
    application,
    catalogue,
    local_text,
    normalise_number,
)
from backend.services.outbound import undelivered
from backend.web import console_auth, console_language, db, discard

log = logging.getLogger("backend.console")

bp = Blueprint("console_cases", url_prefix="/console/cases")
OFFICERS = ("officer",)
KINDS = {"real": False, "test": True}


# --- pages ---------------------------------------------------------------------------------
@bp.get("/")
@console_auth(*OFFICERS)
async def list_items(request: Request) -> HTTPResponse:
    lang = console_language(request)
    department = department_of(request)
    state = request.args.get("state") if request.args.get("state") in ITEM_STATES else ""
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else ""
    q = (request.args.get("q") or "").strip()[:40]
    items = cases(request).list_items(department, state or None, KINDS.get(kind), number=q or None)
    rows = [
        {
            "item_id": item.id,
            "number": item.case.number,
            "department": item.department,
            "department_name": department_name(item.department, lang),
            "services": service_names(list(item.services), lang),
            "state": item.state,
            "is_test": item.case.is_test,
            "joint_review": item.case.joint_review,
            "created_at": item.case.created_at,
            "updated_at": item.updated_at,
        }
        for item in items
    ]
    scope = "all" if department is None else ("department" if department else "none")
    return page(
        request,
        "console/cases_list.html",
        rows=rows,
        q=q,
        state_filter=state,
        kind_filter=kind,
        item_states=ITEM_STATES,
        scope=scope,
        department_name=department_name(department, lang) if department else "",
    )


def _visible_case(request: Request, number: str) -> Case | HTTPResponse:
    """The case when this user may see it, else the error page to answer with."""
    lang = console_language(request)
    case = cases(request).get_case(number)
    if case is None:
        return error_page(
            request, 404, "not_found", t("cc_case_not_found", lang, number=normalise_number(number))
        )
    if not cases(request).can_see(case, department_of(request)):
        # As the API does: another department's case is not disclosed.
        return error_page(request, 404, "not_found", t("cc_case_not_found", lang, number=case.number))
    return case


def _detail(
    request: Request,
    case: Case,
    *,
    status: int = 200,
    revealed: Mapping[str, Any] | None = None,
    error: str = "",
    error_item: int | None = None,
    form_state: str = "",
    form_note: str = "",
    done: str = "",
    done_state: str = "",
) -> HTTPResponse:
    lang = console_language(request)
    service = cases(request)
    department = department_of(request)
    try:
        cat = catalogue()
        written = application().display
    except Exception:
        log.exception("application catalogue unavailable")
        cat, written = None, None
    fields = cat.fields if cat is not None else {}
    answers = []
    stored = service.answers(case)
    allowed = service.visible_fields(case, department)  # a shared case: only this department's part
    if allowed is not None:
        stored = {k: v for k, v in stored.items() if k in allowed}
    for key in [k for k in fields if k in stored] + [k for k in stored if k not in fields]:
        value = stored[key]  # shown masked unless revealed below
        if value is None:
            continue
        spec = fields.get(key)
        clear = revealed is not None and key in revealed
        try:
            raw = revealed[key] if revealed is not None and clear else value
            shown = written(key, raw, lang, reveal=clear, cat=cat) if written else "****"
        except Exception:  # one odd stored value must not hide the case
            log.exception("answer %s cannot be displayed", key)
            shown = "****"
        answers.append(
            {
                "key": key,
                "label": local_text(getattr(spec, "label", None), lang) or key if spec else key,
                "value": shown,
                "sensitive": bool(getattr(spec, "sensitive", False)),
                "clear": clear,
            }
        )
    events = timeline(service.events(case))
    items = []
    for item in case.case_items:
        mine = department is None or item.department == department
        items.append(
            {
                "id": item.id,
                "department": item.department,
                "department_name": department_name(item.department, lang),
                "services": service_names(list(item.services), lang),
                "state": item.state,
                "timeline": events.get(item.id, []),
                "mine": mine,
                "transitions": list(TRANSITIONS.get(item.state, ())),
            }
        )
    case_view = {
        "number": case.number,
        "state": case.state,
        "is_test": case.is_test,
        "joint_review": case.joint_review,
        "held": case.joint_review,
        "created_at": case.created_at,
        "language": case.language,
        "channel": case.channel,
        "role": case.role,
        "events": events.get(None, []),
        # Repeated wrong passport numbers locked the public checks: someone may be guessing.
        "status_locked_until": status_checks(request).locked_until(case.number),
        # Case updates that have not reached the applicant (the outbound path's retries).
        "undelivered": [
            {
                "id": n.id,
                "at": n.created_at,
                "state": n.case_state or "",
                "department": department_name(n.department, lang) if n.department else "",
                "channel": n.channel or "",
                "reason": n.error or "",
                "attempts": n.attempts or 0,
                "next": n.next_attempt_at,
            }
            for n in undelivered(db(request), case.id)
        ],
    }
    return page(
        request,
        "console/cases_detail.html",
        status=status,
        no_store=True,
        case=case_view,
        answers=answers,
        revealed=revealed is not None,
        items=items,
        error=error,
        error_item=error_item,
        form_state=form_state,
        form_note=form_note,
        done=done,
        done_state=done_state,
        note_max=MAX_NOTE,
    )


@bp.get("/<number>")
@console_auth(*OFFICERS)
async def case_detail(request: Request, number: str) -> HTTPResponse:
    found = _visible_case(request, number)
    if isinstance(found, HTTPResponse):
        return found
    cases(request).record_view(found, actor(request))
    done = request.args.get("done", "")
    done_state = request.args.get("s", "")
    return _detail(
        request,
        found,
        done=done if done in ("state", "test", "real", "release") else "",
        done_state=done_state if done_state in ITEM_STATES else "",
    )


@bp.post("/<number>/reveal")
@console_auth(*OFFICERS)
async def reveal(request: Request, number: str) -> HTTPResponse:
    found = _visible_case(request, number)
    if isinstance(found, HTTPResponse):
        return found
    values = cases(request).reveal(found, actor(request), department_of(request))
    return _detail(request, found, revealed=values)


@bp.post("/<number>/items/<item_id:int>/state")
@console_auth(*OFFICERS)
async def change_state(request: Request, number: str, item_id: int) -> HTTPResponse:
    lang = console_language(request)
    found = _visible_case(request, number)
    if isinstance(found, HTTPResponse):
        return found
    if not any(item.id == item_id for item in found.case_items):
        return error_page(request, 404, "not_found", t("cc_case_not_found", lang, number=found.number))
    form = request.form or {}
    new_state = (form.get("new_state") or "").strip()
    note = form.get("note") or ""
    service = cases(request)
    try:
        update = service.change_state(item_id, new_state, note, actor(request), department_of(request))
    except ApiError as exc:
        discard(request)
        if exc.status == 404:
            raise
        reloaded = service.get_case(found.number)
        assert reloaded is not None  # found above; the rollback undid only this change
        return _detail(
            request,
            reloaded,
            status=exc.status,
            error=exc.message(lang),
            error_item=item_id,
            form_state=new_state,
            form_note=note,
        )
    if update is not None:
        try:
            await notifier(request).dispatch(update)
        except Exception:  # a state change never fails because the push did
            log.exception("case update push failed")
    return redirect(f"/console/cases/{found.number}?done=state&s={new_state}#item-{item_id}")


@bp.post("/<number>/test")
@console_auth(*OFFICERS)
async def mark_test(request: Request, number: str) -> HTTPResponse:
    found = _visible_case(request, number)
    if isinstance(found, HTTPResponse):
        return found
    is_test = (request.form or {}).get("test") == "1"
    cases(request).mark_test(found, is_test, actor(request))
    return redirect(f"/console/cases/{found.number}?done={'test' if is_test else 'real'}")
