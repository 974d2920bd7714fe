"""WeChat official account (公众号) channel (issue #13, docs/channels.md "WeChat").

Registered in credentials.yml as `connectors.wechat.WeChatInput`: URL /webhooks/wechat/webhook.
Built on wechatpy: signatures (`check_signature`), message parsing (`parse_message`), passive
replies (`TextReply`), AES crypto (`WeChatCrypto`) and the API client (`WeChatClient`, here
with its base URL, token URL and token cache replaced, see `WeChatApi`).

- GET: the platform's server verification (signature, echo `echostr`).
- POST: the signature is checked on every request (403, nothing processed or stored). With
  WECHAT_ENCODING_AES_KEY set, `encrypt_type=aes` messages are checked with `msg_signature`,
  decrypted and answered encrypted; plaintext ones are answered in plaintext (compatible mode).
- The sender is `<app id>:<OpenID>`: one user, one conversation.
- The platform waits 5 seconds and retries 3 times: the answer goes back as the passive reply
  when ready within WECHAT_REPLY_SECONDS (default 4.5); otherwise the request gets `success`
  at once and the answer follows through the customer-service API (`message/custom/send`).
  Retries are recognised by MsgId (events: FromUserName + CreateTime) and dropped.
- Buttons become numbered options ("回复 1：…" / "Reply 1 for: …"); a reply "1" sends the
  first option's payload (the last options offered to that user are kept for a day).
- Long answers are split on sentence boundaries at the platform's limit (2,048 bytes).
- The customer-service window (a user action opens 5 messages within 48 hours) is tracked
  per user; a push outside it raises DeliveryError("wechat_window_closed", retryable=False),
  as does the platform's own answer 45015/45047, so the backend records it as undeliverable.
- State (retries seen, options, windows, the access token) lives in Redis when REDIS_URL is
  set (shared by every Rasa process), else in this process's memory with the same TTLs.
- Off unless WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET are set (`enabled`): the
  routes then answer 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
import unicodedata
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Mapping

import regex
import requests
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.client import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException, WeChatClientException
from wechatpy.replies import TextReply
from wechatpy.session import SessionStorage
from wechatpy.utils import check_signature

from connectors import limits, splitting
from connectors.outbound import DeliveryError
from connectors.rest import max_message_chars, script_language
from texts import t

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TEXT_LIMIT_BYTES = 2048  # a text message's content, passive or customer-service
MAX_BODY_BYTES = 16 * 1024  # the platform sends a few KB at most; Rasa refuses > 64 KB (413)
DEFAULT_REPLY_SECONDS = 4.5  # the platform gives up after 5 s
SEEN_TTL = 600  # the platform's retries come within ~15 s
OPTIONS_TTL = 86400
WINDOW_SECONDS = 48 * 3600
WINDOW_MESSAGES = 5
TOKEN_MARGIN = 300  # refresh this long before the token's 7,200 s run out
REFRESH_CODES = {40001, 40014, 42001}  # invalid / expired access token
WINDOW_CODES = {45015, 45047}  # out of the 48 h window / over the message count
RETRYABLE_CODES = {-1, 45009}  # system busy, API rate limit
DEFAULT_MENU = {
    "ASK_POLICY": "ask_policy",
    "CHECK_ELIGIBILITY": "check_eligibility",
    "START_APPLICATION": "start_application",
    "CHECK_STATUS": "check_status",
    "REQUEST_HUMAN": "request_human",
    "MENU": "ask_help",
}
HAN = regex.compile(r"\p{Han}")
LATIN = regex.compile(r"[A-Za-z]")


def enabled(env: Mapping[str, str]) -> bool:
    """The channel is on when the official account's token, app id and secret are set."""
    return all(
        (env.get(name) or "").strip() for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET")
    )


# --- texts: splitting, options, language -------------------------------------------------------


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    """The text in pieces of at most `limit` UTF-8 bytes (WeChat's count), cut after
    paragraphs, lines or sentences where possible (connectors/splitting.py)."""
    return splitting.split(text, limit, splitting.utf8_bytes)


