"""The helpdesk console in real headless Chromium against the real stack (issue #14): two
helpdesk staff in their consoles and two users in the web widget at once. Both users ask for a
person (English and Chinese) and the consoles show them live with a title badge; each staff
member takes one by keyboard; the replies (one typed, one canned in Chinese) reach the right
widget; the user's passport number reaches the console masked; the colleague sees the taken
conversation as theirs-not-mine and cannot reply; one staff member hands back, the other closes
with a reason, and each user is told in their own language."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from backend.models import User
from backend.services.staff import StaffService
from scripts.local_stack import start_stack
from tests.backend import conftest as backend_conftest
from tests.backend.conftest import needs_chromium

pytestmark = [pytest.mark.integration, needs_chromium]

SERVICE_TOKEN = "helpdesk-browser-token-0123456789"
ADMIN, ADMIN_PASSWORD = "hdb-admin", "hdb-admin-password-123"
STAFF = {"hdb-anna": "Anna", "hdb-li": "李老师"}
PASSWORD = "hdb-staff-password-123"
SECRET = "helpdesk-browser-jwt-secret-0123456789"
TIMEOUT = 60_000
BOT = "#kbw-root .kbw-msg.kbw-bot .kbw-bubble"


@dataclass
class Stack:
    backend_url: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("helpdesk-browser")
    backend_env = {
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": "helpdesk-browser-secret-key-0123456789",
        "HELPDESK_HOURS": "always",
    }
    origins = lambda backend_url: {"WIDGET_ORIGINS": backend_url, "WIDGET_JWT_SECRET": SECRET}  # noqa: E731
    with start_stack(tmp, backend_env, SERVICE_TOKEN, rasa_env=origins) as started:
        engine = create_engine(f"sqlite:///{tmp}/backend.db")
        with Session(engine) as session:
            for username, name in STAFF.items():
                StaffService(session).create_user(username, PASSWORD, "helpdesk")
                session.execute(update(User).where(User.username == username).values(display_name=name))
            session.commit()
        engine.dispose()
        yield Stack(started.backend_url)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from backend_conftest.browser.__wrapped__()


def new_page(chromium: Any, url: str) -> Any:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(url)
    return page


def wait_text(page: Any, selector: str, pattern: str) -> str:
    """The first element of `selector` whose text matches `pattern` (a regular expression)."""
    page.wait_for_function(
        "([s, p]) => [...document.querySelectorAll(s)].some(e => new RegExp(p).test(e.textContent))",
        arg=[selector, pattern],
        timeout=TIMEOUT,
    )
    texts = page.locator(selector).all_inner_texts()
    return next(t for t in texts if re.search(pattern, t))


def user_says(page: Any, text: str) -> None:
    page.get_by_role("textbox", name=re.compile("^(Message|消息)$")).fill(text)
    page.keyboard.press("Enter")


def open_widget(chromium: Any, stack: Stack, lang: str) -> Any:
    page = new_page(chromium, f"{stack.backend_url}/?lang={lang}")
    page.locator("#kbw-root .kbw-launcher").click()
    page.wait_for_selector("#kbw-input")
    return page


def sign_in(chromium: Any, stack: Stack, username: str, lang: str) -> Any:
    page = new_page(chromium, f"{stack.backend_url}/console/login?next=/console/helpdesk&lang={lang}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/helpdesk"))
    page.wait_for_selector("#hd-count-waiting")
    return page


def waiting_item(console: Any, number: int) -> Any:
    return console.locator(f"#hd-waiting button[data-handoff='{number}']")


def handoff_ids(console: Any, listed: str) -> list[int]:
    return [
        int(x)
        for x in console.locator(f"#hd-{listed} button[data-handoff]").evaluate_all(
            "(all) => all.map(b => b.getAttribute('data-handoff'))"
        )
    ]


def test_two_staff_and_two_users_at_once(stack: Stack, chromium: Any) -> None:
    anna = sign_in(chromium, stack, "hdb-anna", "en")
    li = sign_in(chromium, stack, "hdb-li", "zh")
    assert li.locator("h1").inner_text() == "人工服务台"
    anna.get_by_role("button", name="Set me available").click()
    wait_text(anna, "#hd-presence-state", "^Available$")

    # Two users ask for a person, in English and in Chinese.
    english = open_widget(chromium, stack, "en")
    user_says(english, "I want to talk to a person")
    wait_text(english, BOT, r"queue")
    chinese = open_widget(chromium, stack, "zh")
    user_says(chinese, "我要人工")
    wait_text(chinese, BOT, "排队")

    anna.wait_for_function("() => document.querySelectorAll('#hd-waiting button[data-handoff]').length >= 2")
    assert anna.title().startswith("(2) ")
    first, second = handoff_ids(anna, "waiting")[:2]
    wait_text(li, "#hd-count-waiting", "^2$")

    # Anna takes the English user's conversation with the keyboard only.
    waiting_item(anna, first).focus()
    anna.keyboard.press("Enter")
    wait_text(anna, "#hd-view-title", str(first))
    anna.locator("#hd-claim").focus()
    anna.keyboard.press("Enter")
    wait_text(english, BOT, "Anna")  # the user is told who has the conversation (display name)
    anna.wait_for_function(f"() => !!document.querySelector(\"#hd-mine button[data-handoff='{first}']\")")

    # Li sees it as a colleague's and cannot act on it; Li takes the Chinese user's.
    li.wait_for_function(f"() => !!document.querySelector(\"#hd-others button[data-handoff='{first}']\")")
    li.locator(f"#hd-others button[data-handoff='{first}']").click()
    wait_text(li, "#hd-f-state", "Anna")
    assert li.locator("#hd-send").is_disabled() and li.locator("#hd-claim").is_disabled()
    waiting_item(li, second).click()
    wait_text(li, "#hd-view-title", str(second))
    li.locator("#hd-claim").click()
    wait_text(chinese, BOT, "李老师")

    # Replies reach the right widget; the user's answer reaches the console masked.
    anna.locator("#hd-text").fill("Hello, I can check your residence permit for you.")
    anna.locator("#hd-text").press("Control+Enter")
    wait_text(english, BOT, "I can check your residence permit")
    user_says(english, "my passport is E12345678")
    shown = wait_text(anna, "#hd-transcript .hd-text", "my passport is")
    assert "E12345678" not in shown
    li.locator("#hd-canned").select_option(index=1)  # the first canned reply, in the user's language
    assert "您好" in li.locator("#hd-text").input_value()
    li.locator("#hd-send").click()
    wait_text(chinese, BOT, "您好，我是外国人来华工作服务的人工客服")
    assert not any("您好，我是" in t for t in english.locator(BOT).all_inner_texts())
    li.locator("#hd-as-note").check()
    li.locator("#hd-text").fill("用户询问居留许可")
    li.locator("#hd-send").click()
    wait_text(li, "#hd-notes .hd-text", "用户询问居留许可")
    time.sleep(1)
    assert not any(
        "用户询问居留许可" in t for t in chinese.locator(BOT).all_inner_texts()
    )  # notes stay inside

    # Hand back and close: each user hears it in their language; the bot answers again.
    anna.locator("#hd-release").click()
    wait_text(english, BOT, "handed the chat back")
    li.locator("#hd-close").click()
    wait_text(li, "#hd-status", "请选择原因|结束会话前")  # a reason is required
    li.locator("#hd-reason").select_option("answered")
    li.locator("#hd-close").click()
    wait_text(chinese, BOT, "工作人员已结束本次人工服务")
    anna.wait_for_function("() => document.querySelectorAll('#hd-closed button[data-handoff]').length >= 2")
    assert not anna.title().startswith("(")
    for page in (anna, li, english, chinese):
        page.context.close()
