"""The web widget's channel: Rasa's socket.io channel, fixed and locked down (issue #13,
docs/channels.md "Web widget").

Registered in credentials.yml as `connectors.socketio.SocketIOInput`; its name stays
`socketio` (so `output_channel=latest` finds it), the path stays /socket.io and the events
stay `user_uttered` / `bot_uttered`. What differs from Rasa 3.6.21's channel:

- `enter_room` is awaited (RasaHQ/rasa#13027: python-socketio >= 5.10 made it a coroutine,
  Rasa calls it without await, so a session never joined its room and every message sent
  to the room, that is every push, was lost).
- Session ids are random (128 bits, `secrets`), made here when the client has none; a
  client-sent id must look like one. With WIDGET_JWT_SECRET set, the id comes with a
  signed token (PyJWT, HS256) and a session request without a valid token for that id is
  refused: a client cannot pick another person's conversation.
- A message is taken for the session this socket joined, never for a `session_id` the
  message names, and is capped like the REST channel (MAX_MESSAGE_CHARS).
- A text goes out as one message (Rasa splits at blank lines, which breaks lists), every
  message carries an `id` so tabs of the same session can merge their histories.
- Allowed browser origins: WIDGET_ORIGINS (the same list Rasa's --cors gets in Procfile).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Mapping

import jwt
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from connectors import limits
from connectors.rest import max_message_chars, script_language
from texts import t

log = logging.getLogger(__name__)

DEFAULT_WIDGET_ORIGINS = "http://127.0.0.1:8000 http://localhost:8000"
SESSION_ID_RE = re.compile(r"^[0-9a-f]{32,64}$")
TOKEN_AUDIENCE = "widget-session"
TOKEN_DAYS = 365  # a return "the next day" (or months later) on the same browser continues
MAX_SOCKET_MESSAGE_BYTES = 64 * 1024
REPLAY_LIMIT = 20  # missed bot messages sent to a widget that comes back


def enabled(env: Mapping[str, str] | None = None) -> bool:
    """The widget is on in development; in production only with WIDGET_ORIGINS set."""
    env = os.environ if env is None else env
    if env.get("WIDGET_ORIGINS", "").strip():
        return True
    return env.get("APP_ENV", "development").strip().lower() != "production"


def widget_origins(env: Mapping[str, str] | None = None) -> List[str]:
    """WIDGET_ORIGINS (space- or comma-separated), else the development default."""
    env = os.environ if env is None else env
    raw = env.get("WIDGET_ORIGINS", "").strip() or DEFAULT_WIDGET_ORIGINS
    return [o.rstrip("/") for o in re.split(r"[\s,]+", raw) if o]


def new_session_id() -> str:
    return secrets.token_hex(16)  # 128 bits


def sign_session(session_id: str, secret: str, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {"sub": session_id, "aud": TOKEN_AUDIENCE, "iat": issued, "exp": issued + TOKEN_DAYS * 86400}
    return jwt.encode(claims, secret, algorithm="HS256")


def verified_session(token: Any, secret: str) -> str | None:
    """The session id a token was signed for, or None (bad signature, expired, not ours)."""
    if not isinstance(token, str) or not token:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=TOKEN_AUDIENCE)
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) and SESSION_ID_RE.match(subject) else None


def resolve_session(data: Any, secret: str | None) -> tuple[str | None, str | None, str]:
    """(session id, token to hand back, refusal reason) for a session request's data.

    No id: a new one. An id: kept when it is well formed and, with a secret, when the
    token was signed for exactly that id; else refused (reason set, id None)."""
    data = data if isinstance(data, dict) else {}
    asked = data.get("session_id")
    if not asked:
        session_id = new_session_id()
        return session_id, sign_session(session_id, secret) if secret else None, ""
    if not isinstance(asked, str) or not SESSION_ID_RE.match(asked):
        return None, None, "session_id_invalid"
    if secret:
        if verified_session(data.get("token"), secret) != asked:
            return None, None, "session_unsigned"
        return asked, data.get("token"), ""
    return asked, None, ""


class WidgetSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint; on its path engine.io alone answers CORS (from
    WIDGET_ORIGINS), so Rasa's --cors (sanic-cors) does not add a second
    Access-Control-Allow-Origin header, which browsers reject."""

    def register(self, app: Any, options: Dict[str, Any]) -> None:
        prefix = "/" + str(self.ctx.socketio_path).strip("/") + "/"

        async def engineio_answers_cors(request: Request) -> None:
            if request.path.startswith(prefix):
                setattr(request.ctx, SANIC_CORS_EVALUATED, "1")

        app.register_middleware(engineio_answers_cors, "request")
        self.ctx.app = app  # its agent's tracker store holds what a closed widget missed
        super().register(app, options)


