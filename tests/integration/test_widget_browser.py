"""The web widget in real headless Chromium against the real stack (issue #13; issue #12's
chat-page items): backend (serving / and /widget.js), action server and Rasa with the
widget's channel (connectors/socketio.py), WIDGET_ORIGINS = the backend's origin and
WIDGET_JWT_SECRET set, so sessions are signed.

One user's journey, in order: open, send in both languages, a quick reply, the language
switch, a pushed case update, reload, a second tab, a network drop; then a keyboard-only
pass, axe, phone width and 200% zoom, and a forged session.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from scripts.local_stack import rasa_api, start_stack
from tests.backend import conftest as backend_conftest
from tests.backend.cases_support import case_body
from tests.backend.conftest import needs_chromium

pytestmark = [pytest.mark.integration, needs_chromium]

SERVICE_TOKEN = "widget-service-token-0123456789"
ADMIN, ADMIN_PASSWORD = "widget-admin", "widget-admin-password-123"
SECRET = "widget-jwt-secret-for-tests-0123456789"
STORE_PREFIX = "kbw:"
TIMEOUT = 60_000  # ms: the first answers load the models


@dataclass
class WidgetStack:
    backend_url: str
    rasa_url: str


@pytest.fixture(scope="module")
def widget_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetStack]:
    tmp = tmp_path_factory.mktemp("widget")
    backend_env = {
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": "widget-secret-key-0123456789",
    }
    # The backend's address is the allowed origin, known once it runs (Rasa starts last).
    origins = lambda backend_url: {"WIDGET_ORIGINS": backend_url, "WIDGET_JWT_SECRET": SECRET}  # noqa: E731
    with start_stack(tmp, backend_env, SERVICE_TOKEN, rasa_env=origins) as stack:
        yield WidgetStack(stack.backend_url, stack.rasa_url)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, as tests/backend's `browser` fixture."""
    yield from backend_conftest.browser.__wrapped__()


@pytest.fixture(scope="module")
def context(chromium: Any) -> Iterator[Any]:
    """One browser profile: its localStorage is the user's."""
    ctx = chromium.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(TIMEOUT)
    yield ctx
    ctx.close()


def stored(page: Any) -> dict:
    return page.evaluate(
        "(p) => { for (const k of Object.keys(localStorage)) if (k.startsWith(p)) return JSON.parse(localStorage[k]); return {}; }",
        STORE_PREFIX,
    )


def bot_count(page: Any) -> int:
    return page.locator("#kbw-root .kbw-msg.kbw-bot").count()


def more_bot_messages(page: Any, before: int) -> None:
    # A function, not an expression string: the page's CSP (no 'unsafe-eval') refuses those.
    page.wait_for_function(
        "(n) => document.querySelectorAll('#kbw-root .kbw-msg.kbw-bot').length > n",
        arg=before,
        timeout=TIMEOUT,
    )


def send(page: Any, text: str) -> str:
    """Type and send a message; the text of the bot's answer(s) to it."""
    before = bot_count(page)
    page.get_by_role("textbox", name=re.compile("^(Message|消息)$")).fill(text)
    page.keyboard.press("Enter")
    more_bot_messages(page, before)
    time.sleep(0.8)  # an answer may come in several messages
    return "\n".join(page.locator("#kbw-root .kbw-msg.kbw-bot .kbw-bubble").all_inner_texts()[before:])


HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def page(widget_stack: WidgetStack, context: Any) -> Iterator[Any]:
    page = context.new_page()
    page.goto(f"{widget_stack.backend_url}/?lang=en")
    yield page
    page.close()


