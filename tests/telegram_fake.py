"""A local fake of the Telegram Bot API: records what the bot calls, answers like Telegram.

Started by tests on a free port; the bot reaches it through TELEGRAM_API_BASE
(`FakeTelegram.api_base`, PTB's `base_url`). PTB posts form-encoded parameters whose values
are JSON (`reply_markup`, numbers), so values are decoded as JSON where they parse.
Chats in `blocked` answer 403 "bot was blocked by the user", as Telegram does.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import parse_qsl

TOKEN = "123456:TEST-fake-telegram-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Service bot", "username": "service_test_bot"}


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []  # {"method", "token", "params"}
        self.blocked: set[int] = set()
        self._lock = threading.Lock()
        self._message_id = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(body or "{}")
                else:
                    params = {k: _decode(v) for k, v in parse_qsl(body, keep_blank_values=True)}
                # path: /bot<token>/<method>
                _, _, rest = self.path.partition("/bot")
                token, _, method = rest.partition("/")
                status, answer = fake.answer(token, method, params)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> FakeTelegram:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, token: str, method: str, params: Dict[str, Any]) -> tuple:
        with self._lock:
            self.calls.append({"method": method, "token": token, "params": params, "at": time.time()})
            if token != TOKEN:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            chat_id = params.get("chat_id")
            if chat_id is not None and int(chat_id) in self.blocked:
                return 403, {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                }
            if method == "getMe":
                return 200, {"ok": True, "result": BOT_USER}
            if method in ("sendMessage", "sendPhoto"):
                self._message_id += 1
                result = {
                    "message_id": self._message_id,
                    "date": int(time.time()),
                    "chat": {"id": int(chat_id), "type": "private"},
                    "from": BOT_USER,
                    "text": params.get("text", ""),
                }
                return 200, {"ok": True, "result": result}
            return 200, {"ok": True, "result": True}

    def of(self, method: str, chat_id: int | None = None, since: int = 0) -> List[Dict[str, Any]]:
        """The parameters of the recorded calls of `method` (to `chat_id`), from call index `since`."""
        with self._lock:
            calls = self.calls[since:]
        return [
            c["params"]
            for c in calls
            if c["method"] == method and (chat_id is None or str(c["params"].get("chat_id")) == str(chat_id))
        ]

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)