def pack(chunks: List[str], limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    """Consecutive messages joined (blank line between) while they fit in one."""
    packed: List[str] = []
    for chunk in chunks:
        if packed and _size(packed[-1] + "\n\n" + chunk) <= limit:
            packed[-1] += "\n\n" + chunk
        else:
            packed.append(chunk)
    return packed


def text_language(text: str, fallback: str) -> str:
    """zh when Chinese characters outnumber half the Latin letters (an English answer may name
    a Chinese office), en when there are letters, else `fallback`."""
    han = len(HAN.findall(text[:4000]))
    latin = len(LATIN.findall(text[:4000]))
    if han == 0 and latin == 0:
        return fallback
    return "zh" if han * 2 >= latin else "en"


def render_message(message: Mapping[str, Any], options: List[str], fallback_language: str) -> List[str]:
    """One Rasa message as texts within the platform's limit; its buttons become numbered lines
    continuing `options` (the payloads, extended in place)."""
    text = str(message.get("text") or "").strip()
    buttons = [
        b for b in (message.get("buttons") or message.get("quick_replies") or []) if isinstance(b, dict)
    ]
    lines: List[str] = []
    titles = " ".join(str(b.get("title") or "") for b in buttons)
    lang = text_language(text + " " + titles, fallback_language)
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        url = button.get("url")
        if url or (button.get("type") == "web_url"):
            lines.append(t("channels.wechat_link", lang, title=title, url=url or button.get("payload") or ""))
            continue
        payload = str(button.get("payload") or title)
        options.append(payload)
        lines.append(t("channels.wechat_option", lang, number=len(options), title=title))
    for key in ("image", "attachment"):
        if isinstance(message.get(key), str):
            lines.append(str(message[key]))
    body = "\n".join(part for part in (text, "\n".join(lines)) if part)
    if not body and message.get("custom") is not None:
        body = json.dumps(message["custom"], ensure_ascii=False)[:TEXT_LIMIT_BYTES]
    return split_text(body)


def pick_option(text: str, options: List[str]) -> str | None:
    """The payload a reply such as "1" (also "１", " 2 ") picks, if it is a number in range."""
    number = unicodedata.normalize("NFKC", text or "").strip().rstrip(".。")
    if not number.isdigit() or len(number) > 3:
        return None
    index = int(number)
    return options[index - 1] if 1 <= index <= len(options) else None


# --- state: memory or Redis --------------------------------------------------------------------


class MemoryStore:
    """Per-process state with TTLs (when REDIS_URL is not set)."""

    def __init__(self) -> None:
        self._data: Dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> Any:
        found = self._data.get(key)
        if found is None or found[0] < time.time():
            self._data.pop(key, None)
            return None
        return found[1]

    async def add_once(self, key: str, ttl: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (time.time() + ttl, 1)
            if len(self._data) > 100_000:  # bounded: drop what has expired
                now = time.time()
                self._data = {k: v for k, v in self._data.items() if v[0] >= now}
            return True

    async def get(self, key: str) -> Any:
        with self._lock:
            return self._live(key)

    async def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.time() + ttl, value)

    async def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    async def take(self, key: str) -> bool:
        """Use one message of a window; False when it is closed or used up."""
        with self._lock:
            left = self._live(key)
            if not left:
                return False
            expires = self._data[key][0]
            self._data[key] = (expires, left - 1)
            return True


TAKE_SCRIPT = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left <= 0 then return 0 end
redis.call('DECR', KEYS[1])
return 1
"""


class RedisStore:
    """The same state shared by every process through Redis."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis  # type: ignore[import-untyped]

        self.redis = aioredis.from_url(url)

    async def add_once(self, key: str, ttl: float) -> bool:
        return bool(await self.redis.set(key, "1", ex=int(ttl), nx=True))

    async def get(self, key: str) -> Any:
        raw = await self.redis.get(key)
        return None if raw is None else json.loads(raw)

    async def set(self, key: str, value: Any, ttl: float) -> None:
        await self.redis.set(key, json.dumps(value), ex=int(ttl))

    async def delete(self, key: str) -> None:
        await self.redis.delete(key)

    async def take(self, key: str) -> bool:
        return bool(await self.redis.eval(TAKE_SCRIPT, 1, key))


class TtlMemoryStorage(SessionStorage):
    """wechatpy's session storage in memory, honouring the TTL (wechatpy's own ignores it)."""

    def __init__(self) -> None:
        self._data: Dict[str, tuple[float, Any]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        found = self._data.get(key)
        if found is None or found[0] < time.time():
            return default
        return found[1]

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is not None:
            self._data[key] = (time.time() + (ttl or 7200), value)

    def delete(self, key: str) -> None:
        self._data.pop(key, None)


# --- the platform's API ------------------------------------------------------------------------


class WeChatApi(WeChatClient):
    """wechatpy's client on WECHAT_API_BASE (wechatpy builds the token URL from its own
    constant), with the access token cached until TOKEN_MARGIN seconds before it expires,
    fetched by one caller at a time (a Redis lock across processes), and refreshed once when
    the platform answers 40001/42001. Blocking (requests): called in a thread."""

    def __init__(self, app_id: str, secret: str, api_base: str, redis_url: str | None = None) -> None:
        self._redis = None
        storage: SessionStorage
        if redis_url:
            import redis
            from wechatpy.session.redisstorage import RedisStorage

            self._redis = redis.Redis.from_url(redis_url)
            storage = RedisStorage(self._redis, prefix="wechat")
        else:
            storage = TtlMemoryStorage()
        super().__init__(app_id, secret, session=storage, timeout=10, auto_retry=False)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._redis is None:
                yield
                return
            with self._redis.lock(f"wechat:token-lock:{self.appid}", timeout=15, blocking_timeout=15):
                yield

    def fetch_access_token(self) -> Dict[str, Any]:
        res = self._http.get(
            f"{self.api_base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        res.raise_for_status()
        result = res.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        expires_in = int(result.get("expires_in") or 7200)
        self.session.set(self.access_token_key, result["access_token"], max(expires_in - TOKEN_MARGIN, 60))
        log.info("WeChat access token fetched (valid %d s)", expires_in)
        return result

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        if token:
            return str(token)
        with self._locked():
            token = self.session.get(self.access_token_key)
            if not token:  # nobody fetched it while we waited
                self.fetch_access_token()
                token = self.session.get(self.access_token_key)
        return str(token)

    def refresh(self, stale: str) -> None:
        with self._locked():
            current = self.session.get(self.access_token_key)
            if current and current != stale:
                return  # another caller already refreshed it
            self.session.delete(self.access_token_key)
            self.fetch_access_token()

    def send_custom(self, data: Dict[str, Any]) -> Dict[str, Any]:
        token = self.access_token
        try:
            return self.post("message/custom/send", data=dict(data), params={"access_token": token})
        except WeChatClientException as exc:
            if exc.errcode not in REFRESH_CODES:
                raise
            log.info("WeChat access token rejected (%s): refreshing once", exc.errcode)
            self.refresh(stale=token)
            return self.post(
                "message/custom/send", data=dict(data), params={"access_token": self.access_token}
            )


# --- output channels ---------------------------------------------------------------------------


class WeChatPush(OutputChannel):
    """Sends through the customer-service API: the outbound path's pushes (case updates, staff
    replies) and the answers that were not ready within the 5 seconds."""

    def __init__(self, channel: WeChatInput) -> None:
        self.channel = channel
        self.options: List[str] = []

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        openid = self.channel.openid_of(recipient_id)
        offered = len(self.options)
        chunks = render_message(message, self.options, await self.channel.language_of(recipient_id))
        if len(self.options) > offered:
            await self.channel.remember_options(openid, self.options)
        for chunk in chunks:
            await self.channel.push(openid, chunk)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class WeChatTurn(WeChatPush):
    """One user message's answer: collected for the passive reply until the deadline, then
    (`overdue`) pushed."""

    def __init__(self, channel: WeChatInput) -> None:
        super().__init__(channel)
        self.collected: List[str] = []
        self.pushing = False
        self._lock = asyncio.Lock()

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        openid = self.channel.openid_of(recipient_id)
        offered = len(self.options)
        chunks = render_message(message, self.options, await self.channel.language_of(recipient_id))
        if len(self.options) > offered:
            await self.channel.remember_options(openid, self.options)
        if not self.pushing:
            self.collected.extend(chunks)
            return
        async with self._lock:
            for chunk in chunks:
                await self.channel.push(openid, chunk)

    async def overdue(self, openid: str) -> None:
        """The deadline passed: what was collected, and everything after it, is pushed."""
        self.pushing = True
        async with self._lock:
            chunks, self.collected = pack(self.collected), []
            for chunk in chunks:
                await self.channel.push(openid, chunk)


# --- the input channel -------------------------------------------------------------------------


class WeChatInput(InputChannel):
    """The official account's webhook."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        env = os.environ
        try:
            reply_seconds = float(env.get("WECHAT_REPLY_SECONDS") or DEFAULT_REPLY_SECONDS)
        except ValueError:
            log.warning("WECHAT_REPLY_SECONDS is not a number: using %s", DEFAULT_REPLY_SECONDS)
            reply_seconds = DEFAULT_REPLY_SECONDS
        return cls(
            token=env.get("WECHAT_TOKEN", "").strip(),
            app_id=env.get("WECHAT_APP_ID", "").strip(),
            secret=env.get("WECHAT_APP_SECRET", "").strip(),
            aes_key=env.get("WECHAT_ENCODING_AES_KEY", "").strip() or None,
            api_base=env.get("WECHAT_API_BASE", "").strip() or DEFAULT_API_BASE,
            redis_url=env.get("REDIS_URL", "").strip() or None,
            reply_seconds=reply_seconds,
            menu={**DEFAULT_MENU, **dict(credentials.get("menu") or {})},
        )

    def __init__(
        self,
        token: str,
        app_id: str,
        secret: str,
        aes_key: str | None = None,
        api_base: str = DEFAULT_API_BASE,
        redis_url: str | None = None,
        reply_seconds: float = DEFAULT_REPLY_SECONDS,
        menu: Mapping[str, str] | None = None,
    ) -> None:
        self.enabled = bool(token and app_id and secret)
        self.token = token
        self.app_id = app_id
        self.reply_seconds = reply_seconds
        self.menu = dict(menu or DEFAULT_MENU)
        self.crypto: WeChatCrypto | None = None
        if self.enabled and aes_key:
            try:
                self.crypto = WeChatCrypto(token, aes_key, app_id)
            except (AssertionError, ValueError, TypeError) as exc:
                raise ValueError(
                    "WECHAT_ENCODING_AES_KEY must be the 43-character EncodingAESKey of the official account"
                ) from exc
        self.api = WeChatApi(app_id, secret, api_base, redis_url) if self.enabled else None
        self.store: Any = (RedisStore(redis_url) if redis_url else MemoryStore()) if self.enabled else None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.agent: Any = None
        if self.enabled:
            log.info(
                "WeChat channel on (app %s, %s, API %s)",
                app_id,
                "AES" if self.crypto else "plaintext",
                api_base,
            )

    # --- helpers used by the output channels ---

    def sender_of(self, openid: str) -> str:
        return f"{self.app_id}:{openid}"

    def openid_of(self, sender_id: str) -> str:
        prefix = f"{self.app_id}:"
        if not sender_id.startswith(prefix):
            raise DeliveryError("wechat_unknown_recipient", retryable=False)
        return sender_id[len(prefix) :]

    def _key(self, kind: str, openid: str) -> str:
        return f"wechat:{kind}:{self.app_id}:{openid}"

    async def language_of(self, sender_id: str) -> str:
        """The conversation language (the tracker's `language` slot), else the default."""
        from nlu.components.language_detection import DEFAULT_LANGUAGE

        store = getattr(self.agent, "tracker_store", None)
        if store is not None:
            try:
                tracker = await store.retrieve(sender_id)
                value = tracker.get_slot("language") if tracker is not None else None
                if value in ("en", "zh"):
                    return str(value)
            except Exception:  # the language is a nicety; the answer must still go out
                log.exception("conversation language not available")
        return DEFAULT_LANGUAGE

    async def remember_options(self, openid: str, options: List[str]) -> None:
        await self.store.set(self._key("options", openid), list(options), OPTIONS_TTL)

    async def open_window(self, openid: str) -> None:
        await self.store.set(self._key("window", openid), WINDOW_MESSAGES, WINDOW_SECONDS)

    async def push(self, openid: str, text: str) -> None:
        """One customer-service text message, within the user's window."""
        if not await self.store.take(self._key("window", openid)):
            raise DeliveryError("wechat_window_closed", retryable=False)
        data = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        assert self.api is not None
        try:
            await asyncio.to_thread(self.api.send_custom, data)
        except WeChatClientException as exc:
            code = exc.errcode
            if code in WINDOW_CODES:
                raise DeliveryError("wechat_window_closed", retryable=False) from exc
            if code == 43004:
                raise DeliveryError("wechat_unsubscribed", retryable=False) from exc
            if code is None:  # an HTTP error of the platform
                raise DeliveryError("platform_unreachable", retryable=True) from exc
            raise DeliveryError(f"wechat_error_{code}", retryable=code in RETRYABLE_CODES) from exc
        except requests.RequestException as exc:
            raise DeliveryError("platform_unreachable", retryable=True) from exc

    def get_output_channel(self) -> OutputChannel | None:
        return WeChatPush(self) if self.enabled else None

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the webhook ---

    def _signed(self, request: Request) -> bool:
        args = request.args
        signature, timestamp, nonce = (args.get(k) or "" for k in ("signature", "timestamp", "nonce"))
        if not (signature and timestamp and nonce):
            return False
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            return False
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = limits.guarded(on_new_message, self.name())  # per-sender limit
        bp = Blueprint("wechat_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("not found", status=404)
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("not found", status=404)
            if not self._signed(request):
                return response.text("invalid signature", status=403)
            return response.text(request.args.get("echostr") or "")

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("not found", status=404)
            self.agent = getattr(request.app.ctx, "agent", None)
            if not self._signed(request):
                return response.text("invalid signature", status=403)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return response.text(f"message too large (at most {MAX_BODY_BYTES} bytes)", status=400)
            encrypted = request.args.get("encrypt_type") == "aes"
            xml: Any = body
            if encrypted:
                msg_signature = request.args.get("msg_signature") or ""
                if self.crypto is None:
                    return response.text("encrypted message, but no EncodingAESKey is configured", status=400)
                if not msg_signature:
                    return response.text("invalid signature", status=403)
                if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
                    return response.text("malformed XML", status=400)
                try:
                    xml = self.crypto.decrypt_message(
                        body, msg_signature, request.args.get("timestamp"), request.args.get("nonce")
                    )
                except InvalidSignatureException:
                    return response.text("invalid signature", status=403)
                except Exception:  # bad base64, padding, app id, XML
                    return response.text("malformed encrypted message", status=400)
            raw = xml.encode("utf-8") if isinstance(xml, str) else xml
            if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:  # no entity tricks
                return response.text("malformed XML", status=400)
            try:
                message = parse_message(raw)
                if message is None or not message.source:
                    raise ValueError("no sender")
                seen = self._seen_key(message)  # reads MsgId / CreateTime: numbers or a 400
            except Exception:
                return response.text("malformed XML", status=400)
            if not await self.store.add_once(seen, SEEN_TTL):
                log.info("WeChat retry of a message already received: dropped")
                return response.text("success")
            reply = await self._handle(message, on_new_message)
            if reply is None:
                return response.text("success")
            xml_reply = TextReply(content=reply, message=message).render()
            if encrypted and self.crypto is not None:
                xml_reply = self.crypto.encrypt_message(
                    xml_reply, request.args.get("nonce"), request.args.get("timestamp")
                )
            return response.text(xml_reply, content_type="application/xml")

        return bp

    def _seen_key(self, message: Any) -> str:
        """Retries are the same MsgId; events have none: sender and creation time."""
        msg_id = int(message.id or 0)
        created = int(message.time or 0)
        if msg_id:
            return f"wechat:seen:{self.app_id}:msg:{msg_id}"
        return f"wechat:seen:{self.app_id}:event:{message.source}:{created}:{getattr(message, 'event', '')}"

    async def _handle(
        self, message: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> str | None:
        """The passive reply's text, or None (`success`)."""
        openid = str(message.source)
        sender = self.sender_of(openid)
        kind = message.type
        event = getattr(message, "event", None) if kind == "event" else None
        if event == "unsubscribe":
            return None
        await self.open_window(openid)  # any user action opens the customer-service window
        text: str | None = None
        if kind == "text":
            text = str(message.content or "").strip()
            stored = await self.store.get(self._key("options", openid))
            picked = pick_option(text, stored or [])
            if picked is not None:
                text = picked
            if stored:
                await self.store.delete(self._key("options", openid))  # options are for one reply
        elif kind == "voice":
            text = str(getattr(message, "recognition", "") or "").strip()
            if not text:
                return t("channels.wechat_voice_unrecognised", await self.language_of(sender))
        elif kind == "image":
            return t("channels.wechat_image", await self.language_of(sender))
        elif event in ("subscribe", "subscribe_scan"):
            text = "/greet"
        elif event == "click":
            intent = self.menu.get(str(getattr(message, "key", "") or ""))
            if not intent:
                return t("channels.wechat_menu_unknown", await self.language_of(sender))
            text = f"/{intent}"
        elif kind == "event":
            return None  # menu links, scans, location reports: nothing to say
        else:
            return t("channels.wechat_unsupported", await self.language_of(sender))
        if not text:
            return t("channels.wechat_unsupported", await self.language_of(sender))
        limit = max_message_chars()
        if len(text) > limit:  # as on the REST channel: never reaches the model
            return t("channels.too_long", script_language(text), length=len(text), limit=limit)
        return await self._turn(openid, text, on_new_message)

    async def _turn(
        self, openid: str, text: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> str | None:
        """Run the bot; the first part of its answer if ready in time, the rest pushed."""
        output = WeChatTurn(self)
        user_message = UserMessage(
            text, output, self.sender_of(openid), input_channel=self.name(), metadata={"channel": "wechat"}
        )

        async def run() -> None:
            try:
                await on_new_message(user_message)
            except DeliveryError as exc:
                log.warning("WeChat answer not delivered: %s", exc.reason)
            except Exception:
                log.exception("WeChat message could not be handled")

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _ = await asyncio.wait({task}, timeout=self.reply_seconds)
        if task not in done:
            log.info(
                "WeChat answer not ready within %.1f s: it follows through the customer-service API",
                self.reply_seconds,
            )
            self._spawn(self._overdue(output, openid))
            return None
        chunks = pack(output.collected)
        if not chunks:
            return None
        if len(chunks) > 1:
            self._spawn(self._push_rest(openid, chunks[1:]))
        return chunks[0]

    async def _overdue(self, output: WeChatTurn, openid: str) -> None:
        try:
            await output.overdue(openid)
        except DeliveryError as exc:
            log.warning("WeChat answer not delivered: %s", exc.reason)

    async def _push_rest(self, openid: str, chunks: List[str]) -> None:
        await asyncio.sleep(0.3)  # after the passive reply
        for chunk in chunks:
            try:
                await self.push(openid, chunk)
            except DeliveryError as exc:
                log.warning("WeChat answer's continuation not delivered: %s", exc.reason)
                return
