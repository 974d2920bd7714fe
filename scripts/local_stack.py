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
from pathlib import Path
from typing import Dict, Tuple

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
    extra_env: Dict[str, str] | None = None,
) -> Tuple[subprocess.Popen, str]:
    """Rasa with a trained model and the endpoints `make run` renders; returns (process, url).

    Started as `make run` starts it (`python -m rasa_ext run`, so with rasa_ext's
    workarounds installed). `stock_tracker_store` uses Rasa's in-memory tracker store, as
    a `rasa init` project does, and turns the workarounds off (Rasa's own validation of
    action responses and Rasa's own dask graph runner). `extra_env` goes to the process
    only (a channel's settings, such as WECHAT_*).
    """
    from scripts.render_endpoints import render

    env = {"TRACKER_STORE_URL": tracker_store_url or f"sqlite:///{tmp}/tracker.db"}
    if action_url:
        env["ACTION_SERVER_URL"] = action_url
    if lock_store_url:
        env["LOCK_STORE_URL"] = lock_store_url
    endpoints = render(env)
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
        dict(extra_env or {}),
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
