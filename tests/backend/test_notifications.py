"""The one outbound path (backend/services/outbound.py): state changes and staff texts pushed
to Rasa, retried with backoff and recorded with their reason (a fake Rasa HTTP server on a
socket stands in for Rasa here; tests/integration/test_wechat.py uses the real one), and the
server-sent events of the demo chat page."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from backend.models import Notification
from backend.services.notifications import CaseUpdate
from backend.services.outbound import OutboundService, events_url, failure_reason, trigger_url
from tests.backend.cases_support import PASSPORT, case_body, closed_port_url, officer, raw_hits
from tests.backend.conftest import BackendServer, Client, start_backend

RASA_TOKEN = "rasa-secret-token"


class FakeRasa:
    """Records trigger_intent and tracker/events calls; answers like Rasa's REST channel
    (mode: ok, error, garbage, undeliverable: a channel's non-retryable DeliveryError as Rasa
    reports it; `failures` errors first, then the mode)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.mode = "ok"
        self.delay = 0.0
        self.failures = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                url = urlsplit(self.path)
                fake.calls.append({"path": url.path, "query": parse_qs(url.query), "body": body})
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.failures > 0 or fake.mode == "error":
                    fake.failures -= 1
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b'{"status": "failure"}')
                    return
                if fake.mode == "undeliverable":  # what rasa/server.py answers when a channel raises
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(
                        json.dumps(
                            {
                                "status": "failure",
                                "reason": "ConversationError",
                                "message": "An unexpected error occurred. Error: delivery failed: "
                                "wechat_window_closed (retryable=False)",
                                "code": 500,
                            }
                        ).encode()
                    )
                    return
                conversation = url.path.split("/")[2]
                if url.path.endswith("/tracker/events"):
                    payload = json.dumps({"sender_id": conversation, "events": []}).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                entities = body["entities"]
                payload = (
                    b"<html>not json</html>"
                    if fake.mode == "garbage"
                    else json.dumps(
                        {
                            "tracker": {"sender_id": conversation, "events": []},
                            "messages": [
                                {
                                    "recipient_id": conversation,
                                    "text": f"Case {entities['case_number']}: {entities['case_state']}",
                                },
                                {
                                    "recipient_id": conversation,
                                    "text": "What next?",
                                    "buttons": [{"title": "Status", "payload": "/check_status"}],
                                },
                            ],
                        }
                    ).encode()
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def rasa_ok(rasa: FakeRasa) -> None:
    rasa.mode, rasa.delay, rasa.failures = "ok", 0.0, 0


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, database_urls: Any, rasa: FakeRasa
) -> Iterator[BackendServer]:
    server = start_backend(
        tmp_path_factory.mktemp("notify"),
        database_urls(),
        rasa_url=rasa.url,
        rasa_token=RASA_TOKEN,
        notify_wait=0.5,
        notify_timeout=3.0,
        outbound_attempts=3,
        outbound_backoff=0.3,
        outbound_sweep=0.5,
    )
    yield server
    server.stop()


def new_case(client: Client, **extra: Any) -> tuple[str, str]:
    cid = "web-" + secrets.token_hex(12)
    response = client.post_json(
        "/api/v1/cases", case_body(["work_permit_new"], conversation_id=cid, channel="rest", **extra)
    )
    assert response.status == 201, response.text
    return response.json()["case"]["number"], cid


def change(backend: BackendServer, number: str, state: str = "under_review", note: str = "") -> Any:
    sci = officer(backend, "sci-n", "science_technology")
    response = sci.post_json(
        f"/api/v1/cases/{number}/items/science_technology/state", {"state": state, "note": note}
    )
    assert response.status == 200, response.text
    return response.json()


def rows(backend: BackendServer, number: str) -> list[Notification]:
    from backend.models import Case

    with backend.app.ctx.session_factory() as session:
        case_id = session.execute(select(Case.id).where(Case.number == number)).scalar_one()
        return list(
            session.execute(
                select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)
            ).scalars()
        )


