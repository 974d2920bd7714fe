"""The whole assistant as `make run` starts it: backend, action server and Rasa.

A policy question is answered from the live knowledge base in the user's language with
its source; an edit made by a policy editor in the console (in real headless Chromium)
changes the bot's very next answer, with no retraining and no restart.
"""

from __future__ import annotations

import shutil

import pytest

from tests.integration.conftest import STAFF_PASSWORD, STAFF_USER, Conversation

pytestmark = pytest.mark.integration


def test_policy_question_in_chinese_gets_a_sourced_chinese_answer(stack):
    reply = Conversation(stack.rasa_url).say("外国人要交社保吗")
    assert "来源" in reply and "核对日期" in reply
    assert "这个回答对您有帮助吗" in reply


def test_policy_question_in_english_gets_a_sourced_english_answer(stack):
    chat = Conversation(stack.rasa_url)
    reply = chat.say("How soon after arriving must I apply for a residence permit?")
    assert "30 days" in reply
    assert "Source:" in reply
    assert "Thank you" in chat.say("yes")  # "was this helpful?" stored


def test_mixed_question_is_answered_in_chinese(stack):
    reply = Conversation(stack.rasa_url).say("residence permit要多少钱")
    assert "来源" in reply


def test_menu_button_asks_for_the_question(stack):
    chat = Conversation(stack.rasa_url)
    chat.say("你好")
    assert "请输入您的问题" in chat.say("/ask_policy")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make test installs it)")
def test_console_edit_changes_the_bots_next_answer(stack):
    from playwright.sync_api import sync_playwright

    question = "Is there a fee for the work permit?"
    chat = Conversation(stack.rasa_url)
    before = chat.say(question)
    assert "Source:" in before
    new_answer = "Edited in the console: the work permit is free, and so is its extension."

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(f"{stack.backend_url}/console/kb?lang=en")
            page.fill("input[name=username]", STAFF_USER)
            page.fill("input[name=password]", STAFF_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/kb*")
            page.fill("input[name=q]", question)
            page.click("form.search button[type=submit]")
            page.click("a[href$='/edit']")
            page.fill("textarea[name=answer_en]", new_answer)
            page.click("button[name=action][value=save]")
            page.wait_for_selector("p.notice")
        finally:
            browser.close()

    assert new_answer in Conversation(stack.rasa_url).say(question)
