"""The cached tracker store stores every event once and never serves a stale tracker.

Runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from stores.cached_sql_tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.load("domain.yml")


class CollectingBroker(EventBroker):
    """An in-process broker that records what the store publishes."""

    def __init__(self) -> None:
        self.published = []

    def publish(self, event) -> None:
        self.published.append(event)

    def is_ready(self) -> bool:
        return True


def databases():
    yield "sqlite"
    if os.environ.get("TEST_DATABASE_URL"):
        yield "postgresql"


@pytest.fixture(params=list(databases()))
def make_store(request, tmp_path):
    def make(cache_size=2000, broker=None, max_session_events=None):
        if request.param == "sqlite":
            return CachedSQLTrackerStore(
                domain=DOMAIN,
                dialect="sqlite",
                db=str(tmp_path / "t.db"),
                cache_size=cache_size,
                event_broker=broker,
                max_session_events=max_session_events,
            )
        url = urlparse(os.environ["TEST_DATABASE_URL"])
        return CachedSQLTrackerStore(
            domain=DOMAIN,
            dialect="postgresql",
            host=url.hostname,
            port=url.port or 5432,
            db=url.path.lstrip("/"),
            username=url.username,
            password=url.password,
            cache_size=cache_size,
            event_broker=broker,
            max_session_events=max_session_events,
        )

    return make


def one_turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered("hi"))
    tracker.update(ActionExecuted("action_listen"))


async def conversation(store, turns=3):
    sender = f"s-{uuid.uuid4().hex}"
    for i in range(turns):
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        one_turn(tracker, f"hello {i}")
        await store.save(tracker)
    return sender


async def test_every_event_reaches_the_database_exactly_once(make_store):
    store = make_store()
    sender = await conversation(store, turns=3)
    fresh = make_store(cache_size=0)  # another process: reads only the database
    tracker = await fresh.retrieve(sender)
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hello 0", "hello 1", "hello 2"]
    assert len(tracker.events) == 12


async def test_a_turn_that_failed_before_saving_is_not_served_from_the_cache(make_store):
    store = make_store()
    sender = await conversation(store, turns=1)
    tracker = await store.retrieve(sender)
    tracker.update(SlotSet("language", "zh"))  # the turn crashes before save()
    again = await store.retrieve(sender)
    assert again.get_slot("language") is None
    assert len(again.events) == 4


async def test_without_cache_every_retrieve_reads_the_database(make_store):
    store = make_store(cache_size=0)
    sender = await conversation(store, turns=2)
    first, second = await store.retrieve(sender), await store.retrieve(sender)
    assert first is not second
    assert len(first.events) == len(second.events) == 8


async def test_cache_is_bounded(make_store):
    store = make_store(cache_size=3)
    senders = [await conversation(store, turns=1) for _ in range(5)]
    assert list(store._cache) == senders[-3:]
    assert len((await store.retrieve(senders[0])).events) == 4  # evicted, read back


async def test_only_new_events_are_streamed_to_the_event_broker(make_store):
    broker = CollectingBroker()
    store = make_store(broker=broker)
    sender = await conversation(store, turns=2)
    assert len(broker.published) == 8
    assert all(e["sender_id"] == sender for e in broker.published)
    assert [e["text"] for e in broker.published if e["event"] == "user"] == ["hello 0", "hello 1"]


@pytest.mark.parametrize("cache_size", [2000, 0])
async def test_erase_requested_deletes_every_earlier_event_of_the_sender(make_store, cache_size) -> None:
    store = make_store(cache_size=cache_size)
    sender, other = f"erase-{uuid.uuid4().hex[:8]}", f"keep-{uuid.uuid4().hex[:8]}"
    for name in (sender, other):
        tracker = DialogueStateTracker(name, DOMAIN.slots)
        one_turn(tracker, "my employer is Zorblat company")
        await store.save(tracker)
    tracker = await store.retrieve(sender)
    tracker.update(
        UserUttered("/confirm_delete_my_data", {"name": "confirm_delete_my_data", "confidence": 1.0})
    )
    tracker.update(ActionExecuted("action_delete_my_data"))
    tracker.update(BotUttered("Done: I have deleted this conversation"))
    tracker.update(SlotSet("erase_requested", True))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)

    fresh = make_store(cache_size=cache_size)  # what the database holds
    for reader in (store, fresh):
        kept = await reader.retrieve(sender)
        assert "Zorblat" not in str([e.as_dict() for e in kept.events])
        assert not [e for e in kept.events if isinstance(e, UserUttered)]
        assert [e.text for e in kept.events if isinstance(e, BotUttered)] == [
            "Done: I have deleted this conversation"
        ]
    assert "Zorblat" in str([e.as_dict() for e in (await fresh.retrieve(other)).events])  # others untouched
    # the conversation goes on: later turns are stored after what was kept
    kept = await store.retrieve(sender)
    one_turn(kept, "hello again")
    await store.save(kept)
    later = make_store(cache_size=cache_size)
    assert [e.text for e in (await later.retrieve(sender)).events if isinstance(e, UserUttered)] == [
        "hello again"
    ]


# --- long conversations (issue #17): the work per message is bounded ---------------------------
async def long_session(store, turns: int) -> str:
    sender = f"long-{uuid.uuid4().hex}"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(SlotSet("language", "zh"))
    tracker.update(ActiveLoop("eligibility_form"))
    tracker.update(SlotSet("requested_slot", "highest_degree"))
    for i in range(turns):
        one_turn(tracker, f"hello {i}")
    await store.save(tracker)
    return sender


@pytest.mark.parametrize("cached", [True, False])
async def test_a_session_over_the_limit_goes_on_in_a_new_one_with_slots_and_form(make_store, cached):
    store = make_store(max_session_events=100)
    sender = await long_session(store, turns=200)  # 806 events in one session
    reader = store if cached else make_store(cache_size=0, max_session_events=100)
    tracker = await reader.retrieve(sender)
    assert len(tracker.events) <= 10
    assert tracker.get_slot("language") == "zh" and tracker.get_slot("requested_slot") == "highest_degree"
    assert tracker.active_loop_name == "eligibility_form"
    assert tracker.latest_action_name == "action_listen"
    # The new session is stored: another process reads only it; nothing was deleted.
    other = make_store(cache_size=0, max_session_events=100)
    assert len((await other.retrieve(sender)).events) == len(tracker.events)
    assert len((await other.retrieve_full_tracker(sender)).events) > 806
    # And the conversation goes on from there.
    one_turn(tracker, "after")
    await reader.save(tracker)
    assert [e.text for e in (await other.retrieve(sender)).events if isinstance(e, UserUttered)] == ["after"]


async def test_a_session_under_the_limit_is_untouched(make_store):
    store = make_store(max_session_events=1000)
    sender = await long_session(store, turns=200)
    assert (
        len((await make_store(cache_size=0, max_session_events=1000).retrieve(sender)).events) == 805
    )  # from SessionStarted on


async def test_an_expired_session_leaves_the_cache(make_store):
    store = make_store(max_session_events=0)
    sender = await conversation(store, turns=50)
    tracker = await store.retrieve(sender)
    tracker.update(ActionExecuted("action_session_start"))  # what Rasa does after session_expiration_time
    tracker.update(SessionStarted())
    tracker.update(SlotSet("language", "en"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert again is not tracker
    assert [e.type_name for e in again.events] == ["session_started", "slot", "action"]


def test_the_limit_comes_from_the_setting_or_the_environment(monkeypatch):
    from stores.cached_sql_tracker_store import DEFAULT_MAX_SESSION_EVENTS, max_session_events

    monkeypatch.delenv("MAX_SESSION_EVENTS", raising=False)
    assert max_session_events() == DEFAULT_MAX_SESSION_EVENTS
    monkeypatch.setenv("MAX_SESSION_EVENTS", "300")
    assert max_session_events() == 300 and max_session_events(50) == 50
    monkeypatch.setenv("MAX_SESSION_EVENTS", "many")
    assert max_session_events() == DEFAULT_MAX_SESSION_EVENTS
