"""The WeChat channel over the real stack (backend, action server, Rasa with the trained model)
and a local fake of the WeChat platform (tests/wechat_platform.py, WECHAT_API_BASE): real
signed and AES-encrypted requests, passive replies, the customer-service API, and case-update
pushes through the one outbound path."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from scripts.local_stack import rasa_api, start_stack
from tests.backend.cases_support import case_body
from tests.backend.conftest import SERVICE_TOKEN, Client
from tests.wechat_platform import FakeWeChat

TOKEN, APP_ID, SECRET = "wechat-test-token", "wxtest0123456789ab", "wechat-test-secret-0123"
AES_KEY = base64.b64encode(b"k" * 32).decode()[:-1]  # 43 characters, as the platform shows it
ADMIN, ADMIN_PASSWORD = "wechat-admin", "wechat-admin-password-123"


@dataclass
class Stack:
    tmp: Path
    backend_url: str
    rasa_url: str
    platform: FakeWeChat

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/wechat/webhook"


@pytest.fixture(scope="module")
def wechat(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    tmp = tmp_path_factory.mktemp("wechat")
    platform = FakeWeChat(APP_ID, SECRET)
    backend_env = {
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": "wechat-secret-key-0123456789",
        "NOTIFY_WAIT": "3",
        "OUTBOUND_RETRY_SECONDS": "1",
        "OUTBOUND_SWEEP_SECONDS": "1",
    }
    rasa_env = {
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": SECRET,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_API_BASE": platform.url,
        "REDIS_URL": "",
    }
    try:
        with start_stack(tmp, backend_env, SERVICE_TOKEN, rasa_env=rasa_env) as stack:
            yield Stack(tmp, stack.backend_url, stack.rasa_url, platform)
    finally:
        platform.stop()


# --- the platform's side of the webhook -----------------------------------------------------


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed(**extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    return {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def message_xml(openid: str, msg_type: str = "text", msg_id: int | None = None, **fields: str) -> str:
    created = fields.pop("CreateTime", str(int(time.time())))
    body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    tail = (
        f"<MsgId>{msg_id if msg_id is not None else secrets.randbelow(10**15)}</MsgId>"
        if msg_type != "event"
        else ""
    )
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}{tail}</xml>"
    )


def post(stack: Stack, body: bytes | str, query: dict[str, str] | None = None) -> tuple[int, str, float]:
    query = signed() if query is None else query
    raw = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(
        f"{stack.webhook}?{urllib.parse.urlencode(query)}",
        data=raw,
        method="POST",
        headers={"Content-Type": "text/xml"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), time.monotonic() - started


def reply_content(text: str) -> str:
    parsed = xmltodict.parse(text)["xml"]
    assert parsed["MsgType"] == "text", text
    return parsed["Content"]


def say(stack: Stack, openid: str, content: str, msg_id: int | None = None) -> str:
    status, text, _ = post(stack, message_xml(openid, Content=content, msg_id=msg_id))
    assert status == 200, text
    return reply_content(text)


def say_encrypted(stack: Stack, openid: str, content: str) -> str:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    query = signed(encrypt_type="aes")
    envelope = xmltodict.parse(
        crypto.encrypt_message(message_xml(openid, Content=content), query["nonce"], query["timestamp"])
    )["xml"]
    query["msg_signature"] = envelope["MsgSignature"]
    body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    status, text, _ = post(stack, body, query)
    assert status == 200, text
    answer = xmltodict.parse(text)["xml"]
    assert "Content" not in text and "Encrypt" in answer  # answered encrypted
    plain = crypto.decrypt_message(text, answer["MsgSignature"], answer["TimeStamp"], answer["Nonce"])
    return reply_content(plain)


def new_user() -> str:
    return "o" + secrets.token_hex(13)


def tracker(stack: Stack, openid: str) -> dict[str, Any]:
    sender = urllib.parse.quote(f"{APP_ID}:{openid}", safe=":")
    with urllib.request.urlopen(
        rasa_api(stack.rasa_url, f"/conversations/{sender}/tracker"), timeout=30
    ) as r:
        return json.loads(r.read())


def user_events(stack: Stack, openid: str) -> list[dict[str, Any]]:
    return [e for e in tracker(stack, openid)["events"] if e.get("event") == "user"]


def push_bot_text(stack: Stack, openid: str, text: str) -> tuple[int, str]:
    """What the backend's deliver_text does: a bot event sent on the conversation's channel."""
    sender = urllib.parse.quote(f"{APP_ID}:{openid}", safe=":")
    request = urllib.request.Request(
        rasa_api(
            stack.rasa_url,
            f"/conversations/{sender}/tracker/events?execute_side_effects=true&output_channel=latest",
        ),
        data=json.dumps({"event": "bot", "text": text, "metadata": {"sender": "staff"}}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


# --- verification and rejected requests ---------------------------------------------------------


def test_server_verification(wechat: Stack) -> None:
    query = signed(echostr="echo-1234567890")
    with urllib.request.urlopen(f"{wechat.webhook}?{urllib.parse.urlencode(query)}", timeout=10) as r:
        assert r.read() == b"echo-1234567890"
    for bad in ({**query, "signature": "0" * 40}, {"echostr": "x"}):
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(f"{wechat.webhook}?{urllib.parse.urlencode(bad)}", timeout=10)
        assert raised.value.code == 403


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_processed(wechat: Stack) -> None:
    openid = new_user()
    body = message_xml(openid, Content="hello")
    assert post(wechat, body, {**signed(), "signature": "f" * 40})[0] == 403
    assert post(wechat, body, {})[0] == 403
    query = signed(encrypt_type="aes", msg_signature="0" * 40)
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    envelope = xmltodict.parse(crypto.encrypt_message(body, query["nonce"], query["timestamp"]))["xml"]
    encrypted = f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    assert post(wechat, encrypted, query)[0] == 403  # a good signature, a bad msg_signature
    assert user_events(wechat, openid) == []
    assert wechat.platform.texts_to(openid) == []


def test_malformed_and_oversize_xml_get_a_clear_400(wechat: Stack) -> None:
    for body in (b"<xml><FromUserName>broken", b"not xml at all", b"<other/>", b"<xml></xml>", b"x" * 20_000):
        status, text, _ = post(wechat, body)
        assert status == 400, (body[:30], status, text)
        assert text and "Traceback" not in text
    assert post(wechat, b"x" * 70_000)[0] == 413  # over Rasa's own body limit (rasa_ext/launcher.py)
    entity = b'<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><FromUserName>&a;</FromUserName></xml>'
    assert post(wechat, entity)[0] == 400
    assert post(wechat, message_xml(new_user(), Content="hi", msg_id="not-a-number"))[0] == 400  # type: ignore[arg-type]
    assert post(wechat, message_xml(new_user(), Content="hi", CreateTime="yesterday"))[0] == 400
    openid = new_user()
    assert "too long" in say(wechat, openid, "word " * 600)  # over MAX_MESSAGE_CHARS, as on REST
    assert user_events(wechat, openid) == []  # it never reached the model
    assert say(wechat, new_user(), "hello")  # the channel still works


# --- conversations ------------------------------------------------------------------------------


def test_english_text_buttons_as_numbers_and_the_number_reply(wechat: Stack) -> None:
    openid = new_user()
    greeting = say(wechat, openid, "hello")
    assert "Reply 1 for: Ask a question" in greeting and "Reply 4 for: Check status" in greeting, greeting
    say(wechat, openid, "4")
    last = user_events(wechat, openid)[-1]
    assert last["text"] == "/check_status" and last["parse_data"]["intent"]["name"] == "check_status"
    assert last["input_channel"] == "wechat"
    # The options were for one reply: a later "4" is text again.
    say(wechat, openid, "4")
    assert user_events(wechat, openid)[-1]["text"] == "4"


def test_chinese_text_is_answered_in_chinese(wechat: Stack) -> None:
    openid = new_user()
    greeting = say(wechat, openid, "你好")
    assert "您好" in greeting and "回复 1：政策咨询" in greeting, greeting


def test_encrypted_messages_are_answered_encrypted(wechat: Stack) -> None:
    greeting = say_encrypted(wechat, new_user(), "hello")
    assert "Reply 1 for:" in greeting, greeting


def test_a_retry_of_the_same_message_is_processed_once(wechat: Stack) -> None:
    openid = new_user()
    msg_id = secrets.randbelow(10**15)
    first = say(wechat, openid, "hello", msg_id=msg_id)
    assert first
    status, text, _ = post(wechat, message_xml(openid, Content="hello", msg_id=msg_id))
    assert (status, text) == (200, "success")
    assert [e["text"] for e in user_events(wechat, openid)] == ["hello"]
    # Events are recognised by sender and time.
    created = str(int(time.time()) - 100)
    click = message_xml(openid, "event", Event="CLICK", EventKey="CHECK_STATUS", CreateTime=created)
    assert post(wechat, click)[0] == 200
    assert post(wechat, click)[1] == "success"
    assert [e["text"] for e in user_events(wechat, openid)] == ["hello", "/check_status"]


def test_subscribe_greets_with_the_menu_and_other_message_types(wechat: Stack) -> None:
    openid = new_user()
    status, text, _ = post(wechat, message_xml(openid, "event", Event="subscribe"))
    assert status == 200 and "Reply 1 for:" in reply_content(text), text
    voice = post(wechat, message_xml(openid, "voice", MediaId="m1", Format="amr", Recognition="hello"))
    assert "Reply 1 for:" in reply_content(voice[1])
    assert user_events(wechat, openid)[-1]["text"] == "hello"
    silent = reply_content(post(wechat, message_xml(openid, "voice", MediaId="m2", Format="amr"))[1])
    assert "type your question" in silent
    image = reply_content(
        post(wechat, message_xml(openid, "image", PicUrl="http://x/p.jpg", MediaId="m3"))[1]
    )
    assert "cannot read images" in image
    location = message_xml(
        openid, "location", Location_X="26.07", Location_Y="119.3", Scale="15", Label="Fuzhou"
    )
    assert "only read text and voice" in reply_content(post(wechat, location)[1])
    unknown_menu = message_xml(openid, "event", Event="CLICK", EventKey="NO_SUCH_KEY")
    assert "not available" in reply_content(post(wechat, unknown_menu)[1])


def test_an_answer_not_ready_in_five_seconds_goes_through_the_customer_service_api(wechat: Stack) -> None:
    openid = new_user()
    say(wechat, openid, "hello")  # opens the customer-service window
    platform = wechat.platform
    platform.delay = 7.0  # a staff message is being sent slowly: it holds the conversation
    holder = threading.Thread(target=push_bot_text, args=(wechat, openid, "A message from staff."))
    holder.start()
    time.sleep(1.0)
    status, text, took = post(wechat, message_xml(openid, Content="hello"))
    platform.delay = 0.0
    assert (status, text) == (200, "success") and took < 5.0
    holder.join(30)
    texts = platform.wait_for(openid, 2, timeout=30)
    assert texts[0] == "A message from staff."
    assert "Reply 1 for:" in texts[1], texts


def test_an_expired_token_is_refreshed_once(wechat: Stack) -> None:
    openid = new_user()
    say(wechat, openid, "hello")
    platform = wechat.platform
    assert push_bot_text(wechat, openid, "First.")[0] == 200
    fetches = platform.token_fetches
    assert fetches == 1  # fetched once, then cached
    platform.expire_next = True
    assert push_bot_text(wechat, openid, "Second.")[0] == 200
    assert platform.token_fetches == fetches + 1 and "40001" in platform.rejected
    assert platform.texts_to(openid)[-2:] == ["First.", "Second."]


# --- case updates through the one outbound path -------------------------------------------------


def case_for(stack: Stack, openid: str) -> str:
    client = Client(stack.backend_url)
    response = client.post_json(
        "/api/v1/cases",
        case_body(["work_permit_new"], conversation_id=f"{APP_ID}:{openid}", channel="wechat"),
    )
    assert response.status == 201, response.text
    return response.json()["case"]["number"]


def change_state(stack: Stack, number: str, state: str = "under_review") -> Client:
    officer = Client(stack.backend_url)
    assert officer.login(ADMIN, ADMIN_PASSWORD).status == 302
    page = officer.get(f"/console/cases/{number}")
    form = re.search(r'action="(/console/cases/[^"]+/items/\d+/state)"', page.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert form and token, page.text[:2000]
    changed = officer.post_form(form.group(1), {"csrf_token": token.group(1), "new_state": state, "note": ""})
    assert changed.status in (200, 302, 303), changed.text
    return officer


def notifications(stack: Stack, number: str) -> list[dict[str, Any]]:
    with sqlite3.connect(stack.tmp / "backend.db") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT n.* FROM notifications n JOIN cases c ON c.id = n.case_id WHERE c.number = ? ORDER BY n.id",
            (number,),
        ).fetchall()
    return [dict(r) for r in rows]


def wait_rows(stack: Stack, number: str, predicate: Any, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = notifications(stack, number)
        if rows and predicate(rows):
            return rows
        time.sleep(0.3)
    return notifications(stack, number)


def test_a_case_update_reaches_the_wechat_user(wechat: Stack) -> None:
    openid = new_user()
    say(wechat, openid, "hello")
    number = case_for(wechat, openid)
    change_state(wechat, number)
    texts = wechat.platform.wait_for(openid, 1, timeout=30)
    assert any(number in t and re.search("under review", t, re.I) for t in texts), texts
    [row] = wait_rows(wechat, number, lambda r: r[0]["delivered"])
    assert row["delivered"] == 1 and row["error"] is None and row["attempts"] == 1


def test_a_push_outside_the_window_is_recorded_undeliverable(wechat: Stack) -> None:
    openid = new_user()
    say(wechat, openid, "hello")
    for i in range(5):  # the window's five messages
        assert push_bot_text(wechat, openid, f"Message {i}.")[0] == 200
    status, body = push_bot_text(wechat, openid, "One too many.")
    assert status == 500 and "wechat_window_closed" in body  # what the backend reads
    number = case_for(wechat, openid)
    officer = change_state(wechat, number)
    [row] = wait_rows(wechat, number, lambda r: r[0]["attempts"] >= 1)
    assert (row["delivered"], row["error"], row["next_attempt_at"]) == (0, "wechat_window_closed", None)
    assert not any(number in t for t in wechat.platform.texts_to(openid))
    page = officer.get(f"/console/cases/{number}").text
    assert 'data-reason="wechat_window_closed"' in page
    # The platform's own refusal (45015: the user has not written for 48 hours) counts the same.
    other = new_user()
    say(wechat, other, "hello")
    wechat.platform.errcode_for[other] = 45015
    status, body = push_bot_text(wechat, other, "Hello again.")
    assert status == 500 and "wechat_window_closed" in body
