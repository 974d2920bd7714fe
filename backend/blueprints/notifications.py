"""GET /chat/notifications/{conversation_id}: pushed bot messages as server-sent events.

The demo chat page (REST channel) cannot receive what Rasa says on its own initiative;
the backend keeps the messages Rasa returned for a case update and streams them here.
Only that conversation's messages are sent; the page's conversation id is a random,
unguessable id. Each event's id is the notification id: a reconnecting EventSource sends
it back as Last-Event-ID (the page also passes ?after= from its session storage).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import unquote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from backend.errors import ApiError
from backend.services.cases import conversation_ok
from backend.services.notifications import messages_after

bp = Blueprint("notifications")
POLL_SECONDS = 2.0  # other workers' notifications are found by polling the table
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser reconnects (EventSource does so by itself)


def _cursor(request: Request) -> int:
    for raw in (request.headers.get("last-event-id"), request.args.get("after")):
        if raw and raw.isdigit() and len(raw) < 16:
            return int(raw)
    return 0


@bp.get("/chat/notifications/<conversation_id>")
async def notification_stream(request: Request, conversation_id: str) -> HTTPResponse | None:
    conversation_id = unquote(conversation_id)
    if not conversation_ok(conversation_id):
        raise ApiError("not_found", 404)
    after = _cursor(request)
    app = request.app
    hub = app.ctx.notification_hub
    wake = hub.subscribe(conversation_id)
    loop = asyncio.get_running_loop()
    response = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )
    try:
        await response.send("retry: 3000\n\n")
        deadline = loop.time() + STREAM_SECONDS
        quiet_since = loop.time()
        while loop.time() < deadline:
            with app.ctx.session_factory() as session:
                rows = messages_after(session, conversation_id, after)
            for row in rows:
                data = json.dumps(row.messages, ensure_ascii=False, separators=(",", ":"))
                await response.send(f"id: {row.id}\nevent: bot\ndata: {data}\n\n")
                after = row.id
                quiet_since = loop.time()
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), timeout=POLL_SECONDS)
            except asyncio.TimeoutError:
                if loop.time() - quiet_since >= KEEPALIVE_SECONDS:
                    await response.send(": keep-alive\n\n")
                    quiet_since = loop.time()
    finally:
        hub.unsubscribe(conversation_id, wake)
    await response.eof()
    return None
