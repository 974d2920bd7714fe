"""A 5,000-event conversation (issue #17): time per message, and how long it holds up others.

Starts the backend, the action server and Rasa (SQLite tracker store in a temporary folder,
as `make run`), writes one conversation of 5,000 events straight into the tracker store (the
turns of a real conversation repeated, timestamps within the session's expiry, so Rasa sees
one live session), then sends it messages one at a time, each with a short conversation's
message 10 ms later, and times both. Run twice: with the store's bound (MAX_SESSION_EVENTS,
default) and without it (MAX_SESSION_EVENTS=0, what the issue measured).

`python -m benchmarks.long_conversation` prints the section; `make bench` puts it in docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import local_stack  # noqa: E402

EVENTS = 5000
MESSAGES = 6
SEED = ["hello", "what is a work permit?", "thanks", "how long does a residence permit take?", "ok"]
ASKED = ["what is a work permit?", "hello", "how long does a residence permit take?", "thanks"]


async def _say(http: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    async with http.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
    ) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def _seed(db: Path, source: str, sender: str, count: int) -> int:
    """Copy the user turns of `source` under `sender` until `count` events (one session)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT type_name, intent_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (source,),
        ).fetchall()
        first_user = next(i for i, r in enumerate(rows) if r[0] == "user")
        head, turns = rows[:first_user], rows[first_user:]
        now = time.time()
        start = now - 600  # ten minutes ago: well inside session_expiration_time
        step = 600 / count
        out = []
        source_rows = head + turns * (count // len(turns) + 1)
        for i, (type_name, intent, action, data) in enumerate(source_rows[:count]):
            event = json.loads(data)
            event["timestamp"] = start + i * step
            out.append((sender, type_name, event["timestamp"], intent, action, json.dumps(event)))
        conn.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            out,
        )
    return len(out)


async def _drive(url: str, db: Path) -> Dict[str, float]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as http:
        source = f"seed-{uuid.uuid4().hex[:8]}"
        for text in SEED:
            await _say(http, url, source, text)
        long_sender = f"long-{uuid.uuid4().hex[:8]}"
        _seed(db, source, long_sender, EVENTS)
        long_ms: List[float] = []
        short_ms: List[float] = []
        for i in range(MESSAGES):
            text = ASKED[i % len(ASKED)]
            task = asyncio.create_task(_say(http, url, long_sender, text))
            await asyncio.sleep(0.01)
            short_ms.append(await _say(http, url, f"short-{uuid.uuid4().hex[:8]}", "hello"))
            long_ms.append(await task)
    return {
        "first_ms": long_ms[0],
        "median_ms": statistics.median(long_ms[1:]),
        "max_ms": max(long_ms),
        "short_median_ms": statistics.median(short_ms),
        "short_max_ms": max(short_ms),
    }


def measure() -> Dict[str, Dict[str, float]]:
    results: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-long-") as tmp_name:
        tmp = Path(tmp_name)
        token = "bench-service-token-0123456789"
        backend, backend_url = local_stack.start_backend(tmp, {"SERVICE_TOKEN": token})
        actions, action_url = local_stack.start_actions(
            tmp, {"SERVICE_TOKEN": token, "BACKEND_URL": backend_url}
        )
        try:
            for label, bound in (
                ("bounded (MAX_SESSION_EVENTS default)", None),
                ("unbounded (MAX_SESSION_EVENTS=0)", "0"),
            ):
                run_dir = tmp / ("bounded" if bound is None else "unbounded")
                run_dir.mkdir()
                saved = os.environ.pop("MAX_SESSION_EVENTS", None)
                if bound is not None:
                    os.environ["MAX_SESSION_EVENTS"] = bound
                try:
                    rasa, url = local_stack.start_rasa(run_dir, action_url=action_url)
                finally:
                    os.environ.pop("MAX_SESSION_EVENTS", None)
                    if saved is not None:
                        os.environ["MAX_SESSION_EVENTS"] = saved
                try:
                    results[label] = asyncio.run(_drive(url, run_dir / "tracker.db"))
                finally:
                    local_stack.stop(rasa)
        finally:
            local_stack.stop(actions)
            local_stack.stop(backend)
    return results


def section(results: Dict[str, Dict[str, float]] | None = None) -> str:
    from benchmarks.run import table

    results = results if results is not None else measure()
    rows = [
        {
            "tracker store": label,
            "first message": f"{r['first_ms']:.0f} ms",
            "next messages (median)": f"{r['median_ms']:.0f} ms",
            "slowest": f"{r['max_ms']:.0f} ms",
            "another user's message meanwhile (median / max)": f"{r['short_median_ms']:.0f} / {r['short_max_ms']:.0f} ms",
        }
        for label, r in results.items()
    ]
    columns = list(rows[0])
    return "\n".join(
        [
            "## Long conversation\n",
            f"One conversation of {EVENTS:,} events in one live session (written into the SQLite tracker store), "
            f"then {MESSAGES} messages to it one at a time, each with another conversation's message 10 ms later "
            "(`benchmarks/long_conversation.py`). With the bound, the first read rolls the session over (slots "
            "and form carried to a new session) and the next messages work on a short session.\n",
            table(rows, columns) + "\n",
        ]
    )


if __name__ == "__main__":
    print(section())
