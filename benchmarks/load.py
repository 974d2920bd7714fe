"""Load generator for Rasa's REST channel: throughput, latency percentiles, peak memory.

Starts a Rasa server with a given model on a free local port (SQLite tracker store in a
temporary folder, as `make run` uses), drives `/webhooks/rest/webhook` with N concurrent
conversations that each send a fixed script of messages back to back (closed loop), and
reads the Rasa process's peak resident memory (VmHWM) from /proc. Loopback only; every
loop is bounded by the message count and a client timeout.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

# One conversation: both languages, neutral messages, a question per capability.
SCRIPT = [
    "你好",
    "工作许可需要准备哪些材料",
    "ok",
    "hello, what can you do?",
    "how long does a residence permit take?",
    "我想apply work permit",
    "E12345678",
    "thanks, bye",
]


@dataclass
class LoadResult:
    concurrency: int
    messages: int
    errors: int
    seconds: float
    latencies_ms: List[float]
    peak_rss_mb: float

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        k = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
        return data[k]

    def row(self) -> Dict[str, float]:
        return {
            "concurrency": self.concurrency,
            "messages": self.messages,
            "errors": self.errors,
            "msgs_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else float("nan"),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def _conversation(session, url, script, latencies, errors) -> None:
    sender = f"bench-{uuid.uuid4().hex}"
    for text in script:
        start = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json()
                if response.status != 200 or not body:
                    errors.append(text)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            errors.append(text)
        latencies.append((time.perf_counter() - start) * 1000)


async def drive(rasa_url: str, pid: int, concurrency: int, rounds: int = 1, script=SCRIPT) -> LoadResult:
    """Run `concurrency` conversations at once, `rounds` times over."""
    url = f"{rasa_url}/webhooks/rest/webhook"
    latencies: List[float] = []
    errors: List[str] = []
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        # warm-up: first-request costs are not steady-state throughput
        await _conversation(session, url, script[:3], [], [])
        start = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(
                *[_conversation(session, url, script, latencies, errors) for _ in range(concurrency)]
            )
        seconds = time.perf_counter() - start
    return LoadResult(concurrency, len(latencies), len(errors), seconds, latencies, peak_rss_mb(pid))


def run_levels(
    model: Path, action_url: str | None = None, levels=(1, 20, 50), stock_tracker_store: bool = False
) -> List[Dict[str, float]]:
    """Start Rasa with `model` (SQLite tracker store as `make run`, or Rasa's in-memory one
    as a `rasa init` project) and drive each level."""
    from scripts.local_stack import start_rasa, stop

    with tempfile.TemporaryDirectory(prefix="bench-rasa-") as tmp:
        process, url = start_rasa(
            Path(tmp), model=model, action_url=action_url, stock_tracker_store=stock_tracker_store
        )
        try:
            return [
                asyncio.run(drive(url, process.pid, level, rounds=10 if level == 1 else 3)).row()
                for level in levels
            ]
        finally:
            stop(process)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import startup

    startup.prepare()
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "current.tar.gz"
    for r in run_levels(model):
        print(r)
