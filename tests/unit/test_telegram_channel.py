"""connectors.telegram: splitter, button ids, settings, language hint, error mapping.

The channel itself (webhook, pushes) runs over the real stack in tests/integration/test_telegram.py.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from connectors.telegram import (
    CALLBACK_PREFIX,
    ButtonStore,
    TelegramInput,
    delivery_error,
    enabled,
    language_hint,
    split_message,
    to_html,
    utf16_length,
)
from nlu.components.language_detection import detect, resolve

SECRET = "s3cret_value-0123"


# --- splitter ---------------------------------------------------------------------------------


def test_a_short_message_is_one_part() -> None:
    assert split_message("Hello.\nSecond line.") == ["Hello.\nSecond line."]
    assert split_message("a" * 4096) == ["a" * 4096]


def test_a_long_message_is_cut_at_sentence_ends_within_the_limit() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(600))
    parts = split_message(text)
    assert len(parts) > 1
    assert all(utf16_length(p) <= 4096 and p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_chinese_sentences_keep_their_full_stop() -> None:
    text = "请携带护照和劳动合同到办事大厅办理。" * 400
    parts = split_message(text)
    assert len(parts) == 2 and all(p.endswith("。") and len(p) <= 4096 for p in parts)
    assert "".join(parts) == text


def test_paragraphs_are_preferred_to_sentences() -> None:
    first = "A sentence. " * 200
    text = first.strip() + "\n\n" + "Another one. " * 300
    parts = split_message(text)
    assert parts[0] == first.strip()


def test_text_without_any_boundary_is_cut_hard_and_nothing_is_lost() -> None:
    text = "x" * 10_000
    parts = split_message(text)
    assert [len(p) for p in parts] == [4096, 4096, 1808] and "".join(parts) == text


def test_the_limit_counts_utf16_units_like_telegram() -> None:
    emoji = "😀" * 3000  # two UTF-16 units each
    parts = split_message(emoji)
    assert [utf16_length(p) for p in parts] == [4096, 1904] and "".join(parts) == emoji


# --- formatting -----------------------------------------------------------------------------


def test_html_is_escaped_and_links_become_anchors() -> None:
    assert to_html("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    out = to_html("Apply at https://fj.gov.cn/a?b=1&c=2。Thanks.")
    assert (
        out
        == 'Apply at <a href="https://fj.gov.cn/a?b=1&amp;c=2">https://fj.gov.cn/a?b=1&amp;c=2</a>。Thanks.'
    )
    # A quote ends the link: nothing from the text can leave the href attribute.
    assert to_html('https://x.cn/"onclick="y') == '<a href="https://x.cn/">https://x.cn/</a>"onclick="y'
    assert to_html("line one\nline two") == "line one\nline two"
    assert to_html("see https://x.cn/path.") == 'see <a href="https://x.cn/path">https://x.cn/path</a>.'


# --- button ids -----------------------------------------------------------------------------


def test_a_payload_maps_to_a_short_stable_id_and_back() -> None:
    store = ButtonStore()
    payload = '/ask_policy{"faq_id": "work_permit_category_a_requirements_for_high_end_talent"}'
    assert len(payload.encode()) > 64

    async def run() -> None:
        key = await store.put(payload)
        assert key.startswith(CALLBACK_PREFIX) and len(key.encode()) <= 64
        assert await store.put(payload) == key
        assert await store.get(key) == payload
        assert await store.get("b:unknown") is None
        assert await store.put("/greet") != key

    asyncio.run(run())


def test_the_in_memory_store_is_bounded_and_keeps_the_recently_used() -> None:
    store = ButtonStore(max_items=3)

    async def run() -> None:
        keys = [await store.put(f"/p{i}") for i in range(3)]
        assert await store.get(keys[0]) == "/p0"  # used: now the newest
        await store.put("/p3")
        assert await store.get(keys[1]) is None  # the least recently used went
        assert await store.get(keys[0]) == "/p0"
        assert len(store._memory) == 3

    asyncio.run(run())


def _redis_up() -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_ids_kept_in_redis_serve_another_process() -> None:
    payload = f'/inform{{"city": "{uuid.uuid4().hex}"}}'

    async def run() -> None:
        writer = ButtonStore("redis://127.0.0.1:6379/15")
        key = await writer.put(payload)
        reader = ButtonStore("redis://127.0.0.1:6379/15")  # a fresh memory: only Redis knows it
        assert await reader.get(key) == payload
        assert await reader.get("b:never-stored") is None

    asyncio.run(run())


def test_a_redis_outage_falls_back_to_memory() -> None:
    async def run() -> None:
        store = ButtonStore("redis://127.0.0.1:1/0")
        key = await store.put("/greet")
        assert await store.get(key) == "/greet"
        assert await ButtonStore("redis://127.0.0.1:1/0").get(key) is None

    asyncio.run(run())


# --- settings -------------------------------------------------------------------------------


def test_the_channel_needs_a_token_and_a_valid_secret(caplog) -> None:
    assert not enabled({})
    assert enabled({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": SECRET})
    with caplog.at_level(logging.ERROR, logger="connectors.telegram"):
        assert not enabled({"TELEGRAM_TOKEN": "1:x"})
    assert "TELEGRAM_WEBHOOK_SECRET is not" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="connectors.telegram"):
        assert not enabled({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "has spaces!"})
    assert "A-Z" in caplog.text


def test_an_off_channel_has_no_routes_and_refuses_pushes() -> None:
    async def on_new_message(message) -> None:  # never called
        raise AssertionError

    off = TelegramInput({"TELEGRAM_TOKEN": "1:x"})
    assert not off.blueprint(on_new_message)._future_routes
    from connectors.outbound import DeliveryError

    with pytest.raises(DeliveryError) as failure:  # a push is refused, never silently collected
        asyncio.run(off.get_output_channel().send_text_message("42", "case update"))
    assert failure.value.reason == "telegram_disabled"
    on = TelegramInput({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": SECRET})
    assert on.get_output_channel() is not None and on.name() == "telegram"
    assert {r.uri for r in on.blueprint(on_new_message)._future_routes} == {"/webhook", "/"}


# --- language -------------------------------------------------------------------------------


def test_the_telegram_language_code_becomes_a_hint() -> None:
    assert language_hint("zh-hans") == language_hint("zh") == language_hint("zh_CN") == "zh"
    assert language_hint("en-GB") == "en"
    assert language_hint("de") is language_hint(None) is language_hint("") is None


def test_the_hint_decides_only_for_a_new_conversation_and_a_neutral_message() -> None:
    neutral = detect("ok").as_dict()
    assert resolve(neutral, None, hint="zh") == "zh"
    assert resolve(None, None, hint="zh") == "zh"  # "/start" -> "/greet": no detection
    assert resolve(neutral, "en", hint="zh") == "en"  # the conversation already has a language
    assert resolve(detect("How do I apply for a work permit?").as_dict(), None, hint="zh") == "en"
    assert resolve(neutral, None, hint="de") == "en"


# --- delivery errors ------------------------------------------------------------------------


def test_bot_api_failures_map_to_the_outbound_contract() -> None:
    blocked = delivery_error(Forbidden("Forbidden: bot was blocked by the user"))
    assert (blocked.reason, blocked.retryable) == ("telegram_blocked", False)
    assert delivery_error(BadRequest("Chat not found")).reason == "telegram_chat_not_found"
    assert not delivery_error(BadRequest("Chat not found")).retryable
    assert delivery_error(NetworkError("down")).retryable and delivery_error(TimedOut()).retryable
    assert delivery_error(TimedOut()).reason == "platform_unreachable"
    assert delivery_error(RetryAfter(3)).retryable


def test_an_unreachable_api_raises_a_retryable_delivery_error() -> None:
    from connectors.outbound import DeliveryError

    channel = TelegramInput(
        {
            "TELEGRAM_TOKEN": "1:x",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE": "http://127.0.0.1:1/bot",
        }
    )

    async def run() -> None:
        with pytest.raises(DeliveryError) as failure:
            await channel.get_output_channel().send_text_message("42", "hello")
        assert failure.value.reason == "platform_unreachable" and failure.value.retryable

    asyncio.run(run())
    assert httpx  # PTB's transport
