"""Per-sender rate limit shared by every input channel (issue #17, docs/security.md).

One sender may not make Rasa work faster than a person chats: above CHANNEL_RATE_LIMIT
(`limits` notation, several limits separated by ";", default "30/10 seconds;120/minute")
a message gets one polite answer in the user's script (texts/channels.yml `too_fast`) and
never reaches the model or the tracker store, so nobody can build a huge conversation fast
or hold the event loop for others. Counted per channel and sender id, in this process's
memory, or in Redis when REDIS_URL is set (several Rasa workers share the counts).

A channel calls it on every incoming message before handing it to Rasa:

    from connectors import limits

    async def handler(message: UserMessage) -> None:
        if not await limits.admit(message, channel=self.name()):
            return  # already answered on message.output_channel
        await on_new_message(message)

or wraps it once in its blueprint: `on_new_message = limits.guarded(on_new_message, self.name())`;
or asks `limits.retry_after(channel, sender_id)` (0: go ahead) and sends
`limits.refusal_text(text, seconds)` itself when it answers in another way (a webhook reply).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from typing import Any, Awaitable, Callable, List, Mapping

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from rasa.core.channels.channel import UserMessage

from texts import t

log = logging.getLogger(__name__)
DEFAULT_RATE = "30/10 seconds;120/minute"


class SenderLimiter:
    def __init__(
        self, rate: str = DEFAULT_RATE, storage_url: str = "memory://", prefix: str = "channel"
    ) -> None:
        self.items: List[RateLimitItem] = parse_many(rate)
        self.storage = storage_from_string(storage_url)  # the limiter holds only a weak reference
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.prefix = prefix

    def retry_after(self, channel: str, sender_id: str | None) -> int:
        """Count this message; 0 when it may go on, else the seconds to wait."""
        # Sender ids are hashed: the limiter's storage (Redis) holds no user identifiers.
        key = hashlib.sha256(f"{channel}\0{sender_id or ''}".encode("utf-8", "replace")).hexdigest()[:32]
        for item in self.items:
            if not self.limiter.hit(item, self.prefix, key):
                reset, _ = self.limiter.get_window_stats(item, self.prefix, key)
                return max(1, math.ceil(reset - time.time()))
        return 0


def from_env(env: Mapping[str, str] | None = None) -> SenderLimiter:
    env = os.environ if env is None else env
    rate = env.get("CHANNEL_RATE_LIMIT", "").strip() or DEFAULT_RATE
    try:
        parse_many(rate)
    except ValueError:
        log.warning("CHANNEL_RATE_LIMIT=%r is not a rate such as 20/10 seconds: using %s", rate, DEFAULT_RATE)
        rate = DEFAULT_RATE
    return SenderLimiter(rate, env.get("REDIS_URL", "").strip() or "memory://")


_limiter: SenderLimiter | None = None


def limiter() -> SenderLimiter:
    """The process-wide limiter (built from the environment at first use)."""
    global _limiter
    if _limiter is None:
        _limiter = from_env()
    return _limiter


def set_limiter(value: SenderLimiter | None) -> None:
    """Replace the process-wide limiter (None: rebuilt from the environment at next use)."""
    global _limiter
    _limiter = value


def retry_after(channel: str, sender_id: str | None) -> int:
    return limiter().retry_after(channel, sender_id)


def refusal_text(text: str | None, seconds: int) -> str:
    """The polite answer, in the script of the message (Chinese characters: zh, else en)."""
    from connectors.rest import script_language

    return t("channels.too_fast", script_language(text or ""), seconds=seconds)


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: str
) -> Callable[[UserMessage], Awaitable[Any]]:
    """`on_new_message` behind the per-sender limit: what every channel's blueprint hands on."""

    async def handler(message: UserMessage) -> Any:
        if await admit(message, channel=channel):
            return await on_new_message(message)
        return None

    return handler


async def admit(message: UserMessage, channel: str) -> bool:
    """True when the message may go to Rasa; else answers it on its output channel."""
    seconds = retry_after(channel, message.sender_id)
    if not seconds:
        return True
    # Neither the text nor the sender id is logged.
    log.info("%s: a sender over the rate limit was asked to wait %d s", channel, seconds)
    await message.output_channel.send_text_message(message.sender_id, refusal_text(message.text, seconds))
    return False
