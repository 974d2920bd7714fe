"""The one outbound path (issue #13, docs/channels.md "Outbound path").

Every message the backend sends to a user outside a reply goes through `OutboundService`:

- `deliver_intent(conversation_id, intent, entities, language)`: a message the bot composes
  (case updates: `EXTERNAL_case_update`), `POST /conversations/{id}/trigger_intent`;
- `deliver_text(conversation_id, text, language, metadata)`: a message already written
  (staff replies), `POST /conversations/{id}/tracker/events?execute_side_effects=true` with a
  `bot` event whose metadata says `sender: "staff"`.

Both call Rasa with `output_channel=latest`: Rasa picks the channel the conversation last
used and that channel's output delivers (connectors/). Every push is a `notifications` row.
A failed attempt (Rasa down, timeout, an HTTP error, or the channel's
`connectors.outbound.DeliveryError` whose reason Rasa's error body carries) is recorded with
its reason and, while retryable, tried again with exponential backoff, at most
`outbound_attempts` times and until `outbound_expiry` seconds after the push. Retries are
due rows in the table (`next_attempt_at`), claimed with a conditional UPDATE, so several
workers and a restart neither lose nor double them. The caller waits at most `notify_wait`
seconds: an officer's state change never fails or waits long because a channel is down.

A delivered case update covers the earlier undelivered ones of the same case (the action
tells the case's whole current state), and a retry of an update that a newer one of the same
case has superseded is dropped. Logs name the notification id and the reason only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import timedelta
from typing import Any, Mapping
from urllib.parse import quote, urlencode

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.models import Notification, utcnow
from backend.services.notifications import INTENT, MAX_MESSAGES, CaseUpdate, NotificationHub

log = logging.getLogger("backend.outbound")
# connectors.outbound.DeliveryError's text, inside Rasa's error message ("An unexpected error
# occurred. Error: delivery failed: wechat_window_closed (retryable=False)").
DELIVERY_ERROR = re.compile(r"delivery failed: ([A-Za-z0-9_.:-]{1,80}) \(retryable=(True|False)\)")
RETRYABLE_STATUS = {408, 409, 425, 429}
MAX_DELAY = 600.0
MAX_TEXT = 4000


def _query(settings: Settings, **extra: str) -> str:
    query = {**extra, "output_channel": "latest"}
    if settings.rasa_token:
        query["token"] = settings.rasa_token
    return urlencode(query)


def trigger_url(settings: Settings, conversation_id: str) -> str:
    return f"{settings.rasa_url}/conversations/{quote(conversation_id, safe=':@+=')}/trigger_intent?{_query(settings)}"


def events_url(settings: Settings, conversation_id: str) -> str:
    query = _query(settings, execute_side_effects="true")
    return f"{settings.rasa_url}/conversations/{quote(conversation_id, safe=':@+=')}/tracker/events?{query}"


def _messages(body: Any) -> list[dict[str, Any]]:
    """Rasa's collected bot messages (REST channel); other channels get none back."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return []
    return [m for m in messages if isinstance(m, dict)][:MAX_MESSAGES]


def failure_reason(status: int, body: bytes) -> tuple[str, bool]:
    """(reason, retryable) of a non-200 answer of Rasa: the channel's DeliveryError when the
    body carries one, else the HTTP status (5xx and a few 4xx are worth another try)."""
    found = DELIVERY_ERROR.search(body[:4000].decode("utf-8", "replace"))
    if found:
        return found.group(1), found.group(2) == "True"
    return f"HTTP {status}", status >= 500 or status in RETRYABLE_STATUS


