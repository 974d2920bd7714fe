"""The two sources of the conversation figures agree (issue 15): the same conversations saved
by Rasa's own SQLTrackerStore, which also streams every event to Rasa's own PikaEventBroker on
the local RabbitMQ; one backend database folds the tracker store's `events` table, the other is
fed by backend.events_consumer from the queue. Skipped when RabbitMQ does not answer."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path
from typing import Any

import pytest

from backend.db import make_engine, make_session_factory
from backend.events_consumer import consume, fold_message
from backend.migrate import upgrade
from backend.services.conversations import conversation_figures, sync_tracker_store
from backend.services.statistics import tracker_engine
from tests.backend.stats_support import END, START, conversations, days, write_tracker_store_async

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def _database(url: str) -> Any:
    engine = make_engine(url)
    upgrade(engine)
    return make_session_factory(engine)


def _figures(factory: Any, **filters: Any) -> dict[str, Any]:
    with factory() as session:
        return conversation_figures(session, days(START), days(END), **filters)


@pytest.mark.skipif(not _rabbitmq_answers(), reason="RabbitMQ does not answer on 127.0.0.1:5672")
def test_tracker_store_and_broker_give_the_same_figures(tmp_path: Path, database_urls: Any) -> None:
    from rasa.core.brokers.pika import PikaEventBroker

    tag = secrets.token_hex(4)
    queue, exchange = f"test_stats_{tag}", f"test-stats-{tag}"  # nobody else's events on them
    tracker_db = tmp_path / "tracker.db"
    from_tracker = _database(database_urls())
    from_broker = _database(database_urls())

    async def run() -> int:
        broker = PikaEventBroker(
            "127.0.0.1",
            "guest",
            "guest",
            port=5672,
            queues=[queue],
            exchange_name=exchange,
            raise_on_failure=True,
        )
        await broker.connect()
        try:
            await write_tracker_store_async(tracker_db, conversations(tag), broker=broker)
            while broker._background_tasks:  # Rasa publishes in background tasks
                await asyncio.sleep(0.05)
        finally:
            await broker.close()
        try:
            return await consume(AMQP, from_broker, queue_name=queue, exchange_name=exchange, idle_exit=2)
        finally:  # leave the shared RabbitMQ as it was
            import aio_pika

            connection = await aio_pika.connect(AMQP)
            async with connection:
                channel = await connection.channel()
                await channel.queue_delete(queue)
                await channel.exchange_delete(exchange)

    taken = asyncio.run(run())
    assert taken == 12  # every event of the four conversations (actions and bot messages too)
    with from_tracker() as session:
        assert sync_tracker_store(session, tracker_engine(f"sqlite:///{tracker_db}")) > 0
    expected_channels = {"rest": 1, "socketio": 1}
    for filters in ({}, {"language": "zh"}, {"channel": "rest"}):
        tracker_figures, broker_figures = _figures(from_tracker, **filters), _figures(from_broker, **filters)
        assert tracker_figures == broker_figures, filters
    whole = _figures(from_broker)
    assert whole["count"] == 2 and whole["by_channel"] == expected_channels
    assert whole["handed_to_person"] == 1 and whole["fallback_rate"] == 0.4
    # a second sync reads nothing new and changes nothing (the cursor)
    with from_tracker() as session:
        assert sync_tracker_store(session, tracker_engine(f"sqlite:///{tracker_db}")) == 0
    assert _figures(from_tracker) == whole


def test_a_broken_broker_message_is_dropped_not_folded(database_urls: Any) -> None:
    factory = _database(database_urls())
    assert fold_message(factory, b"not json") is False
    assert fold_message(factory, b"[1, 2]") is False
    assert fold_message(factory, b'{"event": "user", "sender_id": "x"}') is False  # no timestamp
    assert _figures(factory)["count"] == 0


def test_tracker_store_read_in_two_steps_equals_one_read(tmp_path: Path, database_urls: Any) -> None:
    """The cursor: events added after a first sync (to a known conversation, same and next day)
    are folded into the existing rows, as one sync of everything would."""
    from tests.backend.stats_support import _slot, _user, write_tracker_store

    first, later = tmp_path / "first.db", tmp_path / "later.db"
    convs = conversations()
    more = {
        "A": [
            *convs["A"],
            _user("faq", "2026-03-03", "rest", 30),
            _user("nlu_fallback", "2026-03-06", "rest", 0),
        ],
        "B": [*convs["B"], _slot("en", "2026-03-05", 5), _user("faq", "2026-03-05", "socketio", 6)],
    }
    write_tracker_store(first, convs)
    stepwise = _database(database_urls())
    with stepwise() as session:
        sync_tracker_store(session, tracker_engine(f"sqlite:///{first}"))
    write_tracker_store(first, more)  # Rasa appends the new events of the same trackers
    with stepwise() as session:
        assert sync_tracker_store(session, tracker_engine(f"sqlite:///{first}")) == 4
    write_tracker_store(later, {**convs, **more})
    at_once = _database(database_urls())
    with at_once() as session:
        sync_tracker_store(session, tracker_engine(f"sqlite:///{later}"))
    assert _figures(stepwise) == _figures(at_once)
    figures = _figures(stepwise)
    assert figures["fallback_rate"] == 3 / 8  # A: 5 messages, 2 fallbacks; B: 3 messages, 1 fallback
    assert figures["by_language"] == {"en": 2, "zh": 1}  # B switched to English on 03-05: both
