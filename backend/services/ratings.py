"""Ratings (好差评) and the follow-up (整改) of bad ratings; docs/ratings.md.

- `RatingService.ask`: one time a rating was asked (主动评价率), once per service event and
  conversation (a submitted case, a department's completed item, a handoff); asks by the user
  ("I want to rate the service") are always recorded.
- `RatingService.rate`: the rating (5 非常满意 .. 1 非常不满意); a bad one (1-2) opens one
  follow-up per rated department (the helpdesk for a conversation), due in working days
  (`followup_working_days` of the region profile, default 5; China's public holidays and
  make-up working days from chinese-calendar).
- `RatingService.change`: open -> verifying -> rectifying -> replied -> closed, and
  (open | verifying) -> disputed -> withdrawn (with a reason) or back to verifying. The reply
  (回访) is pushed to the rater through the notification sender (notifications.RatingReply).
- `rating_figures`, `monthly_rating_figures`: the statistics of the ratings, test cases excluded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.errors import ApiError
from backend.models import Case, Rating, RatingFollowUp, RatingFollowUpEvent, RatingRequest, utcnow
from backend.services.audit import AuditService
from backend.services.cases import CaseError, china_today, find_case, iso
from backend.services.notifications import REPLY_INTENT
from backend.services.outbound import OutboundService
from backend.services.regions import region_profile
from backend.services.workdays import add_working_days, is_working_day  # noqa: F401 - is_working_day: tests
from stores.redaction import redact_text

LEVELS = (5, 4, 3, 2, 1)
BAD_LEVELS = (1, 2)
TARGETS = ("case", "item", "conversation")
SOURCES = ("submission", "completion", "handoff", "user")
REASONS = (
    "took_too_long",
    "unclear_guidance",
    "materials_twice",
    "staff_attitude",
    "system_problem",
    "other",
)
HELPDESK = "helpdesk"  # the department of a conversation's rating
STATES = ("open", "verifying", "rectifying", "replied", "closed", "disputed", "withdrawn")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("verifying", "disputed"),
    "verifying": ("rectifying", "disputed"),
    "rectifying": ("replied",),
    "replied": ("closed",),
    "disputed": ("withdrawn", "verifying"),
    "closed": (),
    "withdrawn": (),
}
ANSWERED = ("replied", "closed")  # the rater was told
FINISHED = ("replied", "closed", "withdrawn")  # never overdue
DEFAULT_WORKING_DAYS = 5
MAX_NOTE = 2000
MAX_COMMENT = 500


class RatingError(CaseError):
    """A refused rating or follow-up change (code and message in the caller's language; "@key"
    parameters are state names)."""


def followup_working_days(knowledge_dir: Path, region: str) -> int:
    """`ratings: {followup_working_days: N}` of knowledge/regions/<region>.yml, else 5."""
    try:
        profile = region_profile(knowledge_dir, region)
    except ApiError:
        return DEFAULT_WORKING_DAYS
    value = (profile.get("ratings") or {}).get("followup_working_days")
    return value if isinstance(value, int) and 1 <= value <= 60 else DEFAULT_WORKING_DAYS


def is_overdue(followup: RatingFollowUp, today: date | None = None) -> bool:
    return followup.state not in FINISHED and followup.due_date < (today or china_today())


@dataclass(frozen=True)
class Target:
    type: str
    case: Case | None
    departments: list[str]
    event_key: str | None


class RatingService:
    def __init__(self, session: Session, settings: Any) -> None:
        self.session = session
        self.settings = settings

    # --- asking and rating ------------------------------------------------------------------------
    def target(
        self,
        conversation_id: str,
        target_type: str,
        case_number: str | None,
        department: str | None,
        source: str,
        event: str | None,
    ) -> Target:
        if target_type == "conversation":
            key = f"handoff:{event}" if source == "handoff" and event else None
            return Target("conversation", None, [HELPDESK], key)
        case = find_case(self.session, case_number or "")
        if case is None or case.conversation_id != conversation_id:
            raise RatingError("rating_case_not_found", 404)  # another conversation's case: not disclosed
        departments = [i.department for i in case.case_items]
        if target_type == "item":
            if department not in departments:
                raise RatingError("rating_case_not_found", 404)
            return Target("item", case, [str(department)], f"item:{case.number}:{department}")
        return Target("case", case, departments, f"case:{case.number}")

    def ask(
        self,
        *,
        conversation_id: str,
        channel: str | None,
        language: str,
        target_type: str,
        source: str,
        case_number: str | None = None,
        department: str | None = None,
        event: str | None = None,
    ) -> tuple[RatingRequest, bool]:
        """The request (new: True), or the earlier one of the same event (False: do not ask again)."""
        target = self.target(conversation_id, target_type, case_number, department, source, event)
        if target.event_key is not None:
            earlier = self.session.execute(
                select(RatingRequest).where(
                    RatingRequest.conversation_id == conversation_id,
                    RatingRequest.event_key == target.event_key,
                )
            ).scalar_one_or_none()
            if earlier is not None:
                return earlier, False
        row = RatingRequest(
            conversation_id=conversation_id,
            channel=channel,
            language=language,
            target_type=target.type,
            case_id=target.case.id if target.case else None,
            departments=target.departments,
            source=source,
            event_key=target.event_key,
            created_at=utcnow(),
        )
        self.session.add(row)
        self.session.commit()
        return row, True

    def rate(
        self,
        *,
        request_id: int,
        conversation_id: str,
        level: int,
        reason: str | None = None,
        comment: str | None = None,
        today: date | None = None,
    ) -> Rating:
        """Store the rating of one request; a bad one opens its follow-ups."""
        request = self.session.get(RatingRequest, request_id)
        if request is None or request.conversation_id != conversation_id:
            raise RatingError("rating_request_not_found", 404)
        if self.session.execute(select(Rating.id).where(Rating.request_id == request_id)).first():
            raise RatingError("rating_already_given", 409)
        if level not in LEVELS:
            raise RatingError("rating_level_invalid", 400)
        rating = Rating(
            request_id=request.id,
            conversation_id=conversation_id,
            channel=request.channel,
            language=request.language,
            target_type=request.target_type,
            case_id=request.case_id,
            departments=list(request.departments or []),
            level=level,
            reason=reason if level in BAD_LEVELS else None,
            # masked again here: whatever a caller sends, no raw phone number or ID is kept
            comment=redact_text(comment or "")[:MAX_COMMENT] or None if level in BAD_LEVELS else None,
            created_at=utcnow(),
        )
        self.session.add(rating)
        self.session.flush()
        if level in BAD_LEVELS:
            start = today or china_today()
            due = add_working_days(
                start, followup_working_days(self.settings.knowledge_dir, self.settings.region)
            )
            for department in rating.departments or [HELPDESK]:
                followup = RatingFollowUp(
                    rating_id=rating.id,
                    department=department,
                    state="open",
                    due_date=due,
                    reply_delivered=False,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
                self.session.add(followup)
                self.session.flush()
                self.session.add(
                    RatingFollowUpEvent(
                        followup_id=followup.id, from_state=None, state="open", note="", actor="system"
                    )
                )
        self.session.commit()
        return rating

    # --- follow-up ---------------------------------------------------------------------------------
    def followups(
        self,
        *,
        departments: Iterable[str] | None = None,
        state: str | None = None,
        overdue: bool | None = None,
        level: int | None = None,
        today: date | None = None,
        limit: int = 500,
    ) -> list[RatingFollowUp]:
        """Newest first; `departments` None: every department."""
        query = select(RatingFollowUp).join(Rating, Rating.id == RatingFollowUp.rating_id)
        if departments is not None:
            query = query.where(RatingFollowUp.department.in_(list(departments)))
        if state:
            query = query.where(RatingFollowUp.state == state)
        if level:
            query = query.where(Rating.level == level)
        if overdue is not None:
            late = (RatingFollowUp.due_date < (today or china_today())) & RatingFollowUp.state.not_in(
                FINISHED
            )
            query = query.where(late if overdue else ~late)
        query = query.order_by(RatingFollowUp.id.desc()).limit(max(1, min(limit, 1000)))
        return list(self.session.execute(query).unique().scalars())

    def get(self, followup_id: int, departments: Iterable[str] | None = None) -> RatingFollowUp:
        found = self.session.get(RatingFollowUp, followup_id)
        if found is None or (departments is not None and found.department not in set(departments)):
            raise RatingError("followup_not_found", 404)  # other departments' items are not disclosed
        return found

    def events(self, followup: RatingFollowUp) -> list[RatingFollowUpEvent]:
        return list(
            self.session.execute(
                select(RatingFollowUpEvent)
                .where(RatingFollowUpEvent.followup_id == followup.id)
                .order_by(RatingFollowUpEvent.id)
            ).scalars()
        )

    def change(
        self,
        followup: RatingFollowUp,
        state: str,
        actor: str,
        *,
        note: str = "",
        reason: str = "",
        reply: str = "",
    ) -> Any:
        """One transition (audited). Returns the RatingReply to push when the state is `replied`."""
        from backend.services.notifications import RatingReply

        note, reason, reply = (note or "").strip(), (reason or "").strip(), (reply or "").strip()
        if state not in STATES:
            raise RatingError("followup_state_invalid", 400)
        if state not in TRANSITIONS[followup.state]:
            raise RatingError(
                "followup_transition_invalid",
                409,
                current=f"@backend.rt_state_{followup.state}",
                state=f"@backend.rt_state_{state}",
            )
        if max(len(note), len(reason), len(reply)) > MAX_NOTE:
            raise RatingError("followup_note_too_long", 400, max=MAX_NOTE)
        if state == "withdrawn" and not reason:
            raise RatingError("followup_reason_required", 400)
        if state == "replied" and not reply:
            raise RatingError("followup_reply_required", 400)
        previous = followup.state
        followup.state = state
        followup.updated_at = utcnow()
        if state == "withdrawn":
            followup.withdrawn_reason = reason
        push = None
        if state == "replied":
            followup.reply = reply
            followup.replied_at = utcnow()
            rating = followup.rating
            push = RatingReply(
                followup_id=followup.id,
                case_id=rating.case_id,
                conversation_id=rating.conversation_id,
                channel=rating.channel,
                language=rating.language,
                department=followup.department,
                reply=reply,
            )
        self.session.add(
            RatingFollowUpEvent(
                followup_id=followup.id,
                from_state=previous,
                state=state,
                note=note or reason or reply,
                actor=(actor or "?")[:64],
                created_at=utcnow(),
            )
        )
        AuditService(self.session).record(
            actor,
            "rating_followup",
            followup.rating.case_id,
            {"followup": followup.id, "from": previous, "to": state, "department": followup.department},
        )
        self.session.commit()
        return push

    def case_of(self, rating: Rating) -> Case | None:
        return self.session.get(Case, rating.case_id) if rating.case_id else None

    def record_view(self, followup: RatingFollowUp, actor: str) -> None:
        """A staff member opened the follow-up (the rated case or conversation, masked): audited."""
        AuditService(self.session).record(
            actor,
            "rating_view",
            followup.rating.case_id,
            {"followup": followup.id, "department": followup.department},
        )
        self.session.commit()

    def record_reply(self, followup_id: int, delivered: bool, error: str | None) -> None:
        followup = self.session.get(RatingFollowUp, followup_id)
        if followup is not None:
            followup.reply_delivered = delivered
            followup.reply_error = None if delivered else (error or "pending")[:200]
            self.session.commit()

    def view(self, followup: RatingFollowUp, today: date | None = None) -> dict[str, Any]:
        rating = followup.rating
        case = self.session.get(Case, rating.case_id) if rating.case_id else None
        return {
            "id": followup.id,
            "department": followup.department,
            "state": followup.state,
            "due_date": followup.due_date.isoformat(),
            "overdue": is_overdue(followup, today),
            "transitions": list(TRANSITIONS[followup.state]),
            "reply": followup.reply,
            "reply_delivered": followup.reply_delivered,
            "withdrawn_reason": followup.withdrawn_reason,
            "created_at": iso(followup.created_at),
            "rating": {
                "id": rating.id,
                "level": rating.level,
                "reason": rating.reason,
                "comment": rating.comment,
                "target": rating.target_type,
                "case_number": case.number if case else None,
                "channel": rating.channel,
                "language": rating.language,
                "created_at": iso(rating.created_at),
            },
            "events": [
                {
                    "from": e.from_state,
                    "state": e.state,
                    "note": e.note,
                    "actor": e.actor,
                    "at": iso(e.created_at),
                }
                for e in self.events(followup)
            ],
        }


def rating_view(rating: Rating, followups: list[RatingFollowUp]) -> dict[str, Any]:
    return {
        "id": rating.id,
        "level": rating.level,
        "bad": rating.level in BAD_LEVELS,
        "reason": rating.reason,
        "followups": [
            {"id": f.id, "department": f.department, "due_date": f.due_date.isoformat()} for f in followups
        ],
    }


def followups_of(session: Session, rating: Rating) -> list[RatingFollowUp]:
    return list(
        session.execute(
            select(RatingFollowUp).where(RatingFollowUp.rating_id == rating.id).order_by(RatingFollowUp.id)
        )
        .unique()
        .scalars()
    )


# --- statistics ------------------------------------------------------------------------------------
def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _real(model: Any) -> Any:
    """Rows of no case, or of a case that is not a test case (测试件 excluded)."""
    return or_(model.case_id.is_(None), model.case_id.in_(select(Case.id).where(Case.is_test.is_(False))))


def _between(column: Any, start: date, end: date) -> Any:
    low = datetime.combine(start, datetime.min.time())
    high = datetime.combine(end + timedelta(days=1), datetime.min.time())
    return (column >= low) & (column < high)


def _filtered(
    session: Session,
    model: Any,
    start: date,
    end: date,
    department: str | None,
    item: str | None,
    channel: str | None,
    language: str | None,
) -> list[Any]:
    query = select(model).where(_between(model.created_at, start, end), _real(model))
    if channel:
        query = query.where(model.channel == channel)
    if language:
        query = query.where(model.language == language)
    rows = list(session.execute(query).unique().scalars())
    if department:
        rows = [r for r in rows if department in (r.departments or [])]
    if item:
        items = _case_items(session, {r.case_id for r in rows if r.case_id})
        rows = [r for r in rows if r.case_id and item in items.get(r.case_id, ())]
    return rows


def _case_items(session: Session, case_ids: set[int]) -> dict[int, list[str]]:
    if not case_ids:
        return {}
    return {
        cid: list(items or [])
        for cid, items in session.execute(select(Case.id, Case.items).where(Case.id.in_(case_ids)))
    }


def rating_figures(
    session: Session,
    start: date,
    end: date,
    *,
    department: str | None = None,
    item: str | None = None,
    channel: str | None = None,
    language: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The ratings given from `start` to `end` (UTC days, inclusive), test cases excluded:
    count, by level, 满意率 (3-5 / all), 好评率 (4-5 / all), 主动评价率 (rated requests / requests
    asked in the period), bad ratings, and over their follow-up items (withdrawn ones left out;
    with `department`, only that department's): rectified on time (replied by the due date /
    items replied or past due) and the reply rate (items replied / items)."""
    ratings = _filtered(session, Rating, start, end, department, item, channel, language)
    requests = _filtered(session, RatingRequest, start, end, department, item, channel, language)
    levels = Counter(r.level for r in ratings)
    count = len(ratings)
    rated_requests = {
        rid
        for (rid,) in session.execute(
            select(Rating.request_id).where(Rating.request_id.in_([r.id for r in requests] or [-1]))
        )
    }
    bad = [r for r in ratings if r.level in BAD_LEVELS]
    followups: list[RatingFollowUp] = []
    if bad:
        followups = list(
            session.execute(select(RatingFollowUp).where(RatingFollowUp.rating_id.in_([r.id for r in bad])))
            .unique()
            .scalars()
        )
    followups = [
        f for f in followups if f.state != "withdrawn" and (not department or f.department == department)
    ]
    day = today or china_today()
    answered = [f for f in followups if f.state in ANSWERED]
    on_time = [f for f in answered if f.replied_at is not None and f.replied_at.date() <= f.due_date]
    judged = [f for f in followups if f.state in ANSWERED or f.due_date < day]
    return {
        "count": count,
        "by_level": {str(level): levels.get(level, 0) for level in (1, 2, 3, 4, 5)},
        "satisfaction_rate": _rate(sum(levels[lv] for lv in (3, 4, 5)), count),
        "good_rate": _rate(levels[4] + levels[5], count),
        "active_rate": _rate(len(rated_requests), len(requests)),
        "bad_count": len(bad),
        "rectified_on_time_rate": _rate(len(on_time), len(judged)),
        "reply_rate": _rate(len(answered), len(followups)),
    }


