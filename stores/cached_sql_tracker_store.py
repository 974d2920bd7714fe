"""SQL tracker store that does not re-read what it has just written.

Rasa's SQLTrackerStore reads every event of the session back from the database and
rebuilds the tracker on each message, and counts the stored events again before each
save: at 20 concurrent conversations that was more than half of the Rasa server's time
(docs/benchmarks.md). This store
- keeps the trackers of recently active conversations in a bounded LRU cache, together
  with how many of their events are already stored, and hands the cached tracker out
  again only if nothing was added to it since it was saved (a turn that failed half-way
  is reloaded from the database);
- inserts only the new events, in one statement, and streams exactly those to the
  event broker;
- keeps one SQLite connection open in WAL mode (closing the last connection of a WAL
  database checkpoints it, which made every commit wait for the disk);
- masks personal data in the new user messages before they are written or streamed
  (stores/redaction.py), in place, so the cached tracker holds the masked text too;
- erases a conversation on "delete my data": when the new events set `erase_requested`
  (action_delete_my_data, after the user confirmed), every stored event of the sender (all
  sessions) is deleted and only the events from that action on are stored (docs/security.md).

Long conversations (issue #17) cost work per message in proportion to the events of the
current session (Rasa replays them for the slots, the policies read the history). The
store bounds that: Rasa's `_event_query(fetch_events_from_all_sessions=False)` already
reads only the events since the last SessionStarted; a session that ends (expiry in
domain.yml's session_config) leaves the cache, so the old session is not carried in memory;
and a session longer than `max_session_events` (MAX_SESSION_EVENTS, default 500) is rolled
over on the next read: the store writes a new session start itself (SessionStarted, one
SlotSet per slot that has a value, the active form, action_listen), as Rasa's
action_session_start does with carry_over_slots, so the conversation goes on where it was
and the next reads load only that. Every event stays in the database (`retrieve_full_tracker`).

The cache is only correct while one Rasa process owns each conversation (the in-memory
lock store). scripts/render_endpoints.py turns it off (`cache_size: 0`) whenever a
Redis lock store is configured for several workers; then every call reads the database.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from stores.redaction import redact_events

logger = logging.getLogger(__name__)
ERASE_SLOT = "erase_requested"


def erasure_start(events: List[Event], first_new: int) -> int | None:
    """Where the kept events start when the new events (from `first_new`) ask for erasure:
    the action that set `erase_requested`; None when they do not ask for it."""
    for index in range(len(events) - 1, first_new - 1, -1):
        event = events[index]
        if isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value:
            for start in range(index, -1, -1):
                if isinstance(events[start], ActionExecuted):
                    return start
            return index
    return None


DEFAULT_MAX_SESSION_EVENTS = 500


def max_session_events(value: Any = None) -> int:
    """The setting, else MAX_SESSION_EVENTS, else the default; 0 turns the roll-over off."""
    raw = value if value is not None else os.environ.get("MAX_SESSION_EVENTS", "").strip()
    if raw in ("", None):
        return DEFAULT_MAX_SESSION_EVENTS
    try:
        number = int(raw)
    except (TypeError, ValueError):
        logger.warning("MAX_SESSION_EVENTS=%r is not an integer: using %d", raw, DEFAULT_MAX_SESSION_EVENTS)
        return DEFAULT_MAX_SESSION_EVENTS
    return max(0, number)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL syncs at checkpoints instead of on
    # every commit (a crash can lose the last moments, never corrupt the file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with a write-through cache of live trackers."""

    engine: sa.engine.Engine  # set by SQLTrackerStore.__init__ (Rasa's code is untyped there)

    def __init__(
        self, *args: Any, cache_size: int = 2000, max_session_events: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        self.max_session_events = globals()["max_session_events"](max_session_events)
        self._cache: OrderedDict[str, Tuple[DialogueStateTracker, int]] = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # One connection per thread, kept open (Rasa serves from one event loop).
            self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _remember(self, tracker: DialogueStateTracker, stored: int) -> None:
        if self.cache_size <= 0:
            return
        self._cache[tracker.sender_id] = (tracker, stored)
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        """Drop a conversation from the cache (e.g. after its events were deleted)."""
        self._cache.pop(sender_id, None)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._cache.get(sender_id)
        if entry is not None:
            tracker, stored = entry
            if len(tracker.events) == stored:
                self._cache.move_to_end(sender_id)
                return await self._bounded(tracker)
            self.forget(sender_id)  # changed but never saved: trust the database
        tracker = await super().retrieve(sender_id)  # the current session only
        if tracker is not None:
            self._remember(tracker, len(tracker.events))
            tracker = await self._bounded(tracker)
        return tracker

    async def _bounded(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The tracker, or a new session of it when its session is over the limit."""
        if not self.max_session_events or len(tracker.events) <= self.max_session_events:
            return tracker
        logger.info(
            "a conversation session reached %d events: starting a new one (slots and form kept)",
            len(tracker.events),
        )
        now = time.time()
        carried: List[Event] = [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=now),
            SessionStarted(timestamp=now + 1e-6),
        ]
        carried += [
            SlotSet(name, value, timestamp=now + 2e-6)
            for name, value in tracker.current_slot_values().items()
            if value is not None
        ]
        if tracker.active_loop_name:
            carried.append(ActiveLoop(tracker.active_loop_name, timestamp=now + 3e-6))
        carried.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=now + 4e-6))
        await self._insert(tracker.sender_id, carried)
        # As a read of the database gives it: from the SessionStarted on.
        fresh = DialogueStateTracker.from_events(
            tracker.sender_id, carried[1:], self.domain.slots if self.domain else []
        )
        self._remember(fresh, len(fresh.events))
        return fresh

    def _stored_count(self, tracker: DialogueStateTracker) -> int:
        entry = self._cache.get(tracker.sender_id)
        if entry is not None and entry[0] is tracker:
            return entry[1]
        with self.session_scope() as session:
            return self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored = self._stored_count(tracker)
        redact_events(tracker.events, stored)
        events = list(tracker.events)
        erase_from = erasure_start(events, stored)
        if erase_from is not None:
            table = self.SQLEvent.__table__
            with self.session_scope() as session:
                result = session.execute(sa.delete(table).where(table.c.sender_id == tracker.sender_id))
                session.commit()
            logger.info("conversation erased on request: %d stored events deleted", result.rowcount)
            stored = erase_from
        new_events: List[Event] = events[stored:]
        if new_events:
            await self._insert(tracker.sender_id, new_events)
        if erase_from is not None:
            self.forget(tracker.sender_id)  # the next turn reads what is left from the database
            return
        if new_events and stored and any(isinstance(event, SessionStarted) for event in new_events):
            # A session ended (expiry): the next read loads only the new one.
            self.forget(tracker.sender_id)
            return
        self._remember(tracker, len(tracker.events))

    async def _insert(self, sender_id: str, new_events: List[Event]) -> None:
        rows: List[Dict[str, Any]] = []
        for event in new_events:
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        with self.session_scope() as session:
            session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, sender_id)