def test_open_and_talk_in_both_languages_with_a_quick_reply(page: Any) -> None:
    launcher = page.get_by_role("button", name="Chat with us", exact=True)
    launcher.click()
    assert page.evaluate("document.activeElement.id") == "kbw-input"
    assert page.locator("#kbw-root [role=log]").count() == 1
    greeting = send(page, "hello, what can you do?")
    assert not HAN.search(greeting) and re.search(r"\bI can\b", greeting), greeting
    assert page.locator("#kbw-root .kbw-msg.kbw-bot").last.get_attribute("lang") == "en"

    # A quick reply sends its payload and shows its title.
    before = bot_count(page)
    page.locator("#kbw-root .kbw-reply", has_text="Ask a question").click()
    more_bot_messages(page, before)
    assert page.locator("#kbw-root .kbw-msg.kbw-user").last.inner_text().endswith("Ask a question")

    answer = send(page, "外国人来华工作怎么分类？")
    assert HAN.search(answer) and "来源" in answer, answer
    assert page.locator("#kbw-root .kbw-msg.kbw-bot").last.get_attribute("lang") == "zh-CN"
    # Issue 12: the Chinese source link stops before "（核对日期…"; opened safely.
    links = page.locator("#kbw-root .kbw-msg.kbw-bot a")
    assert links.count() >= 1
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        assert (
            re.fullmatch(r"https?://[\x21-\x7e]+", href) and "（" not in href and not href.endswith("）")
        ), href
        assert links.nth(i).get_attribute("rel") == "noopener noreferrer"
        assert links.nth(i).get_attribute("target") == "_blank"


def test_no_html_of_a_message_is_executed(page: Any) -> None:
    answer = send(page, '<img src=x onerror="window.pwned=1"> <script>window.pwned=2</script> hello')
    assert answer
    assert page.evaluate("window.pwned") is None
    shown = page.locator("#kbw-root .kbw-msg.kbw-user").last
    assert "<script>" in shown.inner_text() and shown.locator("img, script").count() == 0


def test_the_language_switch_relabels_and_tells_the_bot(page: Any) -> None:
    page.locator("#kbw-root .kbw-lang").click()
    assert page.locator("#kbw-root .kbw-send").inner_text() == "发送"
    assert page.get_by_role("textbox", name="消息", exact=True).count() == 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('#kbw-root .kbw-msg')].pop().classList.contains('kbw-bot')"
    )
    time.sleep(0.8)
    reply = page.locator("#kbw-root .kbw-msg.kbw-bot .kbw-bubble").last.inner_text()
    assert HAN.search(reply), reply
    assert page.locator("#kbw-root .kbw-msg.kbw-user").last.inner_text().endswith("请用中文回复")
    assert HAN.search(send(page, "ok"))


def test_the_last_row_of_buttons_is_in_view(page: Any) -> None:
    send(page, "hi")
    last = page.locator("#kbw-root .kbw-reply").last
    box, log = last.bounding_box(), page.locator("#kbw-root .kbw-log").bounding_box()
    assert box and log and box["y"] + box["height"] <= log["y"] + log["height"] + 1, (box, log)
    assert box["y"] + box["height"] <= page.viewport_size["height"]


class Officer:
    """A case of this widget session, and an officer who moves its item through the API."""

    def __init__(self, backend_url: str, session: str) -> None:
        from tests.backend.conftest import Client

        body = case_body(["work_permit_new"], conversation_id=session, channel="socketio", language="zh")
        created = Client(backend_url).post_json("/api/v1/cases", body, token=SERVICE_TOKEN)
        assert created.status == 201, created.text
        self.number = created.json()["case"]["number"]
        self.client = Client(backend_url)
        assert self.client.login(ADMIN, ADMIN_PASSWORD).status == 302
        page = self.client.get("/console/cases").text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def move(self, state: str, note: str = "") -> dict:
        changed = self.client.post_json(
            f"/api/v1/cases/{self.number}/items/science_technology/state",
            {"state": state, "note": note},
            token=None,
            headers={"X-CSRF-Token": self.csrf},
        )
        assert changed.status == 200, changed.text
        return changed.json()


