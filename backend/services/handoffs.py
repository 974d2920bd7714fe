"""Human handoff of a conversation to helpdesk staff (issue #14, docs/handoff.md).

One conversation, one Rasa tracker: the backend keeps only who has the conversation and
what passed while a person had it. States: waiting -> active -> released | closed, and
waiting -> cancelled (the user left the queue) | closed (reason user_left: the user went quiet). A claim is
one conditional UPDATE, so two staff clicking at once cannot both win. Every change is
audited (action "handoff"). Telling the user and pausing/resuming Rasa is the caller's, via
the one outbound path (`tell_user`).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.errors import ApiError
from backend.models import Handoff, HandoffMessage, User, utcnow
from backend.services.audit import AuditService
from backend.services.cases import CaseError, iso
from backend.services.office_hours import OfficeHours, office_hours

OPEN = ("waiting", "active")
ENDED = ("released", "closed", "cancelled")
STATES = OPEN + ENDED
CLOSE_REASONS = ("answered", "user_left", "forwarded_to_department", "out_of_scope", "abusive")
MAX_TEXT = 4000
DEFAULT_WAIT_MINUTES = 3.0  # until there are recent claims to learn from
RECENT_CLAIMS = 20
STAFF_ROLES = ("helpdesk", "admin")
PRESENCE_STALE = timedelta(seconds=90)  # a console that stopped streaming this long ago is away
# The intents the assistant answers (domain.yml); the backend triggers them through Rasa.
INTENT_QUEUE = "EXTERNAL_handoff_queue"
INTENT_CLAIMED = "EXTERNAL_handoff_claimed"
INTENT_ENDED = "EXTERNAL_handoff_ended"


@dataclass(frozen=True)
class UserNotice:
    """What the user is to be told: an EXTERNAL_* intent with its entities; `resume` first
    lets the bot answer again (Rasa's `resume` event)."""

    conversation_id: str
    language: str
    intent: str
    entities: dict[str, Any]
    resume: bool = False


class HandoffService:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    # --- reading ------------------------------------------------------------------------------
    def get(self, handoff_id: int) -> Handoff:
        row = self.session.get(Handoff, handoff_id)
        if row is None:
            raise ApiError("handoff_not_found", 404)
        return row

    def open_for(self, conversation_id: str) -> Handoff | None:
        return self.session.execute(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id, Handoff.state.in_(OPEN))
            .order_by(Handoff.id.desc())
            .limit(1)
        ).scalar()

    def find(self, state: str | None = None, claimed_by: str | None = None) -> list[Handoff]:
        query = select(Handoff)
        if state == "closed":  # every ended handoff of the last 24 hours ("closed today")
            query = query.where(Handoff.state.in_(ENDED), Handoff.ended_at >= utcnow() - timedelta(hours=24))
        elif state:
            query = query.where(Handoff.state == state)
        if claimed_by:
            query = query.where(Handoff.claimed_by == claimed_by)
        order = Handoff.created_at if state == "waiting" else Handoff.id.desc()
        return list(self.session.execute(query.order_by(order).limit(500)).scalars())

    def position(self, row: Handoff) -> int | None:
        """1 for the first in the queue; None once a person has it."""
        if row.state != "waiting":
            return None
        ahead = self.session.execute(
            select(func.count(Handoff.id)).where(Handoff.state == "waiting", Handoff.id < row.id)
        ).scalar()
        return int(ahead or 0) + 1

    def wait_minutes(self, position: int) -> int:
        """The median wait of the last claims times the position, shared among the staff marked
        available in the console (at least one), in whole minutes (at least 1)."""
        rows = self.session.execute(
            select(Handoff.created_at, Handoff.claimed_at)
            .where(Handoff.claimed_at.is_not(None))
            .order_by(Handoff.claimed_at.desc())
            .limit(RECENT_CLAIMS)
        ).all()
        waits = [(claimed - created).total_seconds() / 60 for created, claimed in rows]
        each = statistics.median(waits) if waits else DEFAULT_WAIT_MINUTES
        staff = max(1, available_staff(self.session))
        return max(1, math.ceil(each * max(position, 1) / staff))

    def hours(self) -> OfficeHours:
        """When staff answer (HELPDESK_HOURS, else the region profile's hours)."""
        settings = self.settings
        return office_hours(settings.helpdesk_hours, settings.knowledge_dir, settings.region)

    def display_name(self, username: str | None) -> str | None:
        """What users see of a staff member: the display name, never the username."""
        if not username:
            return None
        user = self.session.execute(select(User).where(User.username == username)).scalar()
        return (user.display_name or None) if user is not None else None

    def messages(self, row: Handoff) -> list[HandoffMessage]:
        return list(
            self.session.execute(
                select(HandoffMessage).where(HandoffMessage.handoff_id == row.id).order_by(HandoffMessage.id)
            ).scalars()
        )

    def views(self, rows: list[Handoff]) -> list[dict[str, Any]]:
        """The rows' views with the queue positions from one query (not one per row)."""
        waiting = self.session.execute(
            select(Handoff.id).where(Handoff.state == "waiting").order_by(Handoff.id)
        ).scalars()
        positions = {handoff_id: number for number, handoff_id in enumerate(waiting, start=1)}
        return [self.view(row, position=positions.get(row.id)) for row in rows]

    def view(self, row: Handoff, *, with_messages: bool = False, position: int | None = -1) -> dict[str, Any]:
        """`position` -1: look it up (one row); the list passes what `views` found."""
        out: dict[str, Any] = {
            "id": row.id,
            "conversation_id": row.conversation_id,
            "channel": row.channel,
            "language": row.language,
            "state": row.state,
            "position": self.position(row) if position == -1 else position,
            "created_at": iso(row.created_at),
            "claimed_by": row.claimed_by,
            "claimed_at": iso(row.claimed_at),
            "ended_at": iso(row.ended_at),
            "close_reason": row.close_reason,
            "topic": row.topic,
        }
        if with_messages:
            said = self.messages(row)
            out["messages"] = [message_view(m) for m in said if m.sender != "note"]
            out["notes"] = [message_view(m) for m in said if m.sender == "note"]
        return out

    # --- changes --------------------------------------------------------------------------------
    def _audit(self, actor: str, row: Handoff, change: str, **detail: Any) -> None:
        AuditService(self.session).record(
            actor, "handoff", detail={"handoff": row.id, "change": change, "state": row.state, **detail}
        )

    def request(
        self,
        conversation_id: str,
        language: str,
        channel: str | None,
        topic: str | None,
        transcript: list[dict[str, Any]] | None = None,
    ) -> tuple[Handoff, bool]:
        """The user asked for a person: their open handoff (created False) or a new waiting one."""
        row = self.open_for(conversation_id)
        if row is not None:
            return row, False
        now = utcnow()
        row = Handoff(
            conversation_id=conversation_id,
            channel=channel,
            language=language,
            state="waiting",
            topic=topic,
            created_at=now,
            last_activity_at=now,
        )
        self.session.add(row)
        self.session.flush()
        for turn in (transcript or [])[-50:]:
            sender = "user" if turn.get("sender") == "user" else "bot"
            text = str(turn.get("text") or "")[:MAX_TEXT]
            if text:
                self.session.add(HandoffMessage(handoff_id=row.id, sender=sender, text=text, created_at=now))
        self._audit("service", row, "requested")
        self.session.commit()
        return row, True

    def queue_notice(self, row: Handoff) -> UserNotice | None:
        position = self.position(row)
        if position is None:
            return None
        return UserNotice(
            row.conversation_id,
            row.language,
            INTENT_QUEUE,
            {"queue_position": position, "wait_minutes": self.wait_minutes(position)},
        )

    def claim(self, row: Handoff, staff: str) -> UserNotice:
        won = self.session.execute(
            update(Handoff)
            .where(Handoff.id == row.id, Handoff.state == "waiting")
            .values(state="active", claimed_by=staff, claimed_at=utcnow(), last_activity_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            self.session.rollback()
            self.session.refresh(row)
            if row.state == "active":
                holder = row.claimed_by or "?"
                raise CaseError("handoff_taken", 409, extra={"claimed_by": holder}, claimed_by=holder)
            raise ApiError("handoff_closed", 409)
        self.session.refresh(row)
        self._audit(staff, row, "claimed")
        self.session.commit()
        name = self.display_name(staff)
        return UserNotice(row.conversation_id, row.language, INTENT_CLAIMED, {"staff_name": name or ""})

    def _mine(self, row: Handoff, staff: str, role: str) -> None:
        if row.state not in OPEN:
            raise ApiError("handoff_closed", 409)
        if row.state != "active":
            raise ApiError("handoff_not_active", 409)
        if row.claimed_by != staff and role != "admin":
            raise ApiError("handoff_not_yours", 403, claimed_by=row.claimed_by or "?")

    def add_staff_message(
        self, row: Handoff, staff: str, role: str, text: str, note: bool = False
    ) -> HandoffMessage:
        text = (text or "").strip()
        if not text or len(text) > MAX_TEXT:
            raise ApiError("handoff_message_invalid", 400, limit=MAX_TEXT)
        self._mine(row, staff, role)
        now = utcnow()
        message = HandoffMessage(
            handoff_id=row.id, sender="note" if note else "staff", text=text, staff=staff, created_at=now
        )
        self.session.add(message)
        if not note and row.first_response_at is None:
            row.first_response_at = now
        row.last_activity_at = now
        self.session.commit()
        return message

    def delivered(self, message: HandoffMessage, ok: bool) -> None:
        message.delivered = ok
        self.session.commit()

    def _end(self, row: Handoff, state: str, actor: str, reason: str | None = None) -> UserNotice:
        row.state = state
        row.ended_at = utcnow()
        row.close_reason = reason
        self._audit(actor, row, state, **({"reason": reason} if reason else {}))
        self.session.commit()
        return UserNotice(
            row.conversation_id,
            row.language,
            INTENT_ENDED,
            {"handoff_outcome": state, "rating_event": str(row.id)},  # the rating of this conversation
            resume=True,
        )

    def release(self, row: Handoff, staff: str, role: str) -> UserNotice:
        self._mine(row, staff, role)
        return self._end(row, "released", staff)

    def close(self, row: Handoff, staff: str, role: str, reason: str) -> UserNotice:
        if reason not in CLOSE_REASONS:
            raise ApiError("handoff_reason_invalid", 400, reasons=", ".join(CLOSE_REASONS))
        if row.state == "waiting":  # staff may close a waiting one (e.g. abusive) without claiming
            return self._end(row, "closed", staff, reason)
        self._mine(row, staff, role)
        return self._end(row, "closed", staff, reason)

    def transfer(self, row: Handoff, staff: str, role: str, to: str, note: str | None = None) -> None:
        self._mine(row, staff, role)
        target = self.session.execute(select(User).where(User.username == to)).scalar()
        if (
            target is None
            or not target.active
            or target.role not in ("helpdesk", "admin")
            or to == row.claimed_by
        ):
            raise ApiError("handoff_staff_invalid", 400)
        previous = row.claimed_by
        row.claimed_by = to
        row.last_activity_at = utcnow()
        if note and note.strip():
            self.session.add(
                HandoffMessage(handoff_id=row.id, sender="note", text=note.strip()[:MAX_TEXT], staff=staff)
            )
        self._audit(staff, row, "transferred", **{"from": previous, "to": to})
        self.session.commit()

    def cancel(self, conversation_id: str) -> Handoff | None:
        """The user left the queue; None when they had no waiting handoff."""
        row = self.open_for(conversation_id)
        if row is None or row.state != "waiting":
            return None
        row.state = "cancelled"
        row.ended_at = utcnow()
        self._audit("service", row, "cancelled")
        self.session.commit()
        return row

    def inbound(self, conversation_id: str, text: str) -> Handoff | None:
        """A user message that reached no bot (the conversation is paused): kept for the staff
        member. The assistant masked it already. None when no handoff is open."""
        row = self.open_for(conversation_id)
        if row is None:
            return None
        text = (text or "").strip()[:MAX_TEXT]
        if text:
            now = utcnow()
            self.session.add(HandoffMessage(handoff_id=row.id, sender="user", text=text, created_at=now))
            row.last_activity_at = now
            self.session.commit()
        return row

    def expire_quiet(self) -> list[UserNotice]:
        """Close queued handoffs whose user said nothing for handoff_queue_timeout seconds."""
        now = utcnow()
        started = self.hours().period_start(now.replace(tzinfo=timezone.utc))
        timeout = timedelta(seconds=self.settings.handoff_queue_timeout)
        if started is None or now - started.replace(tzinfo=None) < timeout:
            return []  # quiet time counts only while staff are at work (a request left overnight waits)
        limit = now - timeout
        rows = list(
            self.session.execute(
                select(Handoff).where(Handoff.state == "waiting", Handoff.last_activity_at < limit).limit(100)
            ).scalars()
        )  # the index on state keeps this cheap on every read of the queue
        notices = []
        for row in rows:
            won = self.session.execute(
                update(Handoff)
                .where(Handoff.id == row.id, Handoff.state == "waiting")
                .values(state="closed", close_reason="user_left", ended_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            if won == 1:
                self._audit("system", row, "expired")
                notices.append(
                    UserNotice(
                        row.conversation_id, row.language, INTENT_ENDED, {"handoff_outcome": "expired"}
                    )
                )
        self.session.commit()
        return notices


def available_staff(session: Session) -> int:
    """Staff whose console is open and marked available (backend/services/helpdesk.py)."""
    return int(
        session.execute(
            select(func.count(User.id)).where(
                User.role.in_(STAFF_ROLES),
                User.active.is_(True),
                User.presence == "available",
                User.presence_at >= utcnow() - PRESENCE_STALE,
            )
        ).scalar()
        or 0
    )


def message_view(message: HandoffMessage) -> dict[str, Any]:
    """One message as the API shows it; a note's "from" is "note" (kept apart from the transcript)."""
    view: dict[str, Any] = {"from": message.sender, "text": message.text, "at": iso(message.created_at)}
    if message.sender != "user":
        view["staff"] = message.staff
    return view


async def tell_user(outbound: Any, notice: UserNotice | None, wait: float | None = None) -> bool | None:
    """Send the notice through the one outbound path; True when delivered within `wait`."""
    if notice is None:
        return None
    row = await outbound.deliver_intent(
        notice.conversation_id,
        notice.intent,
        notice.entities,
        notice.language,
        resume=notice.resume,
        wait=wait,
    )
    return None if row is None else bool(row.delivered)
