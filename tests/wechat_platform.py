"""A local fake of the WeChat platform's API (tests only), on a free port: point
WECHAT_API_BASE at `url`. Serves GET /cgi-bin/token and POST /cgi-bin/message/custom/send and
records what the bot sends.

Knobs: `expire_next` (the next send answers 40001 and the current token stops working, as when
the platform expires it early), `errcode_for` (openid -> errcode answered to sends to that
user, e.g. 45015 outside the window), `delay` (seconds before answering a send).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import parse_qs, urlsplit


class FakeWeChat:
    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id, self.secret = app_id, secret
        self.sent: List[Dict[str, Any]] = []
        self.token_fetches = 0
        self.rejected: List[str] = []  # errcodes answered to sends
        self.valid_tokens: set[str] = set()
        self.expire_next = False
        self.errcode_for: Dict[str, int] = {}
        self.delay = 0.0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: Dict[str, Any], status: int = 200) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/cgi-bin/token":
                    return self._answer({"errcode": 404}, 404)
                if query.get("appid") != fake.app_id or query.get("secret") != fake.secret:
                    return self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                with fake._lock:
                    fake.token_fetches += 1
                    token = f"token-{fake.token_fetches}"
                    fake.valid_tokens = {token}
                self._answer({"access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if url.path != "/cgi-bin/message/custom/send":
                    return self._answer({"errcode": 404}, 404)
                if fake.delay:
                    time.sleep(fake.delay)
                with fake._lock:
                    if fake.expire_next:
                        fake.expire_next = False
                        fake.valid_tokens = set()
                        fake.rejected.append("40001")
                        return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                    if query.get("access_token") not in fake.valid_tokens:
                        fake.rejected.append("40001")
                        return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                    code = fake.errcode_for.get(body.get("touser", ""))
                    if code:
                        fake.rejected.append(str(code))
                        return self._answer({"errcode": code, "errmsg": "refused"})
                    fake.sent.append(body)
                self._answer({"errcode": 0, "errmsg": "ok"})

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def texts_to(self, openid: str) -> List[str]:
        return [m["text"]["content"] for m in list(self.sent) if m.get("touser") == openid]

    def wait_for(self, openid: str, count: int = 1, timeout: float = 30.0) -> List[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.texts_to(openid)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return self.texts_to(openid)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
