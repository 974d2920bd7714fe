"""Telegram bot channel (issue #13, docs/channels.md "Telegram").

A custom Rasa input channel at /webhooks/telegram/webhook, built on python-telegram-bot's
`Bot` (Bot API calls) and `Update.de_json` (parsing) inside Rasa's own sanic route: PTB's
Application/Updater would run a second web server and event loop next to Rasa's.

Settings (environment): TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET (both needed, else the
channel is off and its routes answer 404), TELEGRAM_API_BASE (PTB's `base_url`, for a local
fake of the platform), TELEGRAM_WEBHOOK_URL (when set, the webhook is registered with the
secret when Rasa starts). REDIS_URL (optional) keeps the button ids for every process.

The sender id is the chat id, so `get_output_channel()` can push (case updates) with
sendMessage without an incoming update; a failed send raises
`connectors.outbound.DeliveryError`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import json
import logging
import os
import re
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Mapping

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from connectors import limits, splitting
from connectors.outbound import DeliveryError
from connectors.rest import max_message_chars, script_language
from texts import t

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org/bot"
MAX_MESSAGE_LENGTH = 4096  # Telegram's limit, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
MAX_UPDATE_BYTES = 60 * 1024  # under sanic's body cap (64 KB, 413 above); a real update is smaller
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
CALLBACK_PREFIX = "b:"
BUTTON_TTL_SECONDS = 90 * 24 * 3600
MEMORY_BUTTONS = 10_000
TYPING_EVERY_SECONDS = 4.5  # Telegram shows "typing…" for 5 s
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
URL = re.compile(
    r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]+[^\s<>\"'.,;:!?)\]\u3000-\u303f\uff00-\uffef]"
)


def enabled(env: Mapping[str, str]) -> bool:
    """True when TELEGRAM_TOKEN and a valid TELEGRAM_WEBHOOK_SECRET are both set."""
    token = (env.get("TELEGRAM_TOKEN") or "").strip()
    secret = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
    if not token:
        return False
    if not secret:
        log.error(
            "TELEGRAM_TOKEN is set but TELEGRAM_WEBHOOK_SECRET is not: the Telegram channel stays off "
            "(updates without the secret could come from anyone)"
        )
        return False
    if not SECRET_PATTERN.match(secret):
        log.error(
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -: "
            "the Telegram channel stays off"
        )
        return False
    return True


# --- text ---------------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    return splitting.size(text, splitting.utf16_units)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> List[str]:
    """Parts of at most `limit` UTF-16 units (Telegram's count), cut at the best boundary."""
    return splitting.split(text, limit, splitting.utf16_units) or [""]


def to_html(text: str) -> str:
    """Escaped text for parse_mode HTML, with links as anchors; no markup from the text survives."""
    out, last = [], 0
    for match in URL.finditer(text):
        out.append(html.escape(text[last : match.start()], quote=False))
        url = html.escape(match.group(), quote=True)
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def language_hint(code: str | None) -> str | None:
    """'en' or 'zh' from Telegram's IETF language_code ("zh-hans", "en-GB"), else None."""
    primary = (code or "").lower().split("-")[0].split("_")[0]
    return primary if primary in ("en", "zh") else None


# --- button ids -----------------------------------------------------------------------------


class ButtonStore:
    """Maps button payloads to short callback_data ids (Telegram allows 64 bytes).

    The id is a hash of the payload, so the same button always gets the same id; kept in
    Redis when REDIS_URL is set (shared by every Rasa process, survives restarts), else in a
    bounded in-memory LRU. A Redis failure falls back to memory for that call.
    """

    def __init__(self, redis_url: str | None = None, max_items: int = MEMORY_BUTTONS) -> None:
        self.max_items = max_items
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._redis: Any = None
        if redis_url:
            import redis.asyncio as aioredis  # type: ignore[import-untyped]  # Rasa's own dependency

            self._redis = aioredis.from_url(redis_url)

    @staticmethod
    def key_of(payload: str) -> str:
        digest = hashlib.sha256(payload.encode()).digest()[:12]
        return CALLBACK_PREFIX + base64.urlsafe_b64encode(digest).decode()  # 18 bytes

    def _remember(self, key: str, payload: str) -> None:
        self._memory[key] = payload
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_items:
            self._memory.popitem(last=False)

    async def put(self, payload: str) -> str:
        key = self.key_of(payload)
        self._remember(key, payload)
        if self._redis is not None:
            try:
                await self._redis.set(f"telegram:button:{key}", payload, ex=BUTTON_TTL_SECONDS)
            except Exception as exc:  # the in-memory copy still serves this process
                log.warning("button id not stored in Redis (%s)", type(exc).__name__)
        return key

    async def get(self, key: str) -> str | None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        if self._redis is not None and key.startswith(CALLBACK_PREFIX):
            try:
                value = await self._redis.get(f"telegram:button:{key}")
            except Exception as exc:
                log.warning("button id not read from Redis (%s)", type(exc).__name__)
                return None
            if value is not None:
                payload = value.decode() if isinstance(value, bytes) else str(value)
                self._remember(key, payload)
                return payload
        return None


# --- output ---------------------------------------------------------------------------------


def delivery_error(exc: TelegramError) -> DeliveryError:
    """The outbound contract's error for a failed Bot API call."""
    if isinstance(exc, Forbidden):  # blocked by the user, kicked from the group
        return DeliveryError("telegram_blocked", retryable=False)
    if isinstance(exc, InvalidToken):
        return DeliveryError("telegram_invalid_token", retryable=False)
    if isinstance(exc, RetryAfter):
        return DeliveryError("telegram_rate_limited", retryable=True)
    if isinstance(exc, BadRequest):
        if "chat not found" in str(exc).lower():
            return DeliveryError("telegram_chat_not_found", retryable=False)
        return DeliveryError("telegram_bad_request", retryable=False)
    if isinstance(exc, NetworkError):  # includes TimedOut
        return DeliveryError("platform_unreachable", retryable=True)
    return DeliveryError("telegram_error", retryable=True)


class TelegramOutput(OutputChannel):
    """Sends the bot's messages to a chat with sendMessage (replies and pushes alike)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, bot: Bot, buttons: ButtonStore) -> None:
        self.bot = bot
        self.buttons = buttons

    async def _send(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        parts = split_message(text or "")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            try:
                await self.bot.send_message(
                    chat_id=int(chat_id),
                    text=to_html(part) if part else "…",
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                )
            except TelegramError as exc:
                error = delivery_error(exc)
                log.warning("Telegram sendMessage failed: %s (%s)", error.reason, type(exc).__name__)
                raise error from exc
            except ValueError as exc:  # a recipient id that is not a chat id
                raise DeliveryError("telegram_bad_recipient", retryable=False) from exc

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        rows = []
        for button in buttons:
            title = str(button.get("title") or button.get("payload") or "")[:64]
            if button.get("url"):
                rows.append([InlineKeyboardButton(title, url=str(button["url"]))])
            else:
                key = await self.buttons.put(str(button.get("payload") or title))
                rows.append([InlineKeyboardButton(title, callback_data=key)])
        await self._send(recipient_id, text, InlineKeyboardMarkup(rows) if rows else None)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if text:
            await self._send(recipient_id, str(text))


class DisabledTelegramOutput(OutputChannel):
    """The output channel of a switched-off Telegram channel: every send is a DeliveryError."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        raise DeliveryError("telegram_disabled", retryable=True)


# --- input ----------------------------------------------------------------------------------


class TelegramInput(InputChannel):
    """Rasa input channel for a Telegram bot's webhook."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.on = enabled(env)
        self.token = (env.get("TELEGRAM_TOKEN") or "").strip()
        self.secret = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
        self.api_base = (env.get("TELEGRAM_API_BASE") or "").strip() or DEFAULT_API_BASE
        self.webhook_url = (env.get("TELEGRAM_WEBHOOK_URL") or "").strip()
        self.max_chars = max_message_chars(env)
        self.buttons = ButtonStore((env.get("REDIS_URL") or "").strip() or None)
        self._bot: Bot | None = None
        self._seen_updates: OrderedDict[int, None] = OrderedDict()  # Telegram redelivers on timeouts

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> TelegramInput:
        return cls()

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            self._bot = Bot(self.token, base_url=self.api_base, request=HTTPXRequest(connection_pool_size=32))
        return self._bot

    def get_output_channel(self) -> OutputChannel | None:
        # Off (settings removed) but asked for a conversation that last used Telegram: fail
        # loudly rather than let Rasa collect the push into its HTTP answer and call it delivered.
        return TelegramOutput(self.bot, self.buttons) if self.on else DisabledTelegramOutput()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = limits.guarded(on_new_message, self.name())  # per-sender limit
        webhook = Blueprint("telegram_webhook", __name__)
        if not self.on:
            return webhook  # no routes: /webhooks/telegram/* answer 404
        log.info("Telegram channel on (/webhooks/telegram/webhook)")

        if self.webhook_url:

            @webhook.listener("before_server_start")
            async def register(app: Any, loop: Any) -> None:
                try:
                    await self.bot.set_webhook(
                        self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
                    )
                    log.info("Telegram webhook registered")
                except Exception as exc:  # Rasa still starts; the old webhook (if any) stays
                    log.error("Telegram webhook not registered: %s: %s", type(exc).__name__, exc)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER) or ""
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return response.json({"error": "wrong or missing secret token"}, status=403)
            body = request.body or b""
            if len(body) > MAX_UPDATE_BYTES:
                return response.json({"error": f"update larger than {MAX_UPDATE_BYTES} bytes"}, status=400)
            try:
                data = json.loads(body)
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    raise ValueError("not an update object")
                update = Update.de_json(data, self.bot)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                return response.json({"error": f"malformed update: {type(exc).__name__}"}, status=400)
            if self._seen(update.update_id):
                return response.json({"status": "duplicate"})
            try:
                await self.handle(update, on_new_message, request)
            except DeliveryError as exc:  # the user cannot be reached; a retry would not help
                log.warning("Telegram reply not delivered: %s", exc.reason)
            except Exception:  # never a 500 (Telegram would redeliver the update again and again)
                log.exception("Telegram update %s failed", update.update_id)
            return response.json({"status": "ok"})

        return webhook

    def _seen(self, update_id: int) -> bool:
        if update_id in self._seen_updates:
            return True
        self._seen_updates[update_id] = None
        while len(self._seen_updates) > 5000:
            self._seen_updates.popitem(last=False)
        return False

    async def handle(
        self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]], request: Request
    ) -> None:
        if update.edited_message is not None or update.edited_channel_post is not None:
            return  # an edit is not a new turn
        if update.callback_query is not None:
            await self._callback(update, on_new_message, request)
            return
        message = update.message
        if message is None or message.chat is None:
            return  # other update kinds (membership, polls…) carry nothing to answer
        chat_id = str(message.chat.id)
        hint = language_hint(message.from_user.language_code if message.from_user else None)
        output = TelegramOutput(self.bot, self.buttons)
        if message.text is None:
            language = await self._language(request, chat_id, hint)
            await output.send_text_message(chat_id, t("channels.telegram_not_text", language))
            return
        text = message.text
        command = text.split(maxsplit=1)[0].split("@")[0].lower() if text.startswith("/") else ""
        if command == "/start":
            text = "/greet"  # Rasa's intent syntax: the greeting with the menu
        if len(text) > self.max_chars:
            log.info("message of %d characters refused (limit %d)", len(text), self.max_chars)
            reply = t("channels.too_long", script_language(text), length=len(text), limit=self.max_chars)
            await output.send_text_message(chat_id, reply)
            return
        await self._turn(chat_id, text, hint, str(message.message_id), output, on_new_message)

    async def _callback(
        self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]], request: Request
    ) -> None:
        query = update.callback_query
        assert query is not None
        chat = query.message.chat if query.message is not None else None
        chat_id = str(chat.id if chat is not None else query.from_user.id)
        hint = language_hint(query.from_user.language_code if query.from_user else None)
        payload = await self.buttons.get(query.data) if query.data else None
        output = TelegramOutput(self.bot, self.buttons)
        if payload is None:
            language = await self._language(request, chat_id, hint)
            notice = t("channels.telegram_button_expired", language)
            await self._answer(query.id, notice)
            await output.send_text_message(chat_id, notice)
            return
        await self._answer(query.id)  # stops the button's spinner at once
        await self._turn(chat_id, payload, hint, f"cb-{query.id}", output, on_new_message)

    async def _answer(self, query_id: str, text: str | None = None) -> None:
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramError as exc:  # too old a query: the payload is still worth handling
            log.info("answerCallbackQuery failed (%s)", type(exc).__name__)

    async def _turn(
        self,
        chat_id: str,
        text: str,
        hint: str | None,
        message_id: str,
        output: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        typing = asyncio.ensure_future(self._typing(chat_id))
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    chat_id,
                    input_channel=self.name(),
                    message_id=message_id,
                    metadata={"language_hint": hint} if hint else None,
                )
            )
        finally:
            typing.cancel()

    async def _typing(self, chat_id: str) -> None:
        """The typing action until cancelled (when the answer has been sent)."""
        try:
            while True:
                try:
                    await self.bot.send_chat_action(int(chat_id), ChatAction.TYPING)
                except TelegramError:
                    return
                await asyncio.sleep(TYPING_EVERY_SECONDS)
        except asyncio.CancelledError:
            pass

    async def _language(self, request: Request, chat_id: str, hint: str | None) -> str:
        """The conversation's language (its `language` slot), else the user's hint, else en."""
        try:
            agent = request.app.ctx.agent
            tracker = await agent.tracker_store.retrieve(chat_id)
            language = tracker.get_slot("language") if tracker is not None else None
        except Exception:  # a polite answer must not depend on the tracker store
            language = None
        return language if language in ("en", "zh") else hint or "en"
