"""Hardening over the real stack (docs/security.md): Rasa's API needs its token, the action
server its shared secret; the channels stay public and Rasa's own action calls still work."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict

import pytest

from knowledge.application import catalogue
from scripts.local_stack import ACTION_HEADERS, rasa_api
from tests.integration.conftest import SERVICE_TOKEN, Conversation, Stack

pytestmark = pytest.mark.integration


def call(url: str, method: str = "GET", body: Any = None, headers: Dict[str, str] | None = None) -> tuple:
    """(status, parsed body or None) of one HTTP call, errors included."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            is_json = response.headers.get_content_type() == "application/json"
            return response.status, json.loads(raw) if is_json and raw else raw
    except urllib.error.HTTPError as error:
        return error.code, None


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/conversations/x/tracker", None),
        ("POST", "/conversations/x/tracker/events", {"event": "slot", "name": "language", "value": "zh"}),
        ("POST", "/conversations/x/trigger_intent", {"name": "greet"}),
        ("POST", "/conversations/x/messages", {"text": "hi", "sender": "user"}),
        ("GET", "/conversations/x/story", None),
        ("POST", "/model/parse", {"text": "hi"}),
        ("DELETE", "/model", None),
        ("GET", "/domain", None),
        ("GET", "/status", None),
    ],
)
def test_rasa_api_refuses_calls_without_the_token(stack: Stack, method: str, path: str, body: Any) -> None:
    status, _ = call(stack.rasa_url + path, method, body)
    assert status in (401, 403)
    status, _ = call(stack.rasa_url + path + "?token=wrong", method, body)
    assert status in (401, 403)


def test_rasa_api_answers_with_the_token_and_the_channel_stays_public(stack: Stack) -> None:
    chat = Conversation(stack.rasa_url)
    assert chat.say("hello")  # the REST webhook needs no token
    status, tracker = call(rasa_api(stack.rasa_url, f"/conversations/{chat.sender}/tracker"))
    assert status == 200 and tracker["sender_id"] == chat.sender
    assert call(stack.rasa_url + "/")[0] == 200  # Rasa's hello, used for readiness checks


def action_call(sender: str, action: str) -> Dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"language": "en"},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
            "latest_message": {
                # the confirmation button: the action deletes at once (the question came before)
                "text": "/confirm_delete_my_data",
                "intent": {"name": "confirm_delete_my_data"},
                "entities": [],
            },
        },
    }


def test_the_action_server_runs_nothing_without_the_shared_secret(stack: Stack) -> None:
    sender = "web-security-draft-1"
    backend = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    draft_url = f"{stack.backend_url}/api/v1/drafts/{sender}"
    status, _ = call(
        draft_url,
        "PUT",
        {
            "channel": "rest",
            "language": "en",
            "role": "worker",
            "items": ["work_permit_new"],
            "consent": {"given": True, "version": catalogue().consent.version},
        },
        backend,
    )
    assert status == 200
    body = action_call(sender, "action_delete_my_data")
    for headers in ({}, {"X-Action-Token": "wrong"}):
        assert call(stack.action_url, "POST", body, headers)[0] == 403
    assert call(draft_url, headers=backend)[0] == 200  # the draft is still there
    assert call(stack.action_url.replace("/webhook", "/actions"))[0] == 403
    assert call(stack.action_url.replace("/webhook", "/health"))[0] == 200  # stays open for probes

    status, result = call(stack.action_url, "POST", body, ACTION_HEADERS)
    assert status == 200 and result["responses"]
    assert call(draft_url, headers=backend)[0] == 404  # with the secret, the action ran


def listening_addresses(port: int) -> set:
    """Local addresses (hex, as in /proc/net/tcp) of the IPv4/IPv6 sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(stack: Stack) -> None:
    port = int(stack.action_url.rsplit(":", 1)[1].split("/")[0])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0


def test_rasa_calls_the_action_server_with_the_secret(stack: Stack) -> None:
    # The FAQ answer is a custom action (actions/faq.py): an answer proves Rasa's call was accepted.
    reply = Conversation(stack.rasa_url).say("外国人要交社保吗")
    assert "来源" in reply
