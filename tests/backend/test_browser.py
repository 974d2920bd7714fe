"""Real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser is
downloaded): a policy editor changes an answer and the bot's answer endpoint returns it;
the sample portal page embeds the widget, named in the page language, keyboard-operable
and keeping typed text while Rasa cannot be reached."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.backend.cases_support import closed_port_url
from tests.backend.conftest import PASSWORD, BackendServer, Client, needs_chromium, start_backend

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))

pytestmark = [needs_chromium]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    # Nothing listens at Rasa's address: the widget stays offline (the full stack is in
    # tests/integration/test_widget_browser.py).
    server = start_backend(tmp_path_factory.mktemp("browser"), database_urls(), rasa_url=closed_port_url())
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


def test_the_portal_page_embeds_the_widget_in_the_page_language(site: BackendServer, browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{site.url}/?lang=zh")
    launcher = page.get_by_role("button", name="在线咨询", exact=True)
    launcher.click()
    assert page.evaluate("document.activeElement.id") == "kbw-input"
    assert page.get_by_role("textbox", name="消息", exact=True).count() == 1
    assert page.locator("#kbw-root [role=log]").count() == 1
    # Rasa is down: the status says so and what the user typed stays in the box.
    page.wait_for_selector("#kbw-root .kbw-status:not([hidden])")
    page.fill("#kbw-input", "我想申请工作许可")
    page.keyboard.press("Enter")
    assert page.input_value("#kbw-input") == "我想申请工作许可"
    page.keyboard.press("Escape")
    assert page.locator("#kbw-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('kbw-launcher')")
    assert not errors, errors  # the widget works under the page's CSP (default-src 'self')

    page.goto(f"{site.url}/?lang=en")
    page.evaluate("() => localStorage.clear()")
    page.reload()
    assert page.get_by_role("button", name="Chat with us", exact=True).count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "portal.png"), full_page=True)
    page.close()