class OutboundService:
    """Delivers pushed messages through Rasa, retrying failures in the background."""

    def __init__(
        self, settings: Settings, session_factory: sessionmaker[Session], hub: NotificationHub | None = None
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.hub = hub or NotificationHub()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http: aiohttp.ClientSession | None = None
        self._wake: asyncio.Event | None = None
        self._sweeper: asyncio.Task[Any] | None = None
        self._closing = False

    # --- the two entry points ---------------------------------------------------------------

    async def deliver_intent(
        self,
        conversation_id: str,
        intent: str,
        entities: Mapping[str, Any],
        language: str,
        *,
        case_id: int | None = None,
        channel: str | None = None,
        department: str | None = None,
        case_state: str | None = None,
        wait: float | None = None,
        resume: bool = False,
    ) -> Notification | None:
        """Have the bot say `intent`'s answer on the conversation's channel. Returns the row
        when the first attempt ended within `wait` seconds (default notify_wait), else None.
        `resume`: first end a pause (a handoff handed back), so that the bot answers again;
        each attempt resumes again, which is harmless."""
        payload: dict[str, Any] = {"name": intent, "entities": dict(entities)}
        if resume:
            payload["resume"] = True
        row_id = self._record(
            kind="intent",
            payload=payload,
            conversation_id=conversation_id,
            language=language,
            case_id=case_id,
            channel=channel,
            department=department,
            case_state=case_state,
        )
        return await self._first_attempt(row_id, wait)

    async def deliver_text(
        self,
        conversation_id: str,
        text: str,
        language: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        case_id: int | None = None,
        channel: str | None = None,
        wait: float | None = None,
    ) -> Notification | None:
        """Send an already-written message (a staff reply) on the conversation's channel; it
        joins the conversation's tracker as a bot event with metadata.sender = "staff"."""
        text = (text or "").strip()[:MAX_TEXT]
        if not text:
            raise ValueError("empty text")
        row_id = self._record(
            kind="text",
            payload={
                "text": text,
                "metadata": {"sender": "staff", **dict(metadata or {}), "language": language},
            },
            conversation_id=conversation_id,
            language=language,
            case_id=case_id,
            channel=channel,
        )
        return await self._first_attempt(row_id, wait)

    async def dispatch(self, change: CaseUpdate | None, wait: float | None = None) -> Notification | None:
        """Push a case change (the callers of the former NotificationSender)."""
        if change is None:
            return None
        return await self.deliver_intent(
            change.conversation_id,
            INTENT,
            change.payload()["entities"],
            change.language,
            case_id=change.case_id,
            channel=change.channel,
            department=change.department,
            case_state=change.case_state,
            wait=wait,
        )

    # --- rows ---------------------------------------------------------------------------------

    def _lease(self) -> timedelta:
        """How long an attempt under way keeps its row from the other workers."""
        return timedelta(seconds=self.settings.notify_timeout + 5)

    def _record(self, **values: Any) -> int:
        now = utcnow()
        with self.session_factory() as session:
            row = Notification(
                messages=[],
                delivered=False,
                attempts=0,
                created_at=now,
                next_attempt_at=now + self._lease(),  # claimed by this process for the first try
                expires_at=now + timedelta(seconds=self.settings.outbound_expiry),
                **values,
            )
            session.add(row)
            session.commit()
            return int(row.id)

    def _claim(self, row_id: int, due: Any) -> bool:
        with self.session_factory() as session:
            claimed = session.execute(
                update(Notification)
                .where(
                    Notification.id == row_id,
                    Notification.next_attempt_at == due,
                    Notification.delivered.is_(False),
                )
                .values(next_attempt_at=utcnow() + self._lease())
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
        return claimed == 1

    def _due(self, limit: int = 20) -> list[tuple[int, Any]]:
        with self.session_factory() as session:
            rows = session.execute(
                select(Notification.id, Notification.next_attempt_at)
                .where(Notification.next_attempt_at <= utcnow(), Notification.delivered.is_(False))
                .order_by(Notification.next_attempt_at)
                .limit(limit)
            ).all()
        return [(int(r[0]), r[1]) for r in rows]

    def _next_due_in(self) -> float | None:
        with self.session_factory() as session:
            soonest = session.execute(
                select(Notification.next_attempt_at)
                .where(Notification.next_attempt_at.is_not(None), Notification.delivered.is_(False))
                .order_by(Notification.next_attempt_at)
                .limit(1)
            ).scalar()
        return None if soonest is None else (soonest - utcnow()).total_seconds()

    # --- attempts -----------------------------------------------------------------------------

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.notify_timeout)
            self._http = aiohttp.ClientSession(timeout=timeout)
        return self._http

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _first_attempt(self, row_id: int, wait: float | None) -> Notification | None:
        self.start()
        task = self._spawn(self.attempt(row_id))
        done, _ = await asyncio.wait({task}, timeout=self.settings.notify_wait if wait is None else wait)
        if task in done and not task.cancelled() and task.exception() is None:
            return task.result()
        return None

    async def _call_rasa(self, row: Notification) -> tuple[list[dict[str, Any]], str | None, bool]:
        """One call; (messages, error reason or None, retryable)."""
        payload = row.payload or {}
        if row.kind == "text":
            url = events_url(self.settings, row.conversation_id)
            body: Any = {
                "event": "bot",
                "text": payload.get("text", ""),
                "timestamp": time.time(),
                "metadata": payload.get("metadata") or {"sender": "staff"},
            }
        else:
            url = trigger_url(self.settings, row.conversation_id)
            body = {"name": payload.get("name", INTENT), "entities": payload.get("entities") or {}}
        try:
            if payload.get("resume"):
                resume = {"event": "resume", "timestamp": time.time()}
                async with self._client().post(
                    events_url(self.settings, row.conversation_id), json=resume
                ) as done:
                    if done.status != 200:
                        reason, retryable = failure_reason(done.status, await done.read())
                        return [], reason, retryable
            async with self._client().post(url, json=body) as response:
                raw = await response.read()
                if response.status != 200:
                    reason, retryable = failure_reason(response.status, raw)
                    return [], reason, retryable
                if row.kind == "text":  # Rasa answers with the tracker; the message is the text
                    return [{"recipient_id": row.conversation_id, "text": body["text"]}], None, False
                try:
                    return _messages(json.loads(raw)), None, False
                except ValueError:
                    return [], "response is not JSON", False  # Rasa ran the turn: not sent twice
        except asyncio.TimeoutError:
            return [], "timeout", True
        except aiohttp.ClientError as exc:
            return [], f"connection failed ({type(exc).__name__})", True

    def _delay(self, attempts: int) -> float:
        return min(self.settings.outbound_backoff * (2 ** max(attempts - 1, 0)), MAX_DELAY)

    async def attempt(self, row_id: int) -> Notification:
        """One delivery attempt of a claimed row; records the outcome and schedules a retry."""
        with self.session_factory() as session:
            row = session.get(Notification, row_id)
            assert row is not None
            newer = None
            if row.kind == "intent" and row.case_id is not None and row.attempts > 0:
                newer = session.execute(
                    select(Notification.id)
                    .where(
                        Notification.case_id == row.case_id,
                        Notification.kind == "intent",
                        Notification.id > row.id,
                    )
                    .order_by(Notification.id.desc())
                    .limit(1)
                ).scalar()
            if newer is not None:  # the newer update tells the current state
                row.error = f"superseded by notification {newer}"
                row.next_attempt_at = None
                session.commit()
                return row
            session.expunge(row)
        try:
            messages, error, retryable = await self._call_rasa(row)
        except Exception as exc:  # never let a push break anything else
            log.exception("notification %s: unexpected error", row_id)
            messages, error, retryable = [], f"unexpected error ({type(exc).__name__})", True
        now = utcnow()
        with self.session_factory() as session:
            row = session.get(Notification, row_id)
            assert row is not None
            row.attempts = (row.attempts or 0) + 1
            row.messages = messages
            row.delivered = error is None
            row.error = None if error is None else error[:200]
            retry_at = now + timedelta(seconds=self._delay(row.attempts))
            expires = row.expires_at or now
            if error is None:
                row.delivered_at = now
                row.next_attempt_at = None
            elif retryable and row.attempts < self.settings.outbound_attempts and retry_at < expires:
                row.next_attempt_at = retry_at
            else:
                row.next_attempt_at = None
            if row.next_attempt_at is None and row.kind == "text" and row.payload:
                row.payload = {**row.payload, "text": None}  # kept no longer than needed
            if error is None and row.kind == "intent" and row.case_id is not None:
                session.execute(
                    update(Notification)
                    .where(
                        Notification.case_id == row.case_id,
                        Notification.kind == "intent",
                        Notification.delivered.is_(False),
                        Notification.id < row_id,
                    )
                    .values(error=f"covered by notification {row_id}", next_attempt_at=None)
                    .execution_options(synchronize_session=False)
                )
            session.commit()
            session.refresh(row)
            session.expunge(row)
        if error is None:
            log.info("notification %s delivered (%d message(s))", row_id, len(messages))
            if messages:
                self.hub.publish(row.conversation_id)
        elif row.next_attempt_at is not None:
            log.warning(
                "notification %s not delivered (%s): attempt %d, retrying", row_id, error, row.attempts
            )
            if self._wake is not None:
                self._wake.set()
        else:
            log.warning(
                "notification %s not delivered (%s): given up after %d attempt(s)",
                row_id,
                error,
                row.attempts,
            )
        return row

    # --- the retry loop -----------------------------------------------------------------------

    def start(self) -> None:
        """Run the retry loop in this event loop (idempotent)."""
        if self._sweeper is not None and not self._sweeper.done():
            return
        self._closing = False
        self._wake = asyncio.Event()
        self._sweeper = asyncio.ensure_future(self._sweep())

    async def _sweep(self) -> None:
        assert self._wake is not None
        while not self._closing:
            try:
                due = [row_id for row_id, at in self._due() if self._claim(row_id, at)]
                if due:
                    await asyncio.gather(*(self.attempt(row_id) for row_id in due))
                    continue
                soonest = self._next_due_in()
            except Exception:  # a database hiccup must not end the loop
                log.exception("outbound retry loop")
                soonest = None
            pause = self.settings.outbound_sweep if soonest is None else soonest
            pause = max(0.05, min(pause, self.settings.outbound_sweep))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        """Finish the attempts under way (bounded by their timeout), stop the loop, close HTTP.
        Retries still due stay in the table for the next start."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.settings.notify_timeout + 1)
        if self._sweeper is not None:
            try:
                await asyncio.wait_for(self._sweeper, timeout=self.settings.notify_timeout + 1)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
            self._sweeper = None
        if self._http is not None and not self._http.closed:
            await self._http.close()
        self._http = None


def undelivered(session: Session, case_id: int) -> list[Notification]:
    """A case's pushes that have not reached the applicant (retrying or given up), newest first;
    those covered or superseded by a later delivered update are left out."""
    rows = session.execute(
        select(Notification)
        .where(Notification.case_id == case_id, Notification.delivered.is_(False))
        .order_by(Notification.id.desc())
        .limit(20)
    ).scalars()
    return [
        r
        for r in rows
        if not (r.error or "").startswith(("covered by", "superseded by")) and r.attempts and r.attempts > 0
    ]