def monthly_rating_figures(session: Session, year: int) -> list[dict[str, Any]]:
    """Per month and rated department of `year` (test cases excluded), sorted:
    {"month": "2026-10", "department", "count", "by_level": {"1".."5"}, "bad", "rectified"}
    where `rectified` counts that department's follow-ups of those bad ratings that were replied
    (or closed) by their due date."""
    ratings = _filtered(session, Rating, date(year, 1, 1), date(year, 12, 31), None, None, None, None)
    followups: dict[tuple[int, str], RatingFollowUp] = {}
    bad_ids = [r.id for r in ratings if r.level in BAD_LEVELS]
    if bad_ids:
        for f in (
            session.execute(select(RatingFollowUp).where(RatingFollowUp.rating_id.in_(bad_ids)))
            .unique()
            .scalars()
        ):
            followups[(f.rating_id, f.department)] = f
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "by_level": {str(lv): 0 for lv in (1, 2, 3, 4, 5)}, "bad": 0, "rectified": 0}
    )
    for rating in ratings:
        month = rating.created_at.strftime("%Y-%m")
        for department in rating.departments or [HELPDESK]:
            row = rows[(month, department)]
            row["count"] += 1
            row["by_level"][str(rating.level)] += 1
            if rating.level in BAD_LEVELS:
                row["bad"] += 1
                f = followups.get((rating.id, department))
                if (
                    f is not None
                    and f.state in ANSWERED
                    and f.replied_at is not None
                    and f.replied_at.date() <= f.due_date
                ):
                    row["rectified"] += 1
    return [{"month": m, "department": d, **rows[(m, d)]} for m, d in sorted(rows)]


async def tell_rater(notifier: OutboundService, service: RatingService, push: Any) -> Any:
    """The one place the reply (回访) leaves: the notification sender's push to Rasa
    (EXTERNAL_rating_reply, output_channel=latest); the follow-up keeps whether it arrived."""
    if push is None:
        return None
    # Not tied to the case's row: a reply that cannot be delivered is kept on the follow-up,
    # and a later case update must not mark it as covered.
    notification = await notifier.deliver_intent(
        push.conversation_id,
        REPLY_INTENT,
        push.payload()["entities"],
        push.language,
        channel=push.channel,
        department=push.department,
    )
    if notification is None:
        service.record_reply(push.followup_id, False, "pending")
    else:
        service.record_reply(push.followup_id, bool(notification.delivered), notification.error)
    return notification