@pytest.fixture(scope="module")
def officer(widget_stack: WidgetStack, page: Any) -> Officer:
    return Officer(widget_stack.backend_url, stored(page)["session_id"])


def pushed_since(page: Any, before: int) -> str:
    more_bot_messages(page, before)
    time.sleep(0.5)
    return "\n".join(page.locator("#kbw-root .kbw-msg.kbw-bot .kbw-bubble").all_inner_texts()[before:])


def test_a_pushed_case_update_reaches_the_open_widget(officer: Officer, page: Any) -> None:
    before = bot_count(page)
    officer.move("under_review")
    pushed = pushed_since(page, before)
    assert officer.number in pushed, pushed
    assert page.locator("#kbw-root .kbw-badge").is_hidden()  # the panel is open: nothing unread


def tracker_bot_texts(widget_stack: WidgetStack, session: str) -> list[str]:
    url = rasa_api(widget_stack.rasa_url, f"/conversations/{session}/tracker")
    with urllib.request.urlopen(url, timeout=10) as response:
        events = json.loads(response.read())["events"]
    return [e.get("text") or "" for e in events if e.get("event") == "bot"]


def test_a_push_while_no_widget_is_open_shows_on_the_next_visit(
    widget_stack: WidgetStack, officer: Officer, page: Any
) -> None:
    url, session = page.url, stored(page)["session_id"]
    page.goto(f"{widget_stack.backend_url}/healthz")  # no widget of this session is open
    shown = len(stored(page)["history"])
    in_tracker = len(tracker_bot_texts(widget_stack, session))
    officer.move("supplement_requested", note="Please bring the original degree certificate.")
    deadline = time.time() + 60
    while len(tracker_bot_texts(widget_stack, session)) == in_tracker and time.time() < deadline:
        time.sleep(0.5)
    missed = tracker_bot_texts(widget_stack, session)[in_tracker:]
    assert any(officer.number in t for t in missed), missed

    page.goto(url)
    page.wait_for_function(
        "([k, n]) => (JSON.parse(localStorage.getItem(k) || '{}').history || []).length > n",
        arg=[STORE_PREFIX + widget_stack.rasa_url, shown],
        timeout=TIMEOUT,
    )
    time.sleep(0.5)
    texts = page.locator("#kbw-root .kbw-msg.kbw-bot .kbw-bubble").all_inner_texts()
    assert any(officer.number in t for t in texts[-len(missed) :]), texts[-3:]
    ids = [m["id"] for m in stored(page)["history"]]
    assert len(ids) == len(set(ids))  # nothing shown twice


def test_reload_shows_the_history_and_a_second_tab_continues(context: Any, page: Any) -> None:
    before = stored(page)
    shown = page.locator("#kbw-root .kbw-bubble").all_inner_texts()
    page.reload()
    page.wait_for_selector("#kbw-root .kbw-msg")
    assert stored(page)["session_id"] == before["session_id"]
    assert page.locator("#kbw-root .kbw-bubble").all_inner_texts() == shown

    second = context.new_page()
    second.goto(page.url)
    second.wait_for_selector("#kbw-root .kbw-msg")
    assert second.locator("#kbw-root .kbw-bubble").all_inner_texts() == shown
    first_count = bot_count(page)
    answer = send(second, "你好")
    assert HAN.search(answer)
    # The first tab is in the same room and shows the same answer.
    more_bot_messages(page, first_count)
    second.close()


def test_a_network_drop_keeps_the_typed_text(context: Any, page: Any) -> None:
    box = page.get_by_role("textbox", name="消息", exact=True)
    context.set_offline(True)
    page.wait_for_selector("#kbw-root .kbw-status:not([hidden])")
    box.fill("我的申请到哪一步了？")
    page.keyboard.press("Enter")
    assert box.input_value() == "我的申请到哪一步了？"
    context.set_offline(False)
    page.wait_for_selector("#kbw-root .kbw-status", state="hidden")
    before = bot_count(page)
    page.keyboard.press("Enter")
    more_bot_messages(page, before)
    assert box.input_value() == ""


