"""One message cannot stop the bot (issue #17): over-long messages are answered by the
channel without the model, and over-large bodies are refused before they are parsed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from scripts.local_stack import rasa_api
from tests.integration.conftest import Conversation

pytestmark = pytest.mark.integration


def events(rasa_url: str, sender: str) -> list:
    with urllib.request.urlopen(
        rasa_api(rasa_url, f"/conversations/{sender}/tracker"), timeout=30
    ) as response:
        return json.loads(response.read())["events"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a" * 2001, "too long"),
        ("how do I apply " * 200, "too long"),
        ("我想申请工作许可" * 300, "太长"),
    ],
)
def test_an_over_long_message_is_answered_without_the_model(
    conversation: Conversation, rasa_url: str, text: str, expected: str
) -> None:
    reply = conversation.say(text)
    assert expected in reply and "2000" in reply
    assert not [e for e in events(rasa_url, conversation.sender) if e.get("event") == "user"]


def test_a_message_at_the_limit_reaches_the_model(conversation: Conversation, rasa_url: str) -> None:
    replies = conversation.send("a" * 2000)
    assert replies and "too long" not in json.dumps(replies)
    assert [e for e in events(rasa_url, conversation.sender) if e.get("event") == "user"]


def test_a_one_megabyte_body_is_refused_at_once(rasa_url: str) -> None:
    body = json.dumps({"sender": "big", "message": "a@" * 500_000}).encode()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 413
    assert time.monotonic() - started < 5


def test_the_bot_still_answers_others_right_after_an_attack(rasa_url: str) -> None:
    Conversation(rasa_url).send("a@" * 20_000)  # 40 KB: under the body limit, over the message cap
    started = time.monotonic()
    assert Conversation(rasa_url).say("hello")
    assert time.monotonic() - started < 10