class SocketIOOutput(RasaSocketIOOutput):
    """Rasa's output to the session's room, one message per text, each with an id."""

    async def _send_message(self, socket_id: str, response: Any) -> None:
        # ts: the server's clock, so a widget can ask for what came after its last message.
        message = {"id": uuid.uuid4().hex, "ts": time.time(), **response}
        await self.sio.emit(self.bot_message_evt, message, room=socket_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        replies = [
            {"content_type": "text", "title": b.get("title", ""), "payload": b.get("payload", "")}
            for b in buttons
        ]
        await self._send_message(recipient_id, {"text": text.strip(), "quick_replies": replies})


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel with awaited rooms, checked sessions and origins."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rooms are what pushes reach: without persistence a push has nowhere to go.
        self.session_persistence = True
        self.secret = os.environ.get("WIDGET_JWT_SECRET", "").strip() or None
        self.origins = widget_origins()
        self.on = enabled()
        self.max_chars = max_message_chars()

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = limits.guarded(on_new_message, self.name())  # per-sender limit
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self.origins,
            max_http_buffer_size=MAX_SOCKET_MESSAGE_BYTES,
        )
        self.sio = sio
        bp = WidgetSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        namespace = self.namespace

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.on else "disabled"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: Dict, auth: Dict | None = None) -> bool:
            return self.on

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session_id, token, refused = resolve_session(data, self.secret)
            if session_id is None:
                log.info("widget session request refused: %s", refused)
                await sio.emit("session_refused", {"reason": refused}, room=sid, namespace=namespace)
                return
            previous = (await sio.get_session(sid, namespace=namespace) or {}).get("session_id")
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.enter_room(sid, session_id, namespace=namespace)  # the fix: awaited
            if token:
                await sio.emit("session_token", {"session_id": session_id, "token": token}, room=sid)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            since = data.get("since") if isinstance(data, dict) else None
            if isinstance(since, (int, float)) and not isinstance(since, bool):
                await replay(sid, session_id, float(since))

        async def replay(sid: str, session_id: str, since: float) -> None:
            """The bot messages of the tracker after `since` (pushes while no widget was open)."""
            agent = getattr(getattr(bp.ctx, "app", None), "ctx", None)
            store = getattr(getattr(agent, "agent", None), "tracker_store", None)
            if store is None:
                return
            try:
                tracker = await store.retrieve(session_id)
            except Exception:  # the store being down must not break the connection
                log.exception("widget history replay failed")
                return
            missed = [e for e in (tracker.events if tracker else []) if isinstance(e, BotUttered)]
            for event in [e for e in missed if e.timestamp > since][-REPLAY_LIMIT:]:
                buttons = (event.data or {}).get("buttons") or []
                message = {
                    "id": hashlib.sha256(f"{session_id}:{event.timestamp}:{event.text}".encode()).hexdigest()[
                        :32
                    ],
                    "ts": event.timestamp,
                    "text": event.text or "",
                    "quick_replies": [
                        {"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons
                    ],
                }
                await sio.emit(self.bot_message_evt, message, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            sender_id = (session or {}).get("session_id")
            if not sender_id:
                await sio.emit("session_refused", {"reason": "no_session"}, room=sid, namespace=namespace)
                return
            data = data if isinstance(data, dict) else {}
            text = data.get("message")
            if not isinstance(text, str):
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            if len(text) > self.max_chars:
                lang = script_language(text)
                reply = t("channels.too_long", lang, length=len(text), limit=self.max_chars)
                await output.send_text_message(sender_id, reply)
                return
            metadata = data.get(self.metadata_key)
            message = UserMessage(
                text,
                output,
                sender_id,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else None,
            )
            await on_new_message(message)

        return bp
