"""The Telegram channel over the real stack, against a local fake of the Bot API.

Backend, action server and Rasa run as in `make run`; Rasa gets TELEGRAM_* settings whose
TELEGRAM_API_BASE points at tests/telegram_fake.py, which records every Bot API call.
Updates are posted to /webhooks/telegram/webhook as Telegram posts them (JSON, secret header).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest

from scripts.local_stack import rasa_api, start_stack
from tests.backend.conftest import Client
from tests.integration.test_application_flow import CASE_NUMBER, Flow, fill_application, tracker
from tests.telegram_fake import TOKEN, FakeTelegram

SECRET = "tg-webhook-secret_0123456789"
SERVICE_TOKEN = "tg-service-token-0123456789"
ADMIN, ADMIN_PASSWORD = "tg-admin", "tg-admin-password-123"
WEBHOOK_URL = "https://assistant.example.gov.cn/webhooks/telegram/webhook"
_ids = itertools.count(1)
_chats = itertools.count(700_000_001)


@dataclass
class TelegramStack:
    fake: FakeTelegram
    flow: Flow


@pytest.fixture(scope="module")
def tg(tmp_path_factory) -> TelegramStack:
    tmp = tmp_path_factory.mktemp("telegram")
    fake = FakeTelegram().start()
    backend_env = {
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": "tg-secret-key-0123456789",
    }
    rasa_env = {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE": fake.api_base,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
    }
    try:
        with start_stack(tmp, backend_env, SERVICE_TOKEN, rasa_env=rasa_env) as stack:
            yield TelegramStack(fake, Flow(tmp, stack.backend_url, stack.rasa_url))
    finally:
        fake.stop()


def post(rasa_url: str, body: bytes, secret: str | None = SECRET) -> tuple:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"{rasa_url}/webhooks/telegram/webhook", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class TelegramUser:
    """One private chat with the bot; `send` returns the bot's messages like the REST channel."""

    def __init__(self, stack: TelegramStack, language_code: str = "en") -> None:
        self.stack = stack
        self.chat_id = next(_chats)
        self.sender = str(self.chat_id)
        self.language_code = language_code
        self.message_id = 0

    def _user(self) -> Dict[str, Any]:
        return {
            "id": self.chat_id,
            "is_bot": False,
            "first_name": "Anna",
            "language_code": self.language_code,
        }

    def message(self, text: str | None = None, **extra: Any) -> Dict[str, Any]:
        self.message_id += 1
        message = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Anna"},
            "from": self._user(),
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"update_id": next(_ids), "message": message}

    def callback(self, data: str) -> Dict[str, Any]:
        return {
            "update_id": next(_ids),
            "callback_query": {
                "id": f"cq-{next(_ids)}",
                "from": self._user(),
                "chat_instance": "ci-1",
                "data": data,
                "message": {
                    "message_id": self.message_id,
                    "date": int(time.time()),
                    "chat": {"id": self.chat_id, "type": "private"},
                    "text": "menu",
                },
            },
        }

    def post(self, update: Dict[str, Any], secret: str | None = SECRET) -> tuple:
        return post(self.stack.flow.rasa_url, json.dumps(update).encode(), secret)

    def replies(self, since: int) -> List[Dict[str, Any]]:
        out = []
        for params in self.stack.fake.of("sendMessage", self.chat_id, since):
            keyboard = (params.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = [
                {"title": b["text"], "payload": b.get("callback_data") or b.get("url")}
                for row in keyboard
                for b in row
            ]
            out.append({**params, "text": plain(params["text"]), "html": params["text"], "buttons": buttons})
        return out

    def send(self, text: str) -> List[Dict[str, Any]]:
        """Text, or a button's callback_data (from a previous reply): a click."""
        mark = self.stack.fake.mark()
        update = self.callback(text) if text.startswith("b:") else self.message(text)
        status, body = self.post(update)
        assert status == 200, body
        return self.replies(mark)

    def say(self, text: str) -> str:
        replies = self.send(text)
        assert replies, f"no reply to {text!r}"
        return "\n".join(r["text"] for r in replies)


def user_texts(stack: TelegramStack, sender: str) -> List[str]:
    try:
        events = tracker(stack.flow, sender)["events"]
    except urllib.error.HTTPError:
        return []
    return [e.get("text") for e in events if e.get("event") == "user"]


def test_the_webhook_is_registered_with_the_secret_at_start(tg):
    calls = tg.fake.of("setWebhook")
    assert calls and calls[0]["url"] == WEBHOOK_URL and calls[0]["secret_token"] == SECRET, calls


def test_english_and_chinese_text_are_answered_in_their_language(tg):
    english = TelegramUser(tg).say("How do I apply for a work permit?")
    assert re.search(r"[A-Za-z]{4,}", english) and not re.search(r"[\u4e00-\u9fff]{4,}", english), english
    chinese = TelegramUser(tg, "en").say("外国人来华工作许可怎么申请？")
    assert re.search(r"[\u4e00-\u9fff]{4,}", chinese), chinese


def test_start_greets_in_the_users_telegram_language_then_the_conversation_decides(tg):
    zh = TelegramUser(tg, "zh-hans")
    mark = tg.fake.mark()
    greeting = zh.say("/start")
    assert "您好" in greeting, greeting
    typing = tg.fake.of("sendChatAction", zh.chat_id, mark)
    assert typing and typing[0]["action"] == "typing"
    # The hint was for the first message only: an English question is answered in English.
    answer = zh.say("How long does a work permit application take?")
    assert not re.search(r"[\u4e00-\u9fff]{4,}", answer), answer
    assert "Hello" in TelegramUser(tg, "en-GB").say("/start")


def test_buttons_are_inline_keyboards_and_a_click_is_answered_and_sent_to_rasa(tg):
    user = TelegramUser(tg)
    [menu] = [r for r in user.send("/start") if r["buttons"]]
    assert len(menu["buttons"]) >= 3
    assert all(len(b["payload"].encode()) <= 64 for b in menu["buttons"])
    eligibility = next(b for b in menu["buttons"] if re.search("eligib", b["title"], re.I))
    mark = tg.fake.mark()
    update = user.callback(eligibility["payload"])
    status, _ = user.post(update)
    assert status == 200
    answered = tg.fake.of("answerCallbackQuery", since=mark)
    assert [a["callback_query_id"] for a in answered] == [update["callback_query"]["id"]]
    assert user_texts(tg, user.sender)[-1] == "/check_eligibility"
    assert user.replies(mark), "no answer to the click"


def test_a_stale_button_gets_a_polite_answer_in_the_users_language(tg):
    user = TelegramUser(tg, "zh")
    user.say("/start")
    mark = tg.fake.mark()
    status, _ = user.post(user.callback("b:unknown-button-id"))
    assert status == 200
    [answered] = tg.fake.of("answerCallbackQuery", since=mark)
    assert "按钮" in answered["text"], answered
    assert user_texts(tg, user.sender) == ["/greet"]  # nothing reached Rasa


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
def test_an_update_without_the_right_secret_is_refused_and_not_processed(tg, secret):
    user = TelegramUser(tg)
    mark = tg.fake.mark()
    status, body = user.post(user.message("hello"), secret=secret)
    assert status == 403, body
    assert tg.fake.mark() == mark  # no Bot API call at all
    assert user_texts(tg, user.sender) == []


def test_an_edited_message_is_not_a_new_turn(tg):
    user = TelegramUser(tg)
    user.say("hello")
    before = user_texts(tg, user.sender)
    edit = user.message("hello, I want to check my status")
    edit["edited_message"] = edit.pop("message")
    mark = tg.fake.mark()
    status, _ = user.post(edit)
    assert status == 200
    assert user.replies(mark) == [] and user_texts(tg, user.sender) == before


def test_a_photo_or_sticker_gets_a_polite_answer_in_the_conversations_language(tg):
    user = TelegramUser(tg, "en")  # the conversation (Chinese), not the hint, decides
    assert re.search(r"[\u4e00-\u9fff]{4,}", user.say("你好，我想咨询工作许可的问题"))
    mark = tg.fake.mark()
    status, _ = user.post(
        user.message(photo=[{"file_id": "f1", "file_unique_id": "u1", "width": 9, "height": 9}])
    )
    assert status == 200
    [reply] = user.replies(mark)
    assert "文字" in reply["text"], reply
    mark = tg.fake.mark()
    sticker = {"file_id": "s1", "file_unique_id": "s1", "width": 9, "height": 9, "is_animated": False}
    status, _ = user.post(user.message(sticker={**sticker, "is_video": False, "type": "regular"}))
    assert status == 200 and "文字" in user.replies(mark)[0]["text"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"message": {"text": "no update id"}}',
        b'{"update_id": 5, "message": {"x": 1}}',
    ],
)
def test_a_malformed_update_is_a_clear_400(tg, body):
    status, answer = post(tg.flow.rasa_url, body)
    assert status == 400, answer
    assert "error" in json.loads(answer)


