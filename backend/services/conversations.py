"""Conversation facts from Rasa's events (issue 15; docs/statistics.md).

One fold, two sources: `EventFolder.add` turns one Rasa event (the dict Rasa stores in its
tracker store's `events.data` and publishes to the broker, plus `sender_id`) into the
`conversation_days` row of that conversation and day. With the embedded default the
backend reads the tracker store's `events` table from where it stopped
(`sync_tracker_store`); in production Rasa publishes to RabbitMQ and
`python -m backend.events_consumer` folds each message. The figures are then one query.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, inspect, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import ConversationDay, StatsCursor, UnansweredQuestion

log = logging.getLogger("backend.conversations")
CHINA = ZoneInfo("Asia/Shanghai")
FALLBACK_INTENT = "nlu_fallback"  # config.yml FallbackClassifier: the two-stage fallback follows
HANDOFF_INTENT = "request_human"  # "talk to staff" (the handoff issue adds its own events later)
LANGUAGE_SLOT = "language"
TRACKER_CURSOR = "tracker_store"
BATCH = 5000


def china_day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, CHINA).date()


def _intent(event: Mapping[str, Any]) -> str | None:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


class EventFolder:
    """Folds events into ConversationDay rows through `session` (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[tuple[str, date], ConversationDay] = {}
        self.languages: dict[str, str | None] = {}
        self.preloaded: set[str] = set()

    def preload(self, conversation_ids: set[str]) -> None:
        """Read these conversations' rows in one query (a batch of events), instead of one
        query per new conversation and day."""
        wanted = sorted(set(conversation_ids) - self.preloaded)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.session.execute(
                select(ConversationDay)
                .where(ConversationDay.conversation_id.in_(chunk))
                .order_by(ConversationDay.day)
            ).scalars()
            for row in rows:
                self.rows[(row.conversation_id, row.day)] = row
                if row.language is not None:
                    self.languages[row.conversation_id] = row.language
            for conversation_id in chunk:
                self.languages.setdefault(conversation_id, None)
            self.preloaded.update(chunk)

    def _language(self, conversation_id: str) -> str | None:
        if conversation_id not in self.languages:
            self.languages[conversation_id] = self.session.execute(
                select(ConversationDay.language)
                .where(ConversationDay.conversation_id == conversation_id)
                .where(ConversationDay.language.is_not(None))
                .order_by(ConversationDay.day.desc())
                .limit(1)
            ).scalar()
        return self.languages[conversation_id]

    def _row(self, conversation_id: str, day: date) -> ConversationDay:
        key = (conversation_id, day)
        row = self.rows.get(key)
        if row is None and conversation_id in self.preloaded:
            row = self._new(conversation_id, day)
        elif row is None:
            row = self.session.execute(
                select(ConversationDay).where(
                    ConversationDay.conversation_id == conversation_id, ConversationDay.day == day
                )
            ).scalar_one_or_none()
            if row is None:
                row = self._new(conversation_id, day)
        self.rows[key] = row
        return row

    def _new(self, conversation_id: str, day: date) -> ConversationDay:
        row = ConversationDay(
            conversation_id=conversation_id,
            day=day,
            language=self._language(conversation_id),
            user_messages=0,
            fallbacks=0,
            handed=False,
        )
        self.session.add(row)
        return row

    def add(self, event: Mapping[str, Any]) -> bool:
        """Fold one event; False when it carries no fact (most action and bot events)."""
        conversation_id = event.get("sender_id")
        kind = event.get("event")
        timestamp = event.get("timestamp")
        if not conversation_id or not isinstance(timestamp, (int, float)):
            return False
        if kind == "user":
            row = self._row(str(conversation_id), china_day(timestamp))
            row.user_messages += 1
            if row.channel is None and event.get("input_channel"):
                row.channel = str(event["input_channel"])[:64]
            intent = _intent(event)
            if intent == FALLBACK_INTENT:
                row.fallbacks += 1
            elif intent == HANDOFF_INTENT:
                row.handed = True
            return True
        if kind == "slot" and event.get("name") == LANGUAGE_SLOT and isinstance(event.get("value"), str):
            language = event["value"][:8]
            row = self._row(str(conversation_id), china_day(timestamp))
            row.language = language
            self.languages[str(conversation_id)] = language
            return True
        return False


# --- the tracker-store source (embedded default) -----------------------------------------------
def sync_tracker_store(session: Session, tracker: Engine) -> int:
    """Fold the tracker store's events written since the last call; returns how many were read.

    Each batch moves the cursor with a compare-and-set in the same transaction as its rows, so
    two workers syncing at once never fold an event twice (the loser rolls back)."""
    if not inspect(tracker).has_table("events"):
        return 0  # Rasa has not written anything yet
    if session.get(StatsCursor, TRACKER_CURSOR) is None:
        try:
            session.add(StatsCursor(source=TRACKER_CURSOR, position=0))
            session.commit()
        except IntegrityError:
            session.rollback()
    read = 0
    while True:
        position = session.execute(
            select(StatsCursor.position).where(StatsCursor.source == TRACKER_CURSOR)
        ).scalar_one()
        with tracker.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, sender_id, data FROM events WHERE id > :after "
                    "AND type_name IN ('user', 'slot') ORDER BY id LIMIT :n"
                ),
                {"after": position, "n": BATCH},
            ).all()
        if not rows:
            return read
        folder = EventFolder(session)
        folder.preload({str(sender_id) for _, sender_id, _ in rows})
        for event_id, sender_id, data in rows:
            try:
                event = json.loads(data)
            except (TypeError, ValueError):
                log.warning("tracker store event %s is not JSON; skipped", event_id)
                continue
            if isinstance(event, dict):
                folder.add({**event, "sender_id": sender_id})
        session.flush()
        moved = session.execute(
            update(StatsCursor)
            .where(StatsCursor.source == TRACKER_CURSOR, StatsCursor.position == position)
            .values(position=rows[-1][0])
        ).rowcount
        if not moved:  # another worker took this batch
            session.rollback()
            return read
        session.commit()
        read += len(rows)


