"""Start the assistant's processes on free local ports: for tests and benchmarks.

The same three processes as `make run` (backend, action server, Rasa), each a real
subprocess with its own log file, stopped by `stop()`. Loopback only. Every process gets
the same RASA_TOKEN and ACTION_SERVER_TOKEN (the environment's, else the development
defaults): callers of Rasa's HTTP API add `?token=` (`rasa_api`), direct callers of the
action server send `ACTION_HEADERS`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import yaml

import security

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
RASA_TOKEN = os.environ.get("RASA_TOKEN") or security.DEV_RASA_TOKEN
ACTION_SERVER_TOKEN = os.environ.get("ACTION_SERVER_TOKEN") or security.DEV_ACTION_SERVER_TOKEN
TOKENS = {"RASA_TOKEN": RASA_TOKEN, "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN}
ACTION_HEADERS = {security.ACTION_TOKEN_HEADER: ACTION_SERVER_TOKEN}


def rasa_api(rasa_url: str, path: str) -> str:
    """The URL of `path` on Rasa's HTTP API, with the token Rasa requires."""
    separator = "&" if "?" in path else "?"
    return f"{rasa_url}{path}{separator}token={RASA_TOKEN}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} within {timeout}s:\n{log.read_text()[-3000:]}")


def start(command: list, log: Path, env: Dict[str, str], ready_url: str) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **QUIET, **TOKENS, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(ready_url, process, log)
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def start_rasa(
    tmp: Path,
    model: Path = MODEL,
    action_url: str | None = None,
    tracker_store_url: str | None = None,
    lock_store_url: str | None = None,
    port: int | None = None,
    stock_tracker_store: bool = False,
    env: Dict[str, str] | None = None,
) -> Tuple[subprocess.Popen, str]:
    """Rasa with a trained model and the endpoints `make run` renders; returns (process, url).

    Started as `make run` starts it (`python -m rasa_ext run`, so with rasa_ext's
    workarounds installed). `stock_tracker_store` uses Rasa's in-memory tracker store, as
    a `rasa init` project does, and turns the workarounds off (Rasa's own validation of
    action responses and Rasa's own dask graph runner). `env` is added to Rasa's
    environment (channel settings such as TELEGRAM_*).
    """
    from scripts.render_endpoints import render

    settings = {"TRACKER_STORE_URL": tracker_store_url or f"sqlite:///{tmp}/tracker.db"}
    if action_url:
        settings["ACTION_SERVER_URL"] = action_url
    if lock_store_url:
        settings["LOCK_STORE_URL"] = lock_store_url
    endpoints = render(settings)
    if stock_tracker_store:
        endpoints["tracker_store"] = {"type": "in_memory"}
        endpoints["rasa_ext"] = {"fast_action_validation": False, "fast_graph_runner": False}
    elif endpoints["tracker_store"]["dialect"] == "sqlite":
        endpoints["tracker_store"]["db"] = f"{tmp}/tracker.db"
    (tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    port = port or free_port()
    process = start(
        [
            sys.executable,
            "-m",
            "rasa_ext",
            "run",
            "--enable-api",
            "-m",
            str(model),
            "--endpoints",
            str(tmp / "endpoints.yml"),
            "--credentials",
            str(ROOT / "credentials.yml"),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        tmp / f"rasa-{port}.log",
        dict(env or {}),
        f"http://127.0.0.1:{port}/",
    )
    return process, f"http://127.0.0.1:{port}"


def start_backend(tmp: Path, env: Dict[str, str]) -> Tuple[subprocess.Popen, str]:
    port = free_port()
    process = start(
        [sys.executable, "-m", "backend"],
        tmp / "backend.log",
        {"BACKEND_PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp}/backend.db", **env},
        f"http://127.0.0.1:{port}/healthz",
    )
    return process, f"http://127.0.0.1:{port}"


def start_actions(tmp: Path, env: Dict[str, str]) -> Tuple[subprocess.Popen, str]:
    port = free_port()
    process = start(
        [sys.executable, "-m", "security.action_server", "--actions", "actions", "-p", str(port)],
        tmp / "actions.log",
        env,
        f"http://127.0.0.1:{port}/health",
    )
    return process, f"http://127.0.0.1:{port}/webhook"


@dataclass
class LocalStack:
    """The three processes of `make run`, started together by `start_stack`."""

    tmp: Path
    backend_url: str
    rasa_url: str
    action_url: str
    pids: Dict[str, int] = field(default_factory=dict)  # process name -> pid


@contextmanager
def start_stack(
    tmp: Path,
    backend_env: Dict[str, str],
    service_token: str,
    rasa_env: Dict[str, str] | Callable[[str], Dict[str, str]] | None = None,
) -> Iterator[LocalStack]:
    """Backend, action server and Rasa wired to each other (the backend knows Rasa's port
    before Rasa starts, for its pushes); all stopped on leaving, in reverse order.
    `rasa_env` may be a function of the backend's URL (the widget's allowed origin)."""
    rasa_port = free_port()
    processes: List[subprocess.Popen] = []
    try:
        backend, backend_url = start_backend(
            tmp, {"SERVICE_TOKEN": service_token, "RASA_URL": f"http://127.0.0.1:{rasa_port}", **backend_env}
        )
        processes.append(backend)
        actions, action_url = start_actions(
            tmp,
            {"SERVICE_TOKEN": service_token, "BACKEND_URL": backend_url, "BACKEND_PUBLIC_URL": backend_url},
        )
        processes.append(actions)
        env = rasa_env(backend_url) if callable(rasa_env) else rasa_env
        # Rasa passes the messages of a paused conversation to the handoff (rasa_ext/handoff.py)
        env = {"SERVICE_TOKEN": service_token, "BACKEND_URL": backend_url, **(env or {})}
        rasa, rasa_url = start_rasa(tmp, action_url=action_url, port=rasa_port, env=env)
        processes.append(rasa)
        pids = {"backend": backend.pid, "actions": actions.pid, "rasa": rasa.pid}
        yield LocalStack(tmp, backend_url, rasa_url, action_url, pids)
    finally:
        for process in reversed(processes):
            stop(process)
