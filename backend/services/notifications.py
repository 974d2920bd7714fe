"""Case changes to push, and the pushed messages of the demo chat page.

The pushing itself is the one outbound path, backend/services/outbound.py
(`OutboundService.dispatch(update)` for a case change). For the REST channel Rasa returns the bot's messages in the response; the demo chat page
receives them as server-sent events (`NotificationHub` wakes the streams in this process;
streams also poll the table, for other workers).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Notification

INTENT = "EXTERNAL_case_update"
REPLY_INTENT = "EXTERNAL_rating_reply"
MAX_MESSAGES = 50


@dataclass(frozen=True)
class CaseUpdate:
    case_id: int
    case_number: str
    conversation_id: str
    channel: str | None
    language: str
    department: str
    case_state: str

    def payload(self) -> dict[str, Any]:
        return {
            "name": INTENT,
            "entities": {
                "case_number": self.case_number,
                "department": self.department,
                "case_state": self.case_state,
            },
        }


@dataclass(frozen=True)
class RatingReply:
    """The department's reply to a bad rating (回访), told to the rater in their language
    (services/ratings.py) through the one outbound path."""

    followup_id: int
    case_id: int | None
    conversation_id: str
    channel: str | None
    language: str
    department: str
    reply: str
    case_state: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "name": REPLY_INTENT,
            "entities": {"department": self.department, "rating_reply": self.reply},
        }


class NotificationHub:
    """Wakes the event streams of one conversation in this process."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}

    def subscribe(self, conversation_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters.setdefault(conversation_id, set()).add(event)
        return event

    def unsubscribe(self, conversation_id: str, event: asyncio.Event) -> None:
        waiters = self._waiters.get(conversation_id)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(conversation_id, None)

    def publish(self, conversation_id: str) -> None:
        for event in list(self._waiters.get(conversation_id, ())):
            event.set()


def messages_after(
    session: Session, conversation_id: str, after_id: int, limit: int = 50
) -> list[Notification]:
    """Delivered notifications with messages for one conversation, oldest first."""
    query = (
        select(Notification)
        .where(
            Notification.conversation_id == conversation_id,
            Notification.id > after_id,
            Notification.delivered.is_(True),
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    return [n for n in session.execute(query).scalars() if n.messages]


def last_notification_id(session: Session, conversation_id: str) -> int:
    value = session.execute(
        select(func.max(Notification.id)).where(Notification.conversation_id == conversation_id)
    ).scalar()
    return int(value or 0)