def test_an_oversize_update_is_refused_never_a_500(tg):
    user = TelegramUser(tg)
    update = user.message("x" * 62_000)
    status, answer = user.post(update)
    assert status == 400 and "larger" in json.loads(answer)["error"], answer
    status, _ = user.post(user.message("x" * 100_000))
    assert status == 413  # sanic's body cap (RASA_MAX_BODY_BYTES)


def test_a_long_message_is_split_and_links_render(tg):
    """A staff reply (the outbound path's `bot` event) of 9,000 characters, pushed to the chat."""
    user = TelegramUser(tg)
    user.say("hello")
    sentence = "Please bring your passport and the contract to the office at https://rsj.fuzhou.gov.cn/. "
    long_text = sentence * (9000 // len(sentence) + 1)
    mark = tg.fake.mark()
    request = urllib.request.Request(
        rasa_api(
            tg.flow.rasa_url,
            f"/conversations/{user.sender}/tracker/events?execute_side_effects=true&output_channel=latest",
        ),
        data=json.dumps({"event": "bot", "text": long_text, "metadata": {"sender": "staff"}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    parts = user.replies(mark)
    assert len(parts) == 3, [len(p["text"]) for p in parts]
    assert all(len(p["text"]) <= 4096 and p["text"].endswith(".") for p in parts), [
        p["text"][-80:] for p in parts
    ]
    assert " ".join(p["text"] for p in parts) == long_text.strip()
    assert parts[0]["parse_mode"] == "HTML" and '<a href="https://rsj.fuzhou.gov.cn/">' in parts[0]["html"]


def test_user_markup_is_escaped(tg):
    user = TelegramUser(tg)
    replies = user.send("<b>hello</b> what is a work permit?")
    assert replies
    assert all("<b>" not in r["html"] for r in replies)


def _officer_moves(stack: TelegramStack, number: str, state: str = "under_review") -> None:
    officer = Client(stack.flow.backend_url)
    assert officer.login(ADMIN, ADMIN_PASSWORD).status == 302
    page = officer.get(f"/console/cases/{number}")
    assert page.status == 200, page.text
    form = re.search(r'action="(/console/cases/[^"]+/items/\d+/state)"', page.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    changed = officer.post_form(form.group(1), {"csrf_token": token, "new_state": state, "note": "ok"})
    assert changed.status in (200, 302, 303), changed.text  # never fails because a channel is down


@pytest.fixture(scope="module")
def applicant(tg):
    """A Telegram user who applied in Chinese, every button clicked through callback queries."""
    user = TelegramUser(tg, "zh-hans")
    answer = fill_application(tg.flow, user, "zh")
    match = CASE_NUMBER.search(answer)
    assert match, answer
    return user, match.group(0)


def test_a_case_update_is_pushed_to_the_telegram_chat_in_the_users_language(tg, applicant):
    user, number = applicant
    mark = tg.fake.mark()
    _officer_moves(tg, number)
    deadline = time.time() + 30
    pushed: List[Dict[str, Any]] = []
    while time.time() < deadline and not pushed:
        pushed = [r for r in user.replies(mark) if number in r["text"]]
        time.sleep(0.3)
    assert pushed, tg.fake.of("sendMessage", user.chat_id, mark)
    assert "审查中" in pushed[0]["text"], pushed


def test_a_push_to_a_user_who_blocked_the_bot_is_a_delivery_error(tg, applicant):
    user, number = applicant
    tg.fake.blocked.add(user.chat_id)
    try:
        request = urllib.request.Request(
            rasa_api(tg.flow.rasa_url, f"/conversations/{user.sender}/trigger_intent?output_channel=latest"),
            data=json.dumps(
                {
                    "name": "EXTERNAL_case_update",
                    "entities": {"case_number": number, "case_state": "approved"},
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(request, timeout=30)
        body = failure.value.read().decode()
        assert "telegram_blocked" in body and "retryable=False" in body, body
        # Through the backend: the officer's change succeeds, the push is recorded as not delivered.
        _officer_moves(tg, number, "supplement_requested")
        db = Path(tg.flow.tmp) / "backend.db"
        deadline = time.time() + 30
        rows: list = []
        while time.time() < deadline:
            with sqlite3.connect(db) as connection:
                rows = connection.execute(
                    "select delivered, error from notifications where conversation_id = ? order by id",
                    (user.sender,),
                ).fetchall()
            if len(rows) >= 2 and rows[-1][1]:
                break
            time.sleep(0.3)
        assert rows and rows[-1][0] == 0 and rows[-1][1], rows
    finally:
        tg.fake.blocked.discard(user.chat_id)
