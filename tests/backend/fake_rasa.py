"""A fake Rasa HTTP server for backend tests: records every POST the backend makes
(trigger_intent, tracker/events) and answers 200 like Rasa's REST channel; GET answers a
fixed tracker. tests/integration runs the real Rasa."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

Reply = Callable[[Any], list[dict[str, Any]]]


class FakeRasa:
    """`reply(body)` gives the messages of a POST's answer (none by default); `tracker` is what
    GET /conversations/{id}/tracker answers."""

    def __init__(self, reply: Reply | None = None, tracker: dict[str, Any] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, payload: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                url = urlsplit(self.path)
                fake.calls.append({"path": url.path, "query": parse_qs(url.query), "body": body})
                self._answer(json.dumps({"messages": reply(body) if reply else []}).encode())

            def do_GET(self) -> None:  # noqa: N802
                self._answer(json.dumps(tracker or {"events": []}).encode())

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, conversation_id: str) -> list[dict[str, Any]]:
        """The calls about one conversation, in order."""
        return [c for c in self.calls if f"/conversations/{conversation_id}/" in c["path"]]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
