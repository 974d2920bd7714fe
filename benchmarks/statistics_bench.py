"""GET /api/v1/statistics over a year of 100,000 cases and 1,000,000 conversation events in
PostgreSQL (issue 15). Target: p95 under 500 ms.

The data go into a schema of their own (created, then dropped) in STATS_BENCH_DATABASE_URL,
else TEST_DATABASE_URL, else postgresql://127.0.0.1:5432/test: 100,000 real cases (and 2,000
test cases) over 2025 with their department parts, two thirds completed; 1,000,000 Rasa events
(100,000 conversations of ten events: user messages, the language slot, actions and bot
messages) in a tracker-store `events` table, folded into `conversation_days` by the backend's
own code (backend.services.conversations.sync_tracker_store, timed). Then the backend runs as
`python -m backend` (EVENT_BROKER_URL set, as in production) and the figures for the year are
asked 30 times over HTTP with the service token.

What makes it fast: every figure is a GROUP BY in PostgreSQL (migration 0005's index on
cases.created_at and conversation_days.day; conversation_days is the pre-aggregated table, one
row per conversation and day instead of its events).

`python -m benchmarks.statistics_bench` prints the section; `make bench` puts it in docs/benchmarks.md.
"""

from __future__ import annotations

import io
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MS = 500.0
CASES = 100_000
TEST_CASES = 2_000
EVENTS = 1_000_000
EVENTS_PER_CONVERSATION = 10
REQUESTS = 30
TOKEN = "bench-stats-token-0123456789"
COMBINATIONS = [
    (
        ["work_permit_new", "residence_permit_new", "social_insurance"],
        ["science_technology", "exit_entry", "hrss", "medical_insurance"],
    ),
    (["work_permit_new", "residence_permit_new"], ["science_technology", "exit_entry"]),
    (["work_permit_extension", "residence_permit_extension"], ["science_technology", "exit_entry"]),
    (["work_permit_new"], ["science_technology"]),
    (["residence_permit_change"], ["exit_entry"]),
    (["professional_title", "e_social_security_card"], ["hrss"]),
]