# --- the figures --------------------------------------------------------------------------------
def _rate(part: int | float, whole: int | float) -> float | None:
    return round(part / whole, 4) if whole else None


def conversation_figures(
    session: Session,
    start: date,
    end: date,
    *,
    channel: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Conversations with at least one user message in [start, end] (China days)."""
    where = [
        ConversationDay.day >= start,
        ConversationDay.day <= end,
        ConversationDay.user_messages > 0,
    ]
    if channel:
        where.append(ConversationDay.channel == channel)
    if language:
        where.append(ConversationDay.language == language)
    conv = ConversationDay.conversation_id
    # Per conversation first (GROUP BY / DISTINCT hash well in PostgreSQL; count(DISTINCT) sorts).
    per = (
        select(
            conv,
            func.max(case((ConversationDay.handed.is_(True), 1), else_=0)).label("handed"),
            func.sum(ConversationDay.user_messages).label("messages"),
            func.sum(ConversationDay.fallbacks).label("fallbacks"),
        )
        .where(*where)
        .group_by(conv)
        .subquery()
    )
    total, handed, messages, fallbacks = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(per.c.handed), 0),
            func.coalesce(func.sum(per.c.messages), 0),
            func.coalesce(func.sum(per.c.fallbacks), 0),
        ).select_from(per)
    ).one()

    def by(column: Any) -> dict[str, int]:
        pairs = select(column.label("key"), conv).where(*where).distinct().subquery()
        rows = session.execute(select(pairs.c.key, func.count()).group_by(pairs.c.key)).all()
        return {str(key or "unknown"): int(n) for key, n in sorted(rows, key=lambda r: str(r[0] or ""))}

    unanswered_where = [
        UnansweredQuestion.created_at >= _utc_start(start),
        UnansweredQuestion.created_at < _utc_start(end + timedelta(days=1)),
    ]
    if language:
        unanswered_where.append(UnansweredQuestion.language == language)
    unanswered = session.execute(
        select(cast(func.count(UnansweredQuestion.id), Integer)).where(*unanswered_where)
    ).scalar()
    return {
        "count": int(total),
        "by_channel": by(ConversationDay.channel),
        "by_language": by(ConversationDay.language),
        "answered_by_bot": int(total) - int(handed),
        "handed_to_person": int(handed),
        "fallback_rate": _rate(int(fallbacks), int(messages)),
        "unanswered": int(unanswered or 0),
    }


def _utc_start(day: date) -> datetime:
    """The start of a China day as the naive UTC datetime the tables store."""
    local = datetime(day.year, day.month, day.day, tzinfo=CHINA)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
