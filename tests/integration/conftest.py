"""A real Rasa server on a free local port, with the trained model.

The tracker store is SQLite in a temporary folder, or PostgreSQL when
TEST_DATABASE_URL is set; the lock store is Redis when TEST_REDIS_URL is set.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server did not answer {url} within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory) -> str:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    from scripts.render_endpoints import render

    tmp = tmp_path_factory.mktemp("rasa")
    env_overrides = {"TRACKER_STORE_URL": os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp}/tracker.db"}
    if os.environ.get("TEST_REDIS_URL"):
        env_overrides["LOCK_STORE_URL"] = os.environ["TEST_REDIS_URL"]
    endpoints = render(env_overrides)
    if endpoints["tracker_store"]["dialect"] == "sqlite":
        endpoints["tracker_store"]["db"] = f"{tmp}/tracker.db"
    endpoints_file = tmp / "endpoints.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints))

    port = free_port()
    log = tmp / "rasa.log"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--enable-api", "-m", str(MODEL),
         "--endpoints", str(endpoints_file), "--credentials", str(ROOT / "credentials.yml"),
         "-i", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Conversation:
    """One user talking to the REST channel."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def send(self, message, raw: bytes | None = None) -> list:
        body = raw if raw is not None else json.dumps({"sender": self.sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def say(self, message) -> str:
        """Send a message and return the bot's replies joined into one text."""
        replies = self.send(message)
        assert replies, f"no reply to {message!r}"
        return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture
def conversation(rasa_url) -> Conversation:
    return Conversation(rasa_url)
