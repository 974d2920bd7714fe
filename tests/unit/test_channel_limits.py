"""connectors.limits: the per-sender rate limit every channel shares, through the REST channel's
real blueprint on a real sanic server (issue #17)."""

from __future__ import annotations

import os
import secrets
import socket
from typing import Any, AsyncIterator, List

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from connectors import limits
from connectors.rest import RestInput

Sanic.test_mode = True


@pytest.fixture
async def channel() -> AsyncIterator[Any]:
    """The REST channel with Rasa's handler replaced by one that answers "ok" (and counts)."""
    received: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, "ok")

    app = Sanic(f"channel_{secrets.token_hex(4)}", register=False, configure_logging=False)
    app.blueprint(RestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    async with aiohttp.ClientSession() as http:

        async def say(sender: str, text: str) -> str:
            async with http.post(
                f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            ) as response:
                assert response.status == 200
                return " ".join(m.get("text", "") for m in await response.json())

        yield say, received
    server.close()
    await server.wait_closed()
    limits.set_limiter(None)


async def test_a_sender_over_the_limit_is_asked_to_wait_in_its_language(channel: Any) -> None:
    say, received = channel
    limits.set_limiter(limits.SenderLimiter("3/minute"))
    for i in range(3):
        assert await say("alice", f"hello {i}") == "ok"
    refused = await say("alice", "hello again")
    assert "faster than I can answer" in refused and "seconds" in refused
    zh = await say("alice", "你好")
    assert "太快" in zh, zh
    assert received == ["hello 0", "hello 1", "hello 2"]  # the refused never reached Rasa
    # Other senders are not held up by alice.
    assert await say("bob", "hello") == "ok"


async def test_the_default_limit_stops_a_flood() -> None:
    limiter = limits.from_env({})
    allowed = [limiter.retry_after("rest", "flood") == 0 for _ in range(100)]
    assert 5 <= sum(allowed) <= 30
    assert allowed[0] and not allowed[-1]
    assert limiter.retry_after("rest", "someone else") == 0
    assert limiter.retry_after("telegram", "flood") == 0  # counted per channel


def test_the_limit_comes_from_the_environment() -> None:
    assert [str(i) for i in limits.from_env({"CHANNEL_RATE_LIMIT": "2/second"}).items] == ["2 per 1 second"]
    assert len(limits.from_env({"CHANNEL_RATE_LIMIT": "lots"}).items) == 2  # the default


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_workers_share_the_counts_in_redis() -> None:
    url, prefix = os.environ["TEST_REDIS_URL"], f"test-channel-{secrets.token_hex(4)}"
    one, two = (limits.SenderLimiter("2/minute", url, prefix=prefix) for _ in range(2))
    assert one.retry_after("rest", "s") == 0 and two.retry_after("rest", "s") == 0
    assert one.retry_after("rest", "s") > 0