def wait_for(predicate: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def test_a_state_change_triggers_the_intent_and_keeps_the_messages(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, cid = new_case(client)
    before = len(rasa.calls)
    result = change(backend, number)
    assert result["notification"] == {"delivered": True, "pending": False}
    call = rasa.calls[before]
    assert call["path"] == f"/conversations/{cid}/trigger_intent"
    assert call["query"] == {"output_channel": ["latest"], "token": [RASA_TOKEN]}
    assert call["body"] == {
        "name": "EXTERNAL_case_update",
        "entities": {"case_number": number, "department": "science_technology", "case_state": "under_review"},
    }
    [row] = rows(backend, number)
    assert (
        row.delivered is True and row.error is None and row.conversation_id == cid and row.channel == "rest"
    )
    assert (row.department, row.case_state, row.language) == ("science_technology", "under_review", "en")
    assert row.messages[0]["text"] == f"Case {number}: under_review"
    assert "tracker" not in json.dumps(row.messages)  # only the messages are kept


def test_test_cases_are_notified_too(client: Client, backend: BackendServer, rasa: FakeRasa) -> None:
    number, _ = new_case(client, test=True)
    before = len(rasa.calls)
    change(backend, number)
    assert len(rasa.calls) == before + 1 and rows(backend, number)[0].delivered


def test_rasa_down_never_fails_the_state_change_and_the_push_is_retried(
    client: Client, backend: BackendServer, rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    number, cid = new_case(client)
    rasa.failures = 2  # down for two attempts, then back
    with caplog.at_level(logging.INFO):
        result = change(backend, number)
        assert result["notification"] == {"delivered": False, "pending": True}
        assert result["case"]["items"][0]["state"] == "under_review"  # the change itself went through
        [row] = wait_for(lambda: [r for r in rows(backend, number) if r.delivered], timeout=8)
    assert row.attempts == 3 and row.error is None and row.next_attempt_at is None
    assert row.messages[0]["text"] == f"Case {number}: under_review"
    logged = caplog.text
    assert "not delivered (HTTP 500): attempt 1, retrying" in logged
    for secret in (cid, PASSPORT, number, RASA_TOKEN):
        assert secret not in logged


def test_attempts_are_bounded_and_the_officer_sees_what_was_not_delivered(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, _ = new_case(client)
    rasa.mode = "error"
    change(backend, number)
    [row] = wait_for(
        lambda: [r for r in rows(backend, number) if r.attempts == 3 and r.next_attempt_at is None], 8
    )
    assert row.delivered is False and row.error == "HTTP 500"
    time.sleep(1.0)
    assert rows(backend, number)[0].attempts == 3  # given up: no fourth attempt
    sci = officer(backend, "sci-n", "science_technology")
    page = sci.get(f"/console/cases/{number}").text
    assert 'id="undelivered"' in page and f'data-notification="{row.id}"' in page
    assert "Could not be delivered on rest (HTTP 500) after 3 attempt(s)" in page
    # Once a later update reaches the applicant, the earlier miss is covered and leaves the page.
    rasa.mode = "ok"
    change(backend, number, "supplement_requested", "Please upload your degree certificate.")
    first, second = rows(backend, number)
    assert second.delivered is True
    assert first.delivered is False and first.error == f"covered by notification {second.id}"
    assert 'id="undelivered"' not in sci.get(f"/console/cases/{number}").text


def test_a_channel_that_cannot_deliver_is_recorded_with_its_reason_and_not_retried(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, _ = new_case(client)
    rasa.mode = "undeliverable"
    before = len(rasa.calls)
    result = change(backend, number)
    assert result["notification"] == {"delivered": False, "pending": False}
    [row] = rows(backend, number)
    assert (row.error, row.attempts, row.next_attempt_at) == ("wechat_window_closed", 1, None)
    time.sleep(1.0)
    assert len(rasa.calls) == before + 1
    sci = officer(backend, "sci-n", "science_technology")
    page = sci.get(f"/console/cases/{number}").text
    assert 'data-reason="wechat_window_closed"' in page


def test_newer_updates_supersede_older_ones_still_retrying(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, _ = new_case(client)
    rasa.mode = "error"
    change(backend, number)  # fails, retried
    change(backend, number, "supplement_requested", "Please upload your degree certificate.")
    rasa.mode = "ok"  # whichever is tried first, only the newer one is said
    first, second = wait_for(
        lambda: (lambda r: r if len(r) == 2 and r[1].delivered and r[0].next_attempt_at is None else None)(
            rows(backend, number)
        ),
        timeout=8,
    )
    assert second.delivered is True and first.delivered is False
    assert first.error in (f"covered by notification {second.id}", f"superseded by notification {second.id}")


def test_failure_reasons() -> None:
    body = b'{"message": "An unexpected error occurred. Error: delivery failed: telegram_blocked (retryable=False)"}'
    assert failure_reason(500, body) == ("telegram_blocked", False)
    assert failure_reason(500, b"delivery failed: platform_unreachable (retryable=True)") == (
        "platform_unreachable",
        True,
    )
    assert failure_reason(502, b"<html>") == ("HTTP 502", True)
    assert failure_reason(429, b"") == ("HTTP 429", True)
    assert failure_reason(401, b"") == ("HTTP 401", False)


def test_deliver_text_appends_a_staff_bot_event_and_retries(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, cid = new_case(client)
    sender = OutboundService(backend.app.ctx.settings, backend.app.ctx.session_factory)
    rasa.failures = 1

    async def run() -> Notification:
        try:
            first = await sender.deliver_text(
                cid, "  Your documents are complete.  ", "en", {"staff": "sci-n"}, wait=3
            )
            assert first is not None and first.delivered is False and first.next_attempt_at is not None
            for _ in range(100):
                await asyncio.sleep(0.1)
                with backend.app.ctx.session_factory() as session:
                    row = session.get(Notification, first.id)
                    if row.delivered:
                        return row
            raise AssertionError("not retried")
        finally:
            await sender.close()

    before = len(rasa.calls)
    row = asyncio.run(run())
    assert row.kind == "text" and row.case_id is None and row.attempts == 2
    assert row.messages == [{"recipient_id": cid, "text": "Your documents are complete."}]
    assert row.payload["text"] is None  # not kept once delivered
    call = rasa.calls[before + 1]
    assert call["path"] == f"/conversations/{cid}/tracker/events"
    assert call["query"] == {
        "execute_side_effects": ["true"],
        "output_channel": ["latest"],
        "token": [RASA_TOKEN],
    }
    assert call["body"]["event"] == "bot" and call["body"]["text"] == "Your documents are complete."
    assert call["body"]["metadata"] == {"sender": "staff", "staff": "sci-n", "language": "en"}
    assert number  # the case exists, the text is not tied to it


def test_unreachable_rasa_and_bad_answers_are_recorded(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, _ = new_case(client)
    rasa.mode = "garbage"
    change(backend, number)
    assert rows(backend, number)[0].error == "response is not JSON"
    settings = backend.app.ctx.settings
    from dataclasses import replace

    sender = OutboundService(
        replace(settings, rasa_url=closed_port_url(), outbound_attempts=1), backend.app.ctx.session_factory
    )
    first = rows(backend, number)[0]
    update = CaseUpdate(
        case_id=first.case_id,
        case_number=number,
        conversation_id=first.conversation_id,
        channel="rest",
        language="en",
        department="science_technology",
        case_state="approved",
    )

    async def run() -> Notification | None:
        try:
            return await sender.dispatch(update, wait=5)
        finally:
            await sender.close()

    row = asyncio.run(run())
    assert row is not None and row.delivered is False and row.error.startswith("connection failed")


def test_a_slow_rasa_does_not_hold_up_the_officer(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    number, _ = new_case(client)
    rasa.delay = 1.5
    sci = officer(backend, "sci-n", "science_technology")  # the login is not part of the change
    started = time.monotonic()
    response = sci.post_json(
        f"/api/v1/cases/{number}/items/science_technology/state", {"state": "under_review", "note": ""}
    )
    assert time.monotonic() - started < 1.3
    assert response.json()["notification"] == {"delivered": False, "pending": True}
    delivered = wait_for(lambda: [r for r in rows(backend, number) if r.delivered], timeout=5)
    assert delivered and delivered[0].messages


def test_the_token_is_left_out_when_unset(backend: BackendServer) -> None:
    from dataclasses import replace

    settings = replace(backend.app.ctx.settings, rasa_token=None, rasa_url="http://rasa:5005")
    assert (
        trigger_url(settings, "web-1/2")
        == "http://rasa:5005/conversations/web-1%2F2/trigger_intent?output_channel=latest"
    )
    assert trigger_url(replace(settings, rasa_token="a&b"), "x").endswith("output_channel=latest&token=a%26b")
    assert (
        events_url(settings, "web-1")
        == "http://rasa:5005/conversations/web-1/tracker/events?execute_side_effects=true&output_channel=latest"
    )


def read_events(
    port: int,
    conversation_id: str,
    *,
    after: int | None = None,
    last_event_id: int | None = None,
    seconds: float = 4.0,
    stop_after: int = 1,
) -> list[dict[str, Any]]:
    """Server-sent events of one stream: [{id, event, data}] until `stop_after` events or `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    query = f"?after={after}" if after is not None else ""
    conn.request("GET", f"/chat/notifications/{conversation_id}{query}", headers=headers)
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and len(events) < stop_after:
            line = response.fp.readline().decode("utf-8")
            if not line:
                break
            line = line.rstrip("\n")
            if not line:
                if "data" in current:
                    events.append(current)
                current = {}
            elif line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line.startswith("event: "):
                current["event"] = line[7:]
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
    except (TimeoutError, OSError):
        pass
    finally:
        conn.close()
    return events


def test_the_chat_page_receives_its_pushed_messages_as_events(client: Client, backend: BackendServer) -> None:
    number, cid = new_case(client)
    stranger = "web-" + secrets.token_hex(12)
    received: dict[str, list[dict[str, Any]]] = {}

    def listen(name: str, conversation_id: str, seconds: float) -> None:
        received[name] = read_events(backend.port, conversation_id, after=0, seconds=seconds)

    mine = threading.Thread(target=listen, args=("mine", cid, 8.0))
    theirs = threading.Thread(target=listen, args=("theirs", stranger, 3.0))
    mine.start()
    theirs.start()
    time.sleep(0.5)  # both streams are open before the change
    change(backend, number, "under_review")
    mine.join(10)
    theirs.join(10)
    assert len(received["mine"]) == 1
    event = received["mine"][0]
    assert event["event"] == "bot"
    assert event["data"][0]["text"] == f"Case {number}: under_review"
    assert event["data"][1]["buttons"][0]["payload"] == "/check_status"
    assert received["theirs"] == []  # only that conversation's messages
    # Reconnecting with the last id (EventSource does) or ?after= does not repeat it; from 0 it does.
    assert read_events(backend.port, cid, last_event_id=event["id"], seconds=2.5) == []
    assert read_events(backend.port, cid, after=event["id"], seconds=2.5) == []
    assert read_events(backend.port, cid, seconds=2.5)[0]["id"] == event["id"]


def test_the_stream_refuses_bad_conversation_ids(client: Client) -> None:
    assert client.get("/chat/notifications/" + "x" * 200).status == 404
    assert client.get("/chat/notifications/a%20b").status == 404


def test_no_raw_personal_data_after_notifications(client: Client, backend: BackendServer) -> None:
    number, _ = new_case(client)
    change(backend, number)
    assert raw_hits(backend.app.ctx.engine) == []