def test_keyboard_only_end_to_end(widget_stack: WidgetStack, chromium: Any) -> None:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    page.goto(f"{widget_stack.backend_url}/?lang=zh")
    launcher = page.get_by_role("button", name="在线咨询", exact=True)
    launcher.wait_for()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('kbw-launcher')"):
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "kbw-input"
    page.keyboard.type("你好")
    page.keyboard.press("Enter")
    page.wait_for_selector("#kbw-root .kbw-reply")
    page.keyboard.press("Shift+Tab")  # from the box back to the last quick reply
    assert page.evaluate("document.activeElement.classList.contains('kbw-reply')")
    before = bot_count(page)
    page.keyboard.press("Enter")
    more_bot_messages(page, before)
    page.keyboard.press("Escape")
    assert page.locator("#kbw-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('kbw-launcher')")
    ctx.close()


def test_axe_finds_no_serious_or_critical_violation(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    if page.locator("#kbw-panel").is_hidden():
        page.locator("#kbw-root .kbw-launcher").click()
    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad
    # Closed: the launcher alone, with its unread badge.
    page.keyboard.press("Escape")
    results = Axe().run(page)
    assert [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")] == []


@pytest.mark.parametrize(
    "viewport,scale",
    [({"width": 320, "height": 568}, 1), ({"width": 640, "height": 400}, 2)],  # a phone; 1280x800 at 200%
    ids=["phone-320", "zoom-200"],
)
def test_phone_width_and_200_percent_zoom(
    widget_stack: WidgetStack, chromium: Any, viewport: dict, scale: int
) -> None:
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=scale)
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    page.goto(f"{widget_stack.backend_url}/?lang=en")
    page.get_by_role("button", name="Chat with us", exact=True).click()
    send(page, "hi")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    for selector in (
        "#kbw-input",
        "#kbw-root .kbw-send",
        "#kbw-root .kbw-close",
        "#kbw-root .kbw-reply >> nth=-1",
    ):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, (selector, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 1, (selector, box)
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"var/screenshots/widget-{viewport['width']}x{scale}.png")
    ctx.close()


def test_a_forged_session_is_refused(widget_stack: WidgetStack, chromium: Any, page: Any) -> None:
    victim = stored(page)
    assert "外国人来华工作怎么分类？" in page.locator("#kbw-root .kbw-bubble").all_inner_texts()
    import jwt

    forged = jwt.encode(
        {"sub": victim["session_id"], "aud": "widget-session"}, "not-the-secret", algorithm="HS256"
    )
    ctx = chromium.new_context()
    ctx.set_default_timeout(TIMEOUT)
    attacker = ctx.new_page()
    attacker.goto(f"{widget_stack.backend_url}/healthz")
    key = STORE_PREFIX + widget_stack.rasa_url
    for token in (forged, None):  # a forged token, then none at all (unsigned)
        attacker.evaluate(
            "([k, v]) => localStorage.setItem(k, JSON.stringify(v))",
            [key, {"session_id": victim["session_id"], "token": token, "history": []}],
        )
        attacker.goto(f"{widget_stack.backend_url}/?lang=en")
        attacker.wait_for_function(
            "([k, v]) => ((JSON.parse(localStorage.getItem(k) || '{}').session_id) || v) !== v",
            arg=[key, victim["session_id"]],
        )
        own = stored(attacker)["session_id"]
        assert own != victim["session_id"] and re.fullmatch(r"[0-9a-f]{32}", own)
        attacker.get_by_role("button", name="Chat with us", exact=True).click()
        send(attacker, "hello")
        assert "外国人来华工作怎么分类？" not in attacker.locator("#kbw-root .kbw-bubble").all_inner_texts()
    ctx.close()
