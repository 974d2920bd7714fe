"""A sign-in storm against the staff console (issue #17): how long a cheap request waits meanwhile.

Serves the backend in this process (SQLite in a temporary folder), sends 16 concurrent wrong
sign-ins (throttling raised out of the way) and, while they run, cheap requests (GET
/console/login) one after the other; reports their median and slowest latency, with argon2 in
the thread pool (as served) and with argon2 run on the event loop (as before issue #17).

`python -m benchmarks.signin_bench` prints the section; `make bench` puts it in docs/benchmarks.md.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STORM = 16


def _login(url: str) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = opener.open(url + "/console/login", timeout=60).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"csrf_token": token, "username": "bench", "password": "wrong password"})
    try:
        opener.open(url + "/console/login", data=body.encode(), timeout=60).read()
    except urllib.error.HTTPError:
        pass


def _storm(url: str) -> List[float]:
    done = threading.Event()
    latencies: List[float] = []
    with ThreadPoolExecutor(STORM) as pool:
        futures = [pool.submit(_login, url) for _ in range(STORM)]

        def wait_all() -> None:
            for future in futures:
                future.result()
            done.set()

        threading.Thread(target=wait_all, daemon=True).start()
        time.sleep(0.05)
        while not done.is_set():
            started = time.perf_counter()
            urllib.request.urlopen(url + "/console/login", timeout=60).read()
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def measure() -> Dict[str, Dict[str, float]]:
    from backend.services import staff
    from tests.backend.conftest import start_backend

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-signin-") as tmp:
        server = start_backend(
            Path(tmp),
            f"sqlite:///{tmp}/b.db",
            signin_rate_account="1000/minute",
            signin_rate_address="1000/minute",
            signin_lock_failures=100000,
        )
        try:
            with server.app.ctx.session_factory() as session:
                staff.StaffService(session).create_user("bench", "the right password", "admin")
            in_pool = staff._in_pool

            async def on_loop(func: Any, *args: Any) -> Any:
                return func(*args)

            for label, runner in (
                ("thread pool (as served)", in_pool),
                ("on the event loop (before)", on_loop),
            ):
                staff._in_pool = runner
                cheap = _storm(server.url)
                results[label] = {"median": statistics.median(cheap), "max": max(cheap), "n": len(cheap)}
            staff._in_pool = in_pool
        finally:
            server.stop()
    return results


def section(results: Dict[str, Dict[str, float]] | None = None) -> str:
    from benchmarks.run import table

    results = results if results is not None else measure()
    rows = [
        {
            "argon2": label,
            "cheap requests during the storm": int(r["n"]),
            "median": f"{r['median']:.0f} ms",
            "slowest": f"{r['max']:.0f} ms",
        }
        for label, r in results.items()
    ]
    return "\n".join(
        [
            "## Sign-in storm\n",
            f"{STORM} concurrent wrong staff sign-ins, and meanwhile GET /console/login one after the other "
            "(`benchmarks/signin_bench.py`, the backend served in the benchmark's process).\n",
            table(rows, list(rows[0])) + "\n",
        ]
    )


if __name__ == "__main__":
    print(section())
