"""Console for the follow-up of bad ratings (/console/ratings; docs/ratings.md).

Officers see their department's items, helpdesk staff the helpdesk's, managers and admins all
(managers read only). The detail shows the rating, the rated application with personal data
masked or the rated conversation (read from Rasa's tracker, masked again with the tracker
store's redaction), the timeline, and the allowed next states with notes (POST, CSRF, audited);
`replied` tells the rater through Rasa (services/ratings.tell_rater).
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

import aiohttp
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.console import actor, cases, department_name, error_page, page
from backend.errors import ApiError
from backend.i18n import t
from backend.services.ratings import HELPDESK, STATES, RatingError, RatingService, is_overdue, tell_rater
from backend.web import console_auth, console_language, current_login, db, discard
from stores.redaction import redact_text

log = logging.getLogger("backend.console")

bp = Blueprint("console_ratings", url_prefix="/console/ratings")
READERS = ("officer", "helpdesk", "manager")
MAX_TURNS = 40


def ratings(request: Request) -> RatingService:
    return RatingService(db(request), request.app.ctx.settings)


def visible(request: Request) -> list[str] | None:
    login = current_login(request)
    if login is None or login.user.role in ("admin", "manager"):
        return None
    if login.user.role == "helpdesk":
        return [HELPDESK]
    return [login.user.department or ""]


def dept_name(key: str, lang: str) -> str:
    return t("rt_department_helpdesk", lang) if key == HELPDESK else department_name(key, lang)


@bp.get("/")
@console_auth(*READERS)
async def list_followups(request: Request) -> HTTPResponse:
    lang = console_language(request)
    departments = visible(request)
    state = request.args.get("state") if request.args.get("state") in STATES else ""
    overdue = request.args.get("overdue") if request.args.get("overdue") in ("yes", "no") else ""
    chosen = (request.args.get("department") or "").strip()[:64]
    scope = departments
    if chosen:
        scope = [chosen] if departments is None or chosen in departments else []
    service = ratings(request)
    found = service.followups(
        departments=scope, state=state or None, overdue={"yes": True, "no": False}.get(overdue)
    )
    rows = []
    for f in found:
        case = service.case_of(f.rating)
        rows.append(
            {
                "id": f.id,
                "level": f.rating.level,
                "reason": f.rating.reason,
                "department": f.department,
                "department_name": dept_name(f.department, lang),
                "state": f.state,
                "due_date": f.due_date,
                "overdue": is_overdue(f),
                "target": f.rating.target_type,
                "number": case.number if case else "",
                "rated_at": f.rating.created_at,
            }
        )
    try:
        from backend.services.cases import catalogue

        all_departments = [*catalogue().departments, HELPDESK]
    except Exception:
        all_departments = [HELPDESK]
    return page(
        request,
        "console/ratings_list.html",
        rows=rows,
        states=STATES,
        state_filter=state,
        overdue_filter=overdue,
        department_filter=chosen,
        departments=[
            (d, dept_name(d, lang)) for d in all_departments if departments is None or d in departments
        ],
        scope_all=departments is None,
        scope_name=", ".join(dept_name(d, lang) for d in departments or []),
    )


async def conversation_turns(request: Request, conversation_id: str) -> list[dict[str, str]] | None:
    """The user's and the assistant's texts from Rasa's tracker, masked; None when unreachable."""
    settings = request.app.ctx.settings
    query = {"token": settings.rasa_token} if settings.rasa_token else {}
    url = f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}/tracker?{urlencode(query)}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
            async with http.get(url) as response:
                if response.status != 200:
                    return None
                tracker = await response.json(content_type=None)
    except Exception:  # Rasa down or slow: the page says so
        return None
    turns = []
    for event in (tracker or {}).get("events") or []:
        if event.get("event") in ("user", "bot") and event.get("text"):
            text = str(event["text"])
            if text.startswith("/") or (event.get("parse_data") or {}).get("intent", {}).get(
                "name", ""
            ).startswith("EXTERNAL_"):
                continue
            turns.append({"speaker": event["event"], "text": redact_text(text)})
    return turns[-MAX_TURNS:]


async def _detail(
    request: Request, followup_id: int, *, status: int = 200, error: str = "", done: str = ""
) -> HTTPResponse:
    lang = console_language(request)
    service = ratings(request)
    try:
        followup = service.get(followup_id, visible(request))
    except ApiError:
        return error_page(request, 404, "not_found", t("followup_not_found", lang))
    rating = followup.rating
    case = service.case_of(rating)
    masked: dict[str, str] = {}
    turns = None
    if case is not None:
        try:
            masked = cases(request).masked_answers(case, lang)
        except Exception:  # broken form data must not hide the follow-up
            log.exception("masked answers unavailable")
    else:
        turns = await conversation_turns(request, rating.conversation_id)
    service.record_view(followup, actor(request))
    login = current_login(request)
    can_change = login is not None and login.user.role in ("officer", "helpdesk", "admin")
    if case is None:
        target = t("rt_target_conversation", lang)
    elif rating.target_type == "item":
        target = t(
            "rt_target_item", lang, number=case.number, department=dept_name(followup.department, lang)
        )
    else:
        target = t("rt_target_case", lang, number=case.number)
    return page(
        request,
        "console/ratings_detail.html",
        status=status,
        no_store=True,
        f=followup,
        rating=rating,
        target=target,
        department=dept_name(followup.department, lang),
        overdue=is_overdue(followup),
        events=service.events(followup),
        masked=masked,
        turns=turns,
        is_case=case is not None,
        transitions=service.view(followup)["transitions"] if can_change else [],
        read_only=not can_change,
        error=error,
        done=done,
    )


@bp.get("/<followup_id:int>")
@console_auth(*READERS)
async def detail(request: Request, followup_id: int) -> HTTPResponse:
    return await _detail(request, followup_id)


@bp.post("/<followup_id:int>/state")
@console_auth("officer", "helpdesk")
async def change(request: Request, followup_id: int) -> HTTPResponse:
    lang = console_language(request)
    form = request.form or {}
    service = ratings(request)
    try:
        followup = service.get(followup_id, visible(request))
        push = service.change(
            followup,
            (form.get("state") or "").strip(),
            actor(request),
            note=form.get("note") or "",
            reason=form.get("reason") or "",
            reply=form.get("reply") or "",
        )
    except RatingError as exc:
        discard(request)
        return await _detail(request, followup_id, status=exc.status, error=exc.message(lang))
    await tell_rater(request.app.ctx.notifier, service, push)
    return redirect(f"/console/ratings/{followup_id}?done=1")
