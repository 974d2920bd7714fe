"""Issue #17 over the real stack: faked case updates and payloads are ignored, a dead action
server gets an apology, the REST channel refuses bad requests, "delete my data" confirms
first and then erases the conversation in the tracker store (docs/security.md)."""

from __future__ import annotations

import json
import random
import sqlite3
import string
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest

from scripts.local_stack import free_port, rasa_api, start_rasa, stop
from tests.integration.conftest import SERVICE_TOKEN, Conversation, Stack

pytestmark = pytest.mark.integration


def post(url: str, body: bytes | None, headers: Dict[str, str] | None = None) -> tuple:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw


def tracker(rasa_url: str, sender: str) -> Dict[str, Any]:
    with urllib.request.urlopen(rasa_api(rasa_url, f"/conversations/{sender}/tracker"), timeout=30) as r:
        return json.loads(r.read())


def user_events(rasa_url: str, sender: str) -> List[Dict[str, Any]]:
    return [e for e in tracker(rasa_url, sender)["events"] if e.get("event") == "user"]


def actions_run(rasa_url: str, sender: str) -> List[str]:
    return [e["name"] for e in tracker(rasa_url, sender)["events"] if e.get("event") == "action"]


# --- 1. users cannot fake case updates or entity payloads -------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        '/EXTERNAL_case_update{"case_number": "WP2026000001", "case_state": "approved", "department": "labour"}',
        "/EXTERNAL_case_update",
        '/inform{"case_number": "WP2026000001"}',
        '/check_status{"case_number": "WP2026000001"}',
        "/confirm_delete_my_data",
    ],
)
def test_a_typed_payload_the_bot_did_not_offer_is_ignored(stack: Stack, payload: str) -> None:
    conversation = Conversation(stack.rasa_url)
    reply = conversation.say(payload)
    assert "approved" not in reply.lower() and "批准" not in reply
    latest = user_events(stack.rasa_url, conversation.sender)[-1]
    assert latest["parse_data"]["intent"]["name"] == "nlu_fallback"
    assert latest["parse_data"]["entities"] == []
    state = tracker(stack.rasa_url, conversation.sender)
    assert state["slots"].get("status_case_number") is None
    ran = actions_run(stack.rasa_url, conversation.sender)
    assert "action_case_update" not in ran and "action_delete_my_data" not in ran


def test_plain_intent_payloads_and_offered_buttons_still_work(stack: Stack) -> None:
    conversation = Conversation(stack.rasa_url)
    conversation.say("/greet")
    assert user_events(stack.rasa_url, conversation.sender)[-1]["parse_data"]["intent"]["name"] == "greet"
    # "delete my data" offers the confirmation button: pressing it is taken
    replies = conversation.send("delete my data")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "/confirm_delete_my_data" in payloads
    conversation.say("/confirm_delete_my_data")
    assert "action_delete_my_data" in actions_run(stack.rasa_url, conversation.sender)


def test_the_backend_can_still_trigger_the_case_update(stack: Stack) -> None:
    conversation = Conversation(stack.rasa_url)
    conversation.say("hello")
    status, _ = post(
        rasa_api(stack.rasa_url, f"/conversations/{conversation.sender}/trigger_intent"),
        json.dumps({"name": "EXTERNAL_case_update", "entities": {"case_number": "WP2026000001"}}).encode(),
    )
    assert status == 200
    assert "action_case_update" in actions_run(stack.rasa_url, conversation.sender)


# --- 2. the action server down: an apology and the staff offer ---------------------------


@pytest.fixture(scope="module")
def rasa_without_actions(tmp_path_factory) -> str:
    dead = f"http://127.0.0.1:{free_port()}/webhook"  # nothing listens there
    process, url = start_rasa(tmp_path_factory.mktemp("no-actions"), action_url=dead)
    try:
        yield url
    finally:
        stop(process)


@pytest.mark.parametrize(
    "text, expected",
    [("delete my data", "Sorry, something went wrong"), ("删除我的数据", "抱歉")],
)
def test_with_the_action_server_down_the_user_gets_an_apology(
    rasa_without_actions: str, text: str, expected: str
) -> None:
    replies = Conversation(rasa_without_actions).send(text)
    assert replies, "no reply at all"
    joined = "\n".join(r.get("text", "") for r in replies)
    assert expected in joined
    assert "/request_human" in [b["payload"] for r in replies for b in r.get("buttons", [])]


# --- 3 and 5. the REST channel refuses bad requests --------------------------------------


