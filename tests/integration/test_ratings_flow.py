"""Ratings over the real stack (backend, action server, Rasa with the trained model, REST channel):
a user rates the service badly in English and in Chinese, the follow-up is moved in the console up
to the reply, and the reply (回访) reaches the rater's conversation in their language through
Rasa's trigger_intent. Also the NLU: "this bot is terrible" is feedback, not a bot challenge."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.local_stack import rasa_api, start_stack
from tests.backend.conftest import Client
from tests.integration.conftest import Conversation

SERVICE_TOKEN = "rating-service-token-0123456789"
ADMIN, ADMIN_PASSWORD = "rating-admin", "rating-admin-password-123"


@dataclass
class Flow:
    tmp: Path
    backend_url: str
    rasa_url: str


@pytest.fixture(scope="module")
def flow(tmp_path_factory) -> Flow:
    tmp = tmp_path_factory.mktemp("ratings")
    backend_env = {
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": "rating-secret-key-0123456789",
    }
    with start_stack(tmp, backend_env, SERVICE_TOKEN) as stack:
        yield Flow(tmp, stack.backend_url, stack.rasa_url)


def text_of(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def bot_texts(flow: Flow, sender: str) -> list[str]:
    with urllib.request.urlopen(
        rasa_api(flow.rasa_url, f"/conversations/{sender}/tracker"), timeout=30
    ) as response:
        events = json.loads(response.read())["events"]
    return [e.get("text") or "" for e in events if e.get("event") == "bot"]


def parse(flow: Flow, text: str) -> str:
    request = urllib.request.Request(
        rasa_api(flow.rasa_url, "/model/parse"),
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["intent"]["name"]


def reply_in_console(flow: Flow, reply: str) -> None:
    """The newest follow-up moved open -> verifying -> rectifying -> replied, with notes."""
    staff = Client(flow.backend_url)
    assert staff.login(ADMIN, ADMIN_PASSWORD).status == 302
    listing = staff.get("/console/ratings/")
    assert listing.status == 200, listing.text
    followup = re.search(r'data-followup="(\d+)"', listing.text).group(1)
    for state, fields in (
        ("verifying", {"note": "read the conversation"}),
        ("rectifying", {"note": "guidance rewritten"}),
        ("replied", {"reply": reply}),
    ):
        page = staff.get(f"/console/ratings/{followup}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        moved = staff.post_form(
            f"/console/ratings/{followup}/state", {"csrf_token": token, "state": state, **fields}
        )
        assert moved.status == 302, moved.text
    assert 'data-state="replied"' in staff.get(f"/console/ratings/{followup}").text


def wait_for_text(flow: Flow, sender: str, needle: str, timeout: float = 30) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [t for t in bot_texts(flow, sender) if needle in t]
        if found:
            return found[-1]
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} never reached the conversation: {bot_texts(flow, sender)[-5:]}")


def test_this_bot_is_terrible_is_feedback(flow: Flow) -> None:
    for text in ("this bot is terrible", "I want to rate the service", "我要评价", "这个机器人太烂了"):
        assert parse(flow, text) == "give_feedback", text
    assert parse(flow, "are you a robot?") == "bot_challenge"


def test_a_bad_rating_in_english_gets_its_reply(flow: Flow) -> None:
    user = Conversation(flow.rasa_url)
    asked = user.send("this bot is terrible")
    assert "How satisfied are you?" in text_of(asked), asked
    assert any(
        b["payload"] == '/give_feedback{"rating_level": "1"}' for r in asked for b in r.get("buttons") or []
    )
    reason = user.send("terrible")
    assert "What went wrong?" in text_of(reason), reason
    thanks = user.send("the guidance was confusing")
    assert "Our helpdesk will look into it and reply to you here by" in text_of(thanks), thanks
    assert user.send("5") != thanks  # the rating is over: "5" is not read as a rating again
    reply_in_console(flow, "We rewrote the guidance on the work permit page.")
    told = wait_for_text(flow, user.sender, "We rewrote the guidance")
    assert told == "About your rating, our helpdesk replies: We rewrote the guidance on the work permit page."


def test_a_bad_rating_in_chinese_gets_its_reply_in_chinese(flow: Flow) -> None:
    user = Conversation(flow.rasa_url)
    assert "您满意吗" in text_of(user.send("我要评价"))
    assert "请问是哪方面的问题" in text_of(user.send("非常不满意"))
    assert "人工客服将核实处理" in text_of(user.send("跳过"))
    reply_in_console(flow, "已加强培训。")
    assert wait_for_text(flow, user.sender, "已加强培训") == "关于您的评价，人工客服答复如下：已加强培训。"


def test_a_good_rating_by_button_and_a_skip(flow: Flow) -> None:
    user = Conversation(flow.rasa_url)
    user.send("I want to rate the service")
    assert "Thank you for your rating: Satisfied." in text_of(
        user.send('/give_feedback{"rating_level": "4"}')
    )
    user.send("I want to rate the service")
    assert "No problem, no rating." in text_of(user.send("skip"))
