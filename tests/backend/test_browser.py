"""Real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser is
downloaded): a policy editor changes an answer and the bot's answer endpoint returns it;
the chat page shows bot text as text and sends a button's payload."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.backend.conftest import PASSWORD, BackendServer, Client, needs_chromium, start_backend

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))

pytestmark = [needs_chromium]


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's REST channel, canned: echoes what it received, with an answer and buttons."""

    received: list[dict] = []

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send_response(204)
        self._cors()
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.received.append(body)
        reply = [
            {"recipient_id": body["sender"], "text": "Answer with <script>window.pwned=1</script> in it."},
            {
                "recipient_id": body["sender"],
                "text": "Was this answer helpful?",
                "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
            },
        ]
        data = json.dumps(reply).encode()
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, database_urls: Any, fake_rasa: str
) -> Iterator[BackendServer]:
    server = start_backend(tmp_path_factory.mktemp("browser"), database_urls(), rasa_url=fake_rasa)
    yield server
    server.stop()


def test_policy_editor_changes_an_answer_and_the_bot_answers_with_it(
    site: BackendServer, browser: Any
) -> None:
    question = "How much does the work permit cost?"
    api = Client(site.url)
    assert (
        api.post_json("/api/v1/faq/answer", {"question": question, "language": "en"}).json()["entry"][
            "answer"
        ]
        == "The work permit itself is free of charge."
    )

    page = browser.new_page()
    page.goto(f"{site.url}/console/kb")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/kb")
    page.fill("input[name=q]", "t-wp-fee")
    page.click("form.search button[type=submit]")
    page.click("a[href='/console/kb/t-wp-fee/edit']")
    new_answer = "Free of charge; the employer pays nothing for the permit itself."
    page.fill("textarea[name=answer_en]", new_answer)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-edit.png"), full_page=True)
    page.click("button[name=action][value=save]")
    page.wait_for_selector("p.notice")
    assert "The assistant uses this version from the next question on." in page.inner_text("p.notice")

    answer = api.post_json("/api/v1/faq/answer", {"question": question, "language": "en"}).json()
    assert answer["entry"]["answer"] == new_answer

    page.goto(f"{site.url}/console/kb/preview?q={question}&language=en")
    assert page.get_attribute("#preview-verdict", "data-entry-id") == "t-wp-fee"
    page.goto(f"{site.url}/console/kb/t-wp-fee/history")
    assert "+  " + new_answer in page.inner_text("pre.diff")
    page.close()


def test_chat_page_shows_bot_text_as_text_and_sends_button_payloads(
    site: BackendServer, browser: Any
) -> None:
    FakeRasa.received.clear()
    page = browser.new_page()
    page.goto(f"{site.url}/?lang=en")
    page.fill("#message", "How much does the work permit cost?")
    page.click("#send")
    page.wait_for_selector("button.quick-reply")
    bubbles = page.locator(".msg.bot .bubble").all_inner_texts()
    assert bubbles[0] == "Answer with <script>window.pwned=1</script> in it."
    assert page.evaluate("window.pwned") is None
    page.click("button.quick-reply:has-text('Yes')")
    page.wait_for_function("document.querySelectorAll('.msg.user').length === 2")
    # The page shows the message before the request reaches Rasa: wait for it to arrive.
    deadline = time.time() + 10
    while len(FakeRasa.received) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert [m["message"] for m in FakeRasa.received] == ["How much does the work permit cost?", "/affirm"]
    assert FakeRasa.received[0]["sender"] == FakeRasa.received[1]["sender"]
    page.click("#lang-toggle")
    assert page.inner_text("#send") == "发送"
    page.screenshot(path=str(SCREENSHOTS / "chat.png"), full_page=True)
    page.close()
