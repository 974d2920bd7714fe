"""Real servers on free local ports (scripts/local_stack.py).

`rasa_url`: Rasa alone, with the trained model; the tracker store is SQLite in a
temporary folder, or PostgreSQL when TEST_DATABASE_URL is set; the lock store is Redis
when TEST_REDIS_URL is set. `stack`: backend, action server and Rasa together.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict

import pytest

from scripts.local_stack import start_actions, start_backend, start_rasa, stop


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory) -> str:
    process, url = start_rasa(
        tmp_path_factory.mktemp("rasa"),
        tracker_store_url=os.environ.get("TEST_DATABASE_URL"),
        lock_store_url=os.environ.get("TEST_REDIS_URL"),
    )
    try:
        yield url
    finally:
        stop(process)


STAFF_USER, STAFF_PASSWORD = "e2e-admin", "e2e-admin-password-123"
SERVICE_TOKEN = "e2e-service-token-0123456789"


@dataclass
class Stack:
    """The three processes of `make run`: backend, action server, Rasa."""

    backend_url: str
    rasa_url: str
    pids: Dict[str, int] = field(default_factory=dict)  # process name -> pid
    rasa_log: Path | None = None
    action_url: str = ""


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    tmp = tmp_path_factory.mktemp("stack")
    processes = []
    try:
        backend, backend_url = start_backend(
            tmp,
            {
                "SERVICE_TOKEN": SERVICE_TOKEN,
                "ADMIN_USERNAME": STAFF_USER,
                "ADMIN_PASSWORD": STAFF_PASSWORD,
                "SECRET_KEY": "e2e-secret-key-0123456789",
            },
        )
        processes.append(backend)
        actions, action_url = start_actions(
            tmp,
            {"SERVICE_TOKEN": SERVICE_TOKEN, "BACKEND_URL": backend_url, "BACKEND_PUBLIC_URL": backend_url},
        )
        processes.append(actions)
        rasa, rasa_url = start_rasa(tmp, action_url=action_url)
        processes.append(rasa)
        yield Stack(
            backend_url,
            rasa_url,
            {"backend": backend.pid, "actions": actions.pid, "rasa": rasa.pid},
            tmp / f"rasa-{rasa_url.rsplit(':', 1)[1]}.log",
            action_url,
        )
    finally:
        for process in reversed(processes):
            stop(process)


class Conversation:
    """One user talking to the REST channel."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def send(self, message, raw: bytes | None = None, headers: Dict[str, str] | None = None) -> list:
        body = raw if raw is not None else json.dumps({"sender": self.sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
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
