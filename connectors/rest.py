"""Rasa's REST channel with a cap on the message size (issue #17, docs/security.md).

Registered in credentials.yml as `connectors.rest.RestInput`; its name stays `rest`, so the
URL stays /webhooks/rest/webhook and everything else is Rasa's RestInput (stream mode,
metadata, input channel). A message longer than MAX_MESSAGE_CHARS (default 2,000, the
length above which the NLU already answers nlu_fallback) gets one answer in the user's
script (Chinese characters: zh, else en) and never reaches the model, the tracker store
or the redaction. Before that, a sender over the per-sender rate limit (connectors/limits.py,
shared by every channel) is asked to wait. The HTTP body itself is capped by sanic's REQUEST_MAX_SIZE
(rasa_ext/launcher.py).

Bad requests get 400 with `{"error": code, "message": text}` in the user's language (the
message's script, else Accept-Language), before Rasa's handler: a body that is not a JSON
object (empty, an array, not JSON), a missing or empty `sender` (Rasa would put every such
request in one conversation, `default`), a `message` that is not a string.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, Mapping

import regex
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import limits
from texts import t

log = logging.getLogger(__name__)
DEFAULT_MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 256
HAN = regex.compile(r"\p{Han}")


def max_message_chars(env: Mapping[str, str] | None = None) -> int:
    """MAX_MESSAGE_CHARS from the environment (a positive integer), else the default."""
    value = (os.environ if env is None else env).get("MAX_MESSAGE_CHARS", "").strip()
    try:
        return int(value) if value and int(value) > 0 else DEFAULT_MAX_MESSAGE_CHARS
    except ValueError:
        log.warning(
            "MAX_MESSAGE_CHARS=%r is not a positive integer: using %d", value, DEFAULT_MAX_MESSAGE_CHARS
        )
        return DEFAULT_MAX_MESSAGE_CHARS


def script_language(text: str) -> str:
    """zh when the text has Chinese characters (a bounded look: the head decides), else en."""
    return "zh" if HAN.search(text, 0, 4 * DEFAULT_MAX_MESSAGE_CHARS) else "en"


def request_language(request: Request, text: Any = None) -> str:
    """The language of an error answer: the message's script, else Accept-Language, else en."""
    if isinstance(text, str) and text.strip():
        return script_language(text)
    accept = (request.headers.get("accept-language") or "").strip().lower()
    return "zh" if accept.startswith("zh") else "en"


def bad_request(request: Request, code: str, text: Any = None) -> HTTPResponse:
    return response.json(
        {"error": code, "message": t(f"channels.{code}", request_language(request, text))}, status=400
    )


def refusal(request: Request) -> HTTPResponse | None:
    """The 400 answer for a request Rasa's handler must not see, else None."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - sanic raises its own error for a body that is not JSON
        body = None
    if not isinstance(body, dict):
        return bad_request(request, "bad_body")
    text = body.get("message")
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return bad_request(request, "missing_sender", text)
    if not isinstance(text, str):
        return bad_request(request, "bad_message")
    return None


class RestInput(RasaRestInput):
    """Rasa's RestInput, answering over-long messages itself."""

    def __init__(self, max_chars: int | None = None) -> None:
        self.max_chars = max_chars or max_message_chars()

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> RestInput:
        return cls((credentials or {}).get("max_message_chars"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def capped(message: UserMessage) -> None:
            if not await limits.admit(message, channel=self.name()):
                return  # the sender is over CHANNEL_RATE_LIMIT: answered politely
            length = len(message.text or "")
            if length <= self.max_chars:
                await on_new_message(message)
                return
            # Neither the text nor the sender is logged: the text may hold personal data.
            log.info("message of %d characters refused (limit %d)", length, self.max_chars)
            reply = t(
                "channels.too_long", script_language(message.text or ""), length=length, limit=self.max_chars
            )
            await message.output_channel.send_text_message(message.sender_id, reply)

        blueprint = super().blueprint(capped)

        @blueprint.middleware("request")
        async def validate(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                return refusal(request)
            return None

        return blueprint