def base_url() -> str:
    return (
        os.environ.get("STATS_BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql://127.0.0.1:5432/test"
    ).strip()


def _copy(conn: Any, table: str, columns: List[str], rows: List[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v).replace("\t", " ") for v in row) + "\n")
    buffer.seek(0)
    with conn.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def generate(url: str, seed: int = 15) -> Dict[str, float]:
    """Fill the schema behind `url`; returns the timings of the steps."""
    from sqlalchemy import text

    from backend.db import make_engine, make_session_factory
    from backend.migrate import upgrade
    from backend.services.conversations import sync_tracker_store

    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    timings: Dict[str, float] = {}
    started = time.perf_counter()
    year = datetime(2025, 1, 1)
    cases, parts = [], []
    part_id = 0
    for n in range(1, CASES + TEST_CASES + 1):
        items, departments = rng.choice(COMBINATIONS)
        created = year + timedelta(seconds=rng.randrange(365 * 24 * 3600))
        done_all = rng.random() < 0.67
        state = "completed" if done_all else rng.choice(["submitted", "in_progress"])
        cases.append(
            (
                n,
                f"FJ{n:010d}",
                "FJ",
                rng.choice(["rest", "socketio"]),
                rng.choice(["en", "zh"]),
                rng.choice(["worker", "hr"]),
                json.dumps(items),
                "x",
                n > CASES,
                False,
                state,
                created.isoformat(sep=" "),
                created.isoformat(sep=" "),
            )
        )
        for department in departments:
            part_id += 1
            services = [i for i in items if department in _departments(i)]
            done = done_all or rng.random() < 0.3
            updated = created + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
            parts.append(
                (
                    part_id,
                    n,
                    department,
                    json.dumps(services),
                    "completed" if done else "under_review",
                    updated.isoformat(sep=" "),
                )
            )
    conversations = EVENTS // EVENTS_PER_CONVERSATION
    events = []
    event_id = 0
    for c in range(conversations):
        sender = f"bench-{c}"
        channel = rng.choice(["rest", "socketio"])
        language = rng.choice(["en", "zh"])
        ts = (year + timedelta(seconds=rng.randrange(365 * 24 * 3600))).timestamp()
        intents = [
            rng.choices(["faq", "greet", "nlu_fallback", "request_human"], [70, 15, 10, 5])[0]
            for _ in range(4)
        ]
        sequence: List[Dict[str, Any]] = []
        for i, intent in enumerate(intents):
            sequence.append(
                {
                    "event": "user",
                    "timestamp": ts + 10 * i,
                    "text": "…",
                    "input_channel": channel,
                    "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
                }
            )
            if i == 0:
                sequence.append({"event": "slot", "timestamp": ts + 1, "name": "language", "value": language})
            sequence.append({"event": "action", "timestamp": ts + 10 * i + 2, "name": "utter_x"})
            if i < 1:
                sequence.append({"event": "bot", "timestamp": ts + 10 * i + 3, "text": "…"})
        for event in sequence[:EVENTS_PER_CONVERSATION]:
            event_id += 1
            events.append(
                (
                    event_id,
                    sender,
                    event["event"],
                    event["timestamp"],
                    _intent(event),
                    event.get("name") if event["event"] == "action" else None,
                    json.dumps(event, ensure_ascii=False),
                )
            )
    timings["generate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        _copy(
            raw,
            "cases",
            [
                "id",
                "number",
                "region",
                "channel",
                "language",
                "role",
                "items",
                "answers_enc",
                "is_test",
                "joint_review",
                "state",
                "created_at",
                "updated_at",
            ],
            cases,
        )
        _copy(raw, "case_items", ["id", "case_id", "department", "services", "state", "updated_at"], parts)
        with raw.cursor() as cur:
            cur.execute(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
            cur.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")  # as Rasa's SQLTrackerStore
        _copy(
            raw,
            "events",
            ["id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"],
            events,
        )
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    timings["load_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with make_session_factory(engine)() as session:
        timings["events_folded"] = sync_tracker_store(session, engine)
    timings["fold_s"] = time.perf_counter() - started
    # VACUUM ANALYZE: the steady state of a database that autovacuum keeps (right after a bulk load
    # the visibility map is empty and every scan visits the heap)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    with engine.begin() as conn:
        timings["conversation_days"] = conn.execute(text("SELECT count(*) FROM conversation_days")).scalar()
    # the same figures in-process (no HTTP), for comparison
    from datetime import date

    from backend.services.statistics import Query, StatisticsService

    factory = make_session_factory(engine)
    in_process = []
    for _ in range(10):
        with factory() as session:
            t0 = time.perf_counter()
            StatisticsService(session, session_factory=factory).figures(
                Query(date(2025, 1, 1), date(2025, 12, 31))
            )
            in_process.append((time.perf_counter() - t0) * 1000)
    timings["in_process_median_ms"] = statistics.median(in_process[1:])
    engine.dispose()
    return timings


def _departments(item: str) -> List[str]:
    from knowledge.application import catalogue

    return catalogue().items[item].departments


def _intent(event: Dict[str, Any]) -> str | None:
    return (event.get("parse_data") or {}).get("intent", {}).get("name")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(url: str) -> Dict[str, Any]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SERVICE_TOKEN": TOKEN,
        "BACKEND_PORT": str(port),
        "EVENT_BROKER_URL": "amqp://127.0.0.1:5672",  # production mode: the consumer's table is read
        "APP_ENV": "development",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "backend"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        address = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{address}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        query = urllib.parse.urlencode({"from": "2025-01-01", "to": "2025-12-31"})
        request = urllib.request.Request(
            f"{address}/api/v1/statistics?{query}", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        body: Dict[str, Any] = {}
        for _ in range(3):  # warm up
            body = json.loads(urllib.request.urlopen(request, timeout=60).read())
        timings = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            body = json.loads(urllib.request.urlopen(request, timeout=60).read())
            timings.append((time.perf_counter() - t0) * 1000)
        filtered = urllib.request.Request(
            f"{address}/api/v1/statistics?{query}&department=exit_entry&language=zh",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        filtered_ms = []
        for _ in range(10):
            t0 = time.perf_counter()
            urllib.request.urlopen(filtered, timeout=60).read()
            filtered_ms.append((time.perf_counter() - t0) * 1000)
    finally:
        process.terminate()
        process.wait(20)
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "max_ms": timings[-1],
        "filtered_p95_ms": sorted(filtered_ms)[int(0.95 * (len(filtered_ms) - 1))],
        "cases_total": body["cases"]["total"],
        "conversations": body["conversations"]["count"],
    }


def run() -> Dict[str, Any]:
    from sqlalchemy import create_engine, text

    base = base_url()
    schema = f"bench_stats_{secrets.token_hex(4)}"
    admin = create_engine(base, future=True)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=" + urllib.parse.quote(f"-csearch_path={schema}")
    try:
        result: Dict[str, Any] = generate(url)
        result.update(measure(url))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return result


def section(result: Dict[str, Any] | None = None) -> str:
    from benchmarks.run import mark, table

    r = result if result is not None else run()
    row = {
        "cases (real + test)": f"{CASES:,} + {TEST_CASES:,}",
        "events": f"{EVENTS:,}",
        "conversation-day rows": f"{int(r['conversation_days']):,}",
        "requests": REQUESTS,
        "median": f"{r['median_ms']:.0f} ms",
        "p95": f"{r['p95_ms']:.0f} ms",
        "max": f"{r['max_ms']:.0f} ms",
        "p95 filtered": f"{r['filtered_p95_ms']:.0f} ms",
        "in-process median": f"{r['in_process_median_ms']:.0f} ms",
        "target": f"p95 < {TARGET_MS:.0f} ms {mark(r['p95_ms'] < TARGET_MS)}",
    }
    return "\n".join(
        [
            "## Statistics over a year\n",
            f"`GET /api/v1/statistics` for 2025 over {CASES:,} real cases ({TEST_CASES:,} test cases beside them, "
            f"excluded) and {EVENTS:,} Rasa conversation events in PostgreSQL (`benchmarks/statistics_bench.py`), "
            "through `python -m backend` over HTTP with the service token, after three warm-up calls; "
            "'filtered': one department and one language; 'in-process': the service called directly, no HTTP. Every figure is a GROUP BY in the database; the indexes "
            "are migration 0005's on `cases.created_at` and `conversation_days.day`, and `conversation_days` is the "
            "pre-aggregated table (one row per conversation and day, folded from the events by the consumer or "
            f"from the tracker store). Folding the {int(r['events_folded']):,} user and slot events of the "
            f"tracker store took {r['fold_s']:.0f} s (once; afterwards only new events are read).\n",
            table([row], list(row)) + "\n",
            f"The totals asked: {r['cases_total']:,} cases, {r['conversations']:,} conversations.\n",
        ]
    )


if __name__ == "__main__":
    print(section())
