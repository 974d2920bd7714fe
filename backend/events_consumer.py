"""Rasa's events from RabbitMQ into the backend's statistics tables (issue 15; docs/statistics.md).

    python -m backend.events_consumer        (started by `make run` when EVENT_BROKER_URL is set)

Rasa's Pika broker (scripts/render_endpoints.py: queue `rasa_events`) publishes every event as
JSON to the fanout exchange `rasa-exchange`; this process declares the same exchange and
durable queue, folds each message with the same code that reads the tracker store
(backend.services.conversations.EventFolder), and acknowledges it after the commit: a crash
before the commit gets the message again, a message that is not a JSON object is logged and
dropped (it would never fold).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from typing import Any

import aio_pika
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.db import make_engine, make_session_factory
from backend.services.conversations import EventFolder

log = logging.getLogger("backend.events_consumer")
EXCHANGE = "rasa-exchange"  # rasa.core.brokers.pika.RABBITMQ_EXCHANGE
QUEUE = "rasa_events"  # scripts/render_endpoints.py event_broker queues


def fold_message(session_factory: sessionmaker[Session], body: bytes) -> bool:
    """Fold one broker message; False when it is not an event (dropped)."""
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        log.warning("dropped a broker message that is not JSON (%d bytes)", len(body))
        return False
    if not isinstance(event, dict):
        log.warning("dropped a broker message that is not a JSON object")
        return False
    with session_factory() as session:
        folded = EventFolder(session).add(event)
        if folded:
            session.commit()
    return folded


async def consume(
    url: str,
    session_factory: sessionmaker[Session],
    *,
    queue_name: str = QUEUE,
    exchange_name: str = EXCHANGE,
    stop: asyncio.Event | None = None,
    idle_exit: float | None = None,
) -> int:
    """Consume until `stop` is set (or, with `idle_exit`, until no message came for that long).
    Returns how many messages were taken."""
    stop = stop or asyncio.Event()
    connection = await aio_pika.connect_robust(url)
    taken = 0
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=100)
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(queue_name, durable=True)
        await queue.bind(exchange, "")
        last = time.monotonic()
        while not stop.is_set():
            message = await queue.get(no_ack=False, fail=False, timeout=5)
            if message is None:
                if idle_exit is not None and time.monotonic() - last > idle_exit:
                    break
                await asyncio.sleep(0.2)
                continue
            last = time.monotonic()
            try:
                fold_message(session_factory, message.body)
            except SQLAlchemyError:
                log.exception("the backend database refused an event; it stays in the queue")
                await message.nack(requeue=True)
                await asyncio.sleep(1)
                continue
            await message.ack()
            taken += 1
    finally:
        await connection.close()
    return taken


def _wait_for_tables(engine: Any, timeout: float = 120) -> None:
    """The backend process applies the migrations; wait for them rather than race it."""
    deadline = time.monotonic() + timeout
    while not inspect(engine).has_table("conversation_days"):
        if time.monotonic() > deadline:
            raise SystemExit("events_consumer: the table conversation_days does not exist (run make migrate)")
        time.sleep(1)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    settings.check()
    if not settings.event_broker_url:
        raise SystemExit("events_consumer: EVENT_BROKER_URL is not set (the tracker store is read instead)")
    engine = make_engine(settings.database_url)
    _wait_for_tables(engine)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("consuming Rasa events from %s", settings.event_broker_url.split("@")[-1])
    loop.run_until_complete(consume(settings.event_broker_url, make_session_factory(engine), stop=stop))


if __name__ == "__main__":
    main()
