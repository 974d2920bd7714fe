"""Human handoff over the real stack (issue #14): backend, action server and Rasa with the trained
model, REST channel. A user asks for a person in English or Chinese, is queued, a helpdesk
member (admin here) claims the conversation, the bot falls silent while the person answers, the
user's messages reach the console masked and fill no slot, the staff reply lands in the same
tracker marked as staff, and after hand-back the bot answers again and a form resumes where it
was. Also: leaving the queue with "取消", closing with a reason."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from scripts.local_stack import rasa_api, start_stack
from tests.backend.conftest import Client
from tests.integration.conftest import Conversation

SERVICE_TOKEN = "handoff-service-token-0123456789"
ADMIN, ADMIN_PASSWORD = "handoff-admin", "handoff-admin-password-123"


@dataclass
class Stack:
    backend_url: str
    rasa_url: str


class Staff(Client):
    """A logged-in helpdesk member using the JSON API with the session's CSRF token."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        assert self.login(ADMIN, ADMIN_PASSWORD).status == 302
        page = self.get("/console/helpdesk")
        assert page.status == 200, page.text
        self.csrf_token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)

    def post_json(self, path: str, data: Any, **_: Any) -> Any:  # type: ignore[override]
        return super().post_json(path, data, token=None, headers={"X-CSRF-Token": self.csrf_token})

    def handoff_of(self, sender: str, state: str = "waiting") -> dict[str, Any]:
        listed = self.get(f"/api/v1/handoffs?state={state}").json()["handoffs"]
        found = [h for h in listed if h["conversation_id"] == sender]
        assert found, f"{sender} is not {state}: {listed}"
        return found[0]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    tmp = tmp_path_factory.mktemp("handoff")
    backend_env = {
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": "handoff-secret-key-0123456789",
        "HELPDESK_HOURS": "always",
    }
    with start_stack(tmp, backend_env, SERVICE_TOKEN) as running:
        yield Stack(running.backend_url, running.rasa_url)


@pytest.fixture(scope="module")
def staff(stack: Stack) -> Staff:
    return Staff(stack.backend_url)


def events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(
        rasa_api(stack.rasa_url, f"/conversations/{sender}/tracker"), timeout=30
    ) as response:
        return json.loads(response.read())["events"]


def tracker(stack: Stack, sender: str) -> dict[str, Any]:
    with urllib.request.urlopen(
        rasa_api(stack.rasa_url, f"/conversations/{sender}/tracker"), timeout=30
    ) as response:
        return json.loads(response.read())


def wait_for_bot(stack: Stack, sender: str, needle: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [
            e for e in events(stack, sender) if e.get("event") == "bot" and needle in (e.get("text") or "")
        ]
        if found:
            return found[-1]
        time.sleep(0.3)
    said = [e.get("text") for e in events(stack, sender) if e.get("event") == "bot"][-5:]
    raise AssertionError(f"{needle!r} never reached {sender}: {said}")


def test_claim_talk_and_hand_back_in_english(stack: Stack, staff: Staff) -> None:
    user = Conversation(stack.rasa_url)
    queued = user.say("I want to talk to a person")
    assert "You are in the queue for a member of staff: you are number" in queued, queued
    waiting = staff.handoff_of(user.sender)
    assert waiting["language"] == "en" and waiting["channel"] == "rest" and waiting["position"] >= 1

    claimed = staff.post_json(f"/api/v1/handoffs/{waiting['id']}/claim", {})
    assert claimed.status == 200, claimed.text
    wait_for_bot(stack, user.sender, "has joined the chat")
    assert tracker(stack, user.sender)["paused"] is True

    # the bot is silent; the message reaches staff masked; no slot is filled from it
    silent = user.send("how much does the residence permit cost? my passport is E98765432, I'm German")
    assert silent == [], silent
    view = staff.get(f"/api/v1/handoffs/{waiting['id']}").json()["handoff"]
    from_user = [m["text"] for m in view["messages"] if m["from"] == "user"]
    assert any("residence permit cost" in text for text in from_user), view["messages"]
    assert not any("E98765432" in text for text in from_user), from_user
    assert tracker(stack, user.sender)["slots"].get("nationality") in (None, "")

    said = staff.post_json(
        f"/api/v1/handoffs/{waiting['id']}/messages", {"text": "Hello, it costs 400 yuan."}
    )
    assert said.status == 201 and said.json()["delivered"] is True, said.text
    reply = wait_for_bot(stack, user.sender, "it costs 400 yuan")
    assert reply["metadata"]["sender"] == "staff", reply
    assert ADMIN not in json.dumps(reply["metadata"])  # a display name, never the username

    released = staff.post_json(f"/api/v1/handoffs/{waiting['id']}/release", {})
    assert released.status == 200 and released.json()["handoff"]["state"] == "released", released.text
    wait_for_bot(stack, user.sender, "handed the chat back to me")
    assert tracker(stack, user.sender)["paused"] is False
    answer = user.say("how long is the residence permit processing time")
    assert answer and "has joined" not in answer  # the bot answers again


def test_the_form_resumes_after_the_handoff(stack: Stack, staff: Staff) -> None:
    user = Conversation(stack.rasa_url)
    user.say("check my eligibility")
    user.say("I'm 34")
    asked = user.say("can I talk to a real person")
    assert "What you have entered so far is kept" in asked, asked
    handoff = staff.handoff_of(user.sender)
    assert handoff["topic"], handoff  # the form the user was in
    assert staff.post_json(f"/api/v1/handoffs/{handoff['id']}/claim", {}).status == 200
    wait_for_bot(stack, user.sender, "has joined the chat")
    assert user.send("PhD") == []  # read by the person, not taken as the form's answer
    assert staff.post_json(f"/api/v1/handoffs/{handoff['id']}/release", {}).status == 200
    back = wait_for_bot(stack, user.sender, "handed the chat back")
    assert back
    wait_for_bot(stack, user.sender, "highest degree")  # the form asks its next question again
    assert tracker(stack, user.sender)["slots"].get("age") not in (None, "")


def test_chinese_queue_cancel_and_close(stack: Stack, staff: Staff) -> None:
    user = Conversation(stack.rasa_url)
    queued = user.say("我要人工")
    assert "已为您排队等候人工服务" in queued, queued
    handoff = staff.handoff_of(user.sender)
    assert handoff["language"] == "zh"
    assert "您已退出人工服务排队" in user.say("取消")
    assert not [
        h for h in staff.get("/api/v1/handoffs?state=waiting").json()["handoffs"] if h["id"] == handoff["id"]
    ]

    assert "排队" in user.say("转人工")
    again = staff.handoff_of(user.sender)
    assert again["id"] != handoff["id"]
    assert staff.post_json(f"/api/v1/handoffs/{again['id']}/claim", {}).status == 200
    wait_for_bot(stack, user.sender, "已加入对话")
    bad = staff.post_json(f"/api/v1/handoffs/{again['id']}/close", {"reason": "bored"})
    assert bad.status == 400, bad.text
    closed = staff.post_json(f"/api/v1/handoffs/{again['id']}/close", {"reason": "answered"})
    assert closed.status == 200 and closed.json()["handoff"]["state"] == "closed", closed.text
    wait_for_bot(stack, user.sender, "工作人员已结束本次人工服务")
    assert user.say("居留许可办理需要多长时间")
