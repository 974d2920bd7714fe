"""Push case changes to the applicant through Rasa, and keep what Rasa answered.

`NotificationSender.dispatch(update)` runs in the server's event loop: it POSTs
`EXTERNAL_case_update` to `{RASA_URL}/conversations/{id}/trigger_intent?output_channel=latest`
(aiohttp), waits at most `notify_wait` seconds for it (the push goes on in the background
up to `notify_timeout`), and stores a `notifications` row either way. Rasa being down never
fails the state change: the row keeps delivered=false and a short error; the next change
of the same case delivers the case's whole current state, and the earlier undelivered
rows are then marked as covered by it. Logs name the notification id only, never personal
data or the conversation id.

For the REST channel Rasa returns the bot's messages in the response; the demo chat page
receives them as server-sent events (`NotificationHub` wakes the streams in this process;
streams also poll the table, for other workers).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.models import Notification, utcnow

log = logging.getLogger("backend.notifications")
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
    covers_earlier: bool = True  # delivered: the case's earlier undelivered pushes are covered

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
    (services/ratings.py); the same push path as a case update."""

    followup_id: int
    case_id: int | None
    conversation_id: str
    channel: str | None
    language: str
    department: str
    reply: str
    case_state: str | None = None
    covers_earlier: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "name": REPLY_INTENT,
            "entities": {"department": self.department, "rating_reply": self.reply},
        }


Push = CaseUpdate | RatingReply


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


def trigger_url(settings: Settings, conversation_id: str) -> str:
    query = {"output_channel": "latest"}
    if settings.rasa_token:
        query["token"] = settings.rasa_token
    return f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent?{urlencode(query)}"


def _messages(body: Any) -> list[dict[str, Any]]:
    """Rasa's collected bot messages (REST channel); other channels get none back."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return []
    return [m for m in messages if isinstance(m, dict)][:MAX_MESSAGES]


class NotificationSender:
    def __init__(
        self, settings: Settings, session_factory: sessionmaker[Session], hub: NotificationHub | None = None
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.hub = hub or NotificationHub()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.notify_timeout)
            self._http = aiohttp.ClientSession(timeout=timeout)
        return self._http

    async def dispatch(self, change: Push | None, wait: float | None = None) -> Notification | None:
        """Send in the background; wait up to `wait` seconds (default notify_wait) for the result."""
        if change is None:
            return None
        task = asyncio.ensure_future(self.send(change))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _ = await asyncio.wait({task}, timeout=self.settings.notify_wait if wait is None else wait)
        if task in done and not task.cancelled() and task.exception() is None:
            return task.result()
        return None

    async def send(self, change: Push) -> Notification:
        """One trigger_intent call; always leaves a notifications row."""
        with self.session_factory() as session:
            row = Notification(
                case_id=change.case_id,
                conversation_id=change.conversation_id,
                channel=change.channel,
                language=change.language,
                department=change.department,
                case_state=change.case_state,
                messages=[],
                delivered=False,
                created_at=utcnow(),
            )
            session.add(row)
            session.commit()
            row_id = row.id
        messages: list[dict[str, Any]] = []
        error: str | None = None
        try:
            async with self._client().post(
                trigger_url(self.settings, change.conversation_id), json=change.payload()
            ) as response:
                if response.status != 200:
                    error = f"HTTP {response.status}"
                else:
                    try:
                        messages = _messages(await response.json(content_type=None))
                    except (ValueError, aiohttp.ContentTypeError):
                        error = "response is not JSON"
        except asyncio.TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as exc:
            error = f"connection failed ({type(exc).__name__})"
        except Exception as exc:  # never let a push break anything else
            error = f"unexpected error ({type(exc).__name__})"
            log.exception("notification %s: unexpected error", row_id)
        with self.session_factory() as session:
            row = session.get(Notification, row_id)
            row.messages = messages
            row.delivered = error is None
            row.error = error
            if error is None and change.covers_earlier and change.case_id is not None:
                # the current state now reached the user: earlier misses are covered
                session.execute(
                    update(Notification)
                    .where(
                        Notification.case_id == change.case_id,
                        Notification.delivered.is_(False),
                        Notification.id < row_id,
                        Notification.error.not_like("covered by%"),
                    )
                    .values(error=f"covered by notification {row_id}")
                    .execution_options(synchronize_session=False)
                )
            session.commit()
        if error:
            log.warning("notification %s for a case update was not delivered to Rasa: %s", row_id, error)
        else:
            log.info("notification %s delivered (%d message(s))", row_id, len(messages))
            if messages:
                self.hub.publish(change.conversation_id)
        return row

    async def close(self) -> None:
        """Finish the pushes under way (bounded by their timeout), then close the HTTP session."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.settings.notify_timeout + 1)
        if self._http is not None and not self._http.closed:
            await self._http.close()
        self._http = None


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