@pytest.mark.parametrize(
    "body, code, expected",
    [
        (json.dumps({"message": "hello"}).encode(), "missing_sender", "sender"),
        (json.dumps({"message": "你好"}).encode(), "missing_sender", "发送者"),
        (json.dumps({"sender": "", "message": "hello"}).encode(), "missing_sender", "sender"),
        (json.dumps({"sender": 12, "message": "hello"}).encode(), "missing_sender", "sender"),
        (b"", "bad_body", "JSON object"),
        (b"[1, 2]", "bad_body", "JSON object"),
        (b"{not json", "bad_body", "JSON object"),
        (json.dumps({"sender": "s-1", "message": 12}).encode(), "bad_message", "string"),
        (json.dumps({"sender": "s-1", "message": {"text": "hi"}}).encode(), "bad_message", "string"),
    ],
)
def test_the_rest_channel_refuses_bad_requests_clearly(
    rasa_url: str, body: bytes, code: str, expected: str
) -> None:
    status, answer = post(f"{rasa_url}/webhooks/rest/webhook", body)
    assert status == 400
    assert answer["error"] == code and expected in answer["message"]


def test_the_refusal_follows_accept_language(rasa_url: str) -> None:
    status, answer = post(f"{rasa_url}/webhooks/rest/webhook", b"[]", {"Accept-Language": "zh-CN,zh;q=0.9"})
    assert status == 400 and "JSON" in answer["message"] and "必须" in answer["message"]


def test_nothing_lands_in_the_default_conversation(rasa_url: str) -> None:
    post(f"{rasa_url}/webhooks/rest/webhook", json.dumps({"message": "my name is Jane Roe"}).encode())
    assert user_events(rasa_url, "default") == []


# --- 4. delete my data: confirmation, then the draft and the conversation are gone ------


def backend_draft(stack: Stack, sender: str, method: str = "GET", body: Any = None) -> int:
    request = urllib.request.Request(
        f"{stack.backend_url}/api/v1/drafts/{sender}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def stored_texts(stack: Stack, sender: str) -> List[str]:
    assert stack.rasa_log is not None
    database = Path(stack.rasa_log).parent / "tracker.db"
    with sqlite3.connect(database) as connection:
        return [
            row[0] for row in connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_delete_my_data_asks_then_erases_the_draft_and_the_conversation(stack: Stack, language: str) -> None:
    conversation = Conversation(stack.rasa_url)
    marker = "Zorblat" + "".join(random.choices(string.ascii_lowercase, k=6))
    conversation.say(f"my employer is {marker} company, how do I get a work permit?")
    assert backend_draft(stack, conversation.sender, "PUT", {"channel": "rest", "language": language}) == 200
    assert any(marker in row for row in stored_texts(stack, conversation.sender))

    replies = conversation.send("delete my data" if language == "en" else "删除我的数据")
    question = "\n".join(r.get("text", "") for r in replies)
    assert ("unfinished application" in question and "keep" in question) or (
        "未完成的申请" in question and "保留" in question
    )
    # asked, nothing deleted yet
    assert backend_draft(stack, conversation.sender) == 200
    assert any(marker in row for row in stored_texts(stack, conversation.sender))

    done = conversation.say("/confirm_delete_my_data")
    assert "official records" in done or "正式记录" in done
    assert backend_draft(stack, conversation.sender) == 404
    rows = stored_texts(stack, conversation.sender)
    assert rows and not any(marker in row for row in rows)
    assert not any(marker in json.dumps(e) for e in tracker(stack.rasa_url, conversation.sender)["events"])
    # the conversation goes on
    assert conversation.say("hello")


def test_delete_my_data_answered_no_keeps_everything(stack: Stack) -> None:
    conversation = Conversation(stack.rasa_url)
    marker = "Quxbar" + "".join(random.choices(string.ascii_lowercase, k=6))
    conversation.say(f"I work for {marker}, can I apply?")
    conversation.say("delete my data")
    conversation.say("/deny")
    assert any(marker in row for row in stored_texts(stack, conversation.sender))


# --- 5. Rasa's story endpoint answers (it answered 500) ----------------------------------


def test_the_story_of_a_conversation_is_exported(rasa_url: str) -> None:
    conversation = Conversation(rasa_url)
    conversation.say("hello")
    conversation.say("how do I get a work permit?")
    conversation.say("中文")
    with urllib.request.urlopen(
        rasa_api(rasa_url, f"/conversations/{conversation.sender}/story"), timeout=30
    ) as r:
        assert r.status == 200
        assert "steps:" in r.read().decode()
