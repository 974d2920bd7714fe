"""connectors.rest: the cap's setting and the reply language (the channel itself: tests/integration)."""

from __future__ import annotations

from connectors.rest import DEFAULT_MAX_MESSAGE_CHARS, RestInput, max_message_chars, script_language


def test_the_cap_comes_from_the_environment() -> None:
    assert max_message_chars({}) == DEFAULT_MAX_MESSAGE_CHARS == 2000
    assert max_message_chars({"MAX_MESSAGE_CHARS": "500"}) == 500
    assert (
        max_message_chars({"MAX_MESSAGE_CHARS": "lots"})
        == max_message_chars({"MAX_MESSAGE_CHARS": "-1"})
        == 2000
    )
    assert RestInput.from_credentials(None).name() == "rest"  # same URL as Rasa's: /webhooks/rest/webhook
    assert RestInput.from_credentials({"max_message_chars": 10}).max_chars == 10


def test_the_reply_language_follows_the_script() -> None:
    assert script_language("我想申请" * 1000) == "zh"
    assert script_language("work permit 工作许可") == "zh"
    assert script_language("a" * 10_000) == "en"
