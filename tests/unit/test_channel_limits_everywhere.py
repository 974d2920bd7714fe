"""The per-sender limit is in front of Rasa on every channel, not only REST (issue #17)."""

from __future__ import annotations

from typing import Any, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from connectors import limits


@pytest.fixture
def tight() -> Any:
    limits.set_limiter(limits.SenderLimiter("2/minute"))
    yield
    limits.set_limiter(None)


async def test_guarded_lets_a_person_through_and_answers_a_flood_itself(tight) -> None:
    passed: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        passed.append(message.text or "")

    handler = limits.guarded(on_new_message, "telegram")
    out = CollectingOutputChannel()
    for text in ("one", "two", "three", "四"):
        await handler(UserMessage(text, out, sender_id="42"))
    await handler(UserMessage("other person", out, sender_id="43"))
    assert passed == ["one", "two", "other person"]
    assert len(out.messages) == 2 and "请" in out.messages[1]["text"]  # answered in the message's script


def test_every_channel_blueprint_is_behind_the_limit(monkeypatch) -> None:
    from connectors.socketio import SocketIOInput
    from connectors.telegram import TelegramInput
    from connectors.wechat import WeChatInput

    wrapped: List[str] = []
    real = limits.guarded
    monkeypatch.setattr(
        limits, "guarded", lambda handler, channel: wrapped.append(channel) or real(handler, channel)
    )
    monkeypatch.setenv("WECHAT_TOKEN", "token")
    monkeypatch.setenv("WECHAT_APP_ID", "wx123")
    monkeypatch.setenv("WECHAT_APP_SECRET", "secret")

    async def on_new_message(message: UserMessage) -> None:
        return None

    channels = [
        TelegramInput({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "a-valid_secret-123"}),
        WeChatInput.from_credentials(None),
        SocketIOInput.from_credentials(
            {
                "user_message_evt": "user_uttered",
                "bot_message_evt": "bot_uttered",
                "session_persistence": True,
            }
        ),
    ]
    for channel in channels:
        channel.blueprint(on_new_message)
    assert sorted(wrapped) == sorted(c.name() for c in channels)
