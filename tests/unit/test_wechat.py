"""connectors/wechat.py without Rasa: the splitter, the numbered options, the state stores and
the API client against the local fake platform (tests/wechat_platform.py)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from wechatpy.exceptions import WeChatClientException

from connectors.wechat import (
    TEXT_LIMIT_BYTES,
    MemoryStore,
    RedisStore,
    WeChatApi,
    enabled,
    pick_option,
    render_message,
    split_text,
    text_language,
)
from tests.wechat_platform import FakeWeChat


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_short_texts_stay_whole() -> None:
    assert split_text("  Hello.  ") == ["Hello."]
    assert split_text("") == []


def test_long_chinese_is_split_after_sentences_within_the_limit() -> None:
    sentence = "外国人来华工作许可申请需要提交护照、学历证明和无犯罪记录证明。"  # 31 chars, 93 bytes
    text = sentence * 60
    chunks = split_text(text)
    assert len(chunks) >= 3
    assert all(size(c) <= TEXT_LIMIT_BYTES for c in chunks)
    assert all(c.endswith("。") for c in chunks)  # never in the middle of a sentence
    assert "".join(chunks) == text


def test_long_english_is_split_after_sentences() -> None:
    text = " ".join(f"Sentence number {i} explains one more rule of the work permit." for i in range(80))
    chunks = split_text(text, limit=500)
    assert all(size(c) <= 500 and c.endswith(".") for c in chunks)
    assert " ".join(chunks) == text


def test_a_sentence_longer_than_the_limit_is_cut_at_spaces_then_characters() -> None:
    words = " ".join(["permit"] * 200)  # no sentence end at all
    chunks = split_text(words, limit=100)
    assert all(size(c) <= 100 for c in chunks) and " ".join(chunks) == words
    blob = "字" * 1000  # 3,000 bytes, no space
    chunks = split_text(blob)
    assert all(size(c) <= TEXT_LIMIT_BYTES for c in chunks) and "".join(chunks) == blob


def test_buttons_become_numbered_options_in_the_message_language() -> None:
    options: list[str] = []
    [text] = render_message(
        {
            "text": "What would you like to do?",
            "buttons": [
                {"title": "Check status", "payload": "/check_status"},
                {"title": "Talk to staff", "payload": "/request_human"},
            ],
        },
        options,
        "zh",
    )
    assert text == "What would you like to do?\nReply 1 for: Check status\nReply 2 for: Talk to staff"
    assert options == ["/check_status", "/request_human"]
    [zh] = render_message(
        {"text": "请问您想办理什么？", "buttons": [{"title": "查询进度", "payload": "/check_status"}]},
        options,
        "en",
    )
    assert zh == "请问您想办理什么？\n回复 3：查询进度"  # numbering continues within one turn
    assert options[2] == "/check_status"


def test_a_number_reply_picks_its_option() -> None:
    options = ["/check_status", "/request_human"]
    assert pick_option("1", options) == "/check_status"
    assert pick_option(" ２ ", options) == "/request_human"  # full-width digits from Chinese keyboards
    assert pick_option("2。", options) == "/request_human"
    for other in ("0", "3", "12a", "one", "", "1000"):
        assert pick_option(other, options) is None
    assert pick_option("1", []) is None


def test_text_language() -> None:
    assert text_language("Your case at the 福州 office was approved.", "zh") == "en"
    assert text_language("您的R字签证申请已受理。", "en") == "zh"
    assert text_language("123", "zh") == "zh"


def test_enabled_needs_token_app_id_and_secret() -> None:
    assert not enabled({})
    assert not enabled({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1"})
    assert enabled({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s"})
    assert not enabled({"WECHAT_TOKEN": " ", "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s"})


def window_and_seen(store: object) -> None:
    async def run() -> None:
        key = f"wechat:test:{uuid.uuid4().hex}"
        assert await store.add_once(key + ":seen", 60) is True  # type: ignore[attr-defined]
        assert await store.add_once(key + ":seen", 60) is False  # type: ignore[attr-defined]
        assert await store.take(key) is False  # type: ignore[attr-defined]  # never opened
        await store.set(key, 5, 60)  # type: ignore[attr-defined]
        assert [await store.take(key) for _ in range(6)] == [True] * 5 + [False]  # type: ignore[attr-defined]
        await store.set(key + ":o", ["/a"], 60)  # type: ignore[attr-defined]
        assert await store.get(key + ":o") == ["/a"]  # type: ignore[attr-defined]

    asyncio.run(run())


def test_memory_store() -> None:
    window_and_seen(MemoryStore())


def test_redis_store() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/3").ping()
    except redis.RedisError:
        pytest.skip("no local Redis")
    window_and_seen(RedisStore("redis://127.0.0.1:6379/3"))


@pytest.fixture
def platform() -> FakeWeChat:
    fake = FakeWeChat("wxunit", "unit-secret")
    yield fake
    fake.stop()


def test_the_token_is_fetched_once_from_the_configured_base(platform: FakeWeChat) -> None:
    api = WeChatApi("wxunit", "unit-secret", platform.url + "/")
    for i in range(3):
        api.send_custom({"touser": "o1", "msgtype": "text", "text": {"content": f"m{i}"}})
    assert platform.token_fetches == 1 and platform.texts_to("o1") == ["m0", "m1", "m2"]


def test_a_rejected_token_is_refreshed_once(platform: FakeWeChat) -> None:
    api = WeChatApi("wxunit", "unit-secret", platform.url)
    api.send_custom({"touser": "o1", "msgtype": "text", "text": {"content": "first"}})
    platform.expire_next = True
    api.send_custom({"touser": "o1", "msgtype": "text", "text": {"content": "second"}})
    assert platform.token_fetches == 2 and platform.rejected == ["40001"]
    assert platform.texts_to("o1") == ["first", "second"]
    # A platform that keeps refusing: one refresh, then the error (no loop).
    platform.errcode_for["o2"] = 42001
    with pytest.raises(WeChatClientException) as raised:
        api.send_custom({"touser": "o2", "msgtype": "text", "text": {"content": "x"}})
    assert raised.value.errcode == 42001 and platform.token_fetches == 3


def test_the_token_is_shared_through_redis(platform: FakeWeChat) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url).delete("wechat:wxunit_access_token")
    except redis.RedisError:
        pytest.skip("no local Redis")
    one, two = (
        WeChatApi("wxunit", "unit-secret", platform.url, url),
        WeChatApi("wxunit", "unit-secret", platform.url, url),
    )
    one.send_custom({"touser": "o1", "msgtype": "text", "text": {"content": "a"}})
    two.send_custom({"touser": "o1", "msgtype": "text", "text": {"content": "b"}})
    assert platform.token_fetches == 1
    ttl = redis.Redis.from_url(url).ttl("wechat:wxunit_access_token")
    assert 7200 - 300 - 5 <= ttl <= 7200 - 300  # renewed shortly before the platform's expiry


def test_the_channel_is_off_without_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.wechat import WeChatInput

    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    channel = WeChatInput.from_credentials(None)
    assert channel.enabled is False and channel.get_output_channel() is None


def test_a_wrong_aes_key_is_a_clear_configuration_error() -> None:
    from connectors.wechat import WeChatInput

    with pytest.raises(ValueError, match="WECHAT_ENCODING_AES_KEY"):
        WeChatInput("token", "wx1", "secret", aes_key="too-short")
