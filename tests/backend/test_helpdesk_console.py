"""The helpdesk console over the real backend (issue 14): who may open it, the live stream (a
new waiting conversation and a claim reach an open console at once; ?open= streams that
conversation with its transcript, notes, cases and draft), presence (only available staff with
an open console count for the wait estimate), and the canned replies admins edit. Rasa is a fake
HTTP server; tests/integration/test_helpdesk_browser.py drives the page in Chromium."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import time
from datetime import timedelta
from typing import Any, Iterator
from urllib.parse import urlparse

import pytest
from sqlalchemy import select, update

from backend.models import AuditLog, CannedReply, Handoff, User, utcnow
from backend.services.handoffs import HandoffService
from tests.backend.cases_support import officer
from tests.backend.conftest import BackendServer, Client, start_backend
from tests.backend.fake_rasa import FakeRasa


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, database_urls: Any, rasa: FakeRasa
) -> Iterator[BackendServer]:
    server = start_backend(
        tmp_path_factory.mktemp("helpdesk"),
        database_urls(),
        rasa_url=rasa.url,
        notify_wait=2.0,
        notify_timeout=3.0,
        helpdesk_hours="always",
    )
    yield server
    server.stop()


def request_handoff(client: Client, language: str = "en") -> tuple[str, int]:
    cid = "web-" + secrets.token_hex(10)
    body = {
        "conversation_id": cid,
        "language": language,
        "channel": "socketio",
        "topic": "ask_policy",
        "transcript": [
            {"sender": "user", "text": "passport [passport]"},
            {"sender": "bot", "text": "30 days"},
        ],
    }
    answer = client.post_json("/api/v1/handoffs", body)
    assert answer.status == 201, answer.text
    return cid, answer.json()["handoff"]["id"]


class Stream:
    """A helpdesk console's event stream, read line by line in the test's thread."""

    def __init__(self, backend: BackendServer, staff: Client, query: str = "") -> None:
        port = urlparse(backend.url).port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        cookie = "; ".join(f"{c.name}={c.value}" for c in staff.jar)
        self.conn.request("GET", f"/api/v1/helpdesk/stream{query}", headers={"Cookie": cookie})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def next(self, name: str, until: Any = lambda data: True, seconds: float = 6.0) -> Any:
        """The first `name` event whose data satisfies `until`."""
        deadline = time.monotonic() + seconds
        event, data = None, None
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif not line and event:
                if event == name and until(data):
                    return data
                event, data = None, None
        raise AssertionError(f"no {name} event in {seconds} s")

    def close(self) -> None:
        self.conn.close()


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


def test_only_helpdesk_staff_and_admins_open_the_console(backend: BackendServer) -> None:
    assert Client(backend.url).get("/console/helpdesk").status == 302  # to the sign-in page
    assert Client(backend.url).get("/api/v1/helpdesk/stream").status == 401
    for role in ("officer", "policy_editor", "manager"):
        other = officer(
            backend, f"hd-not-{role}", "science_technology" if role == "officer" else None, role=role
        )
        assert other.get("/console/helpdesk").status == 403, role
        assert other.get("/api/v1/helpdesk/stream").status == 403, role
        assert other.post_json("/api/v1/helpdesk/presence", {"presence": "available"}).status == 403
    staff = officer(backend, "hd-page", None, role="helpdesk")
    page = staff.get("/console/helpdesk")
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    texts = json.loads(
        re.search(r'<script type="application/json" id="hd-texts">(.*?)</script>', page.text).group(1)
    )
    assert texts["state_active"] == "with staff" and texts["case_completed"]
    assert "Hello, I am from the helpdesk" in page.text  # the seeded canned replies
    assert 'href="/console/helpdesk"' in page.text  # the navigation and the home of the role
    assert staff.get("/console/").headers["Location"] == "/console/helpdesk"
    chinese = staff.get("/console/helpdesk?lang=zh")
    assert "人工服务台" in chinese.text and "您好，我是外国人来华工作服务的人工客服" in chinese.text


def test_the_stream_shows_a_new_waiting_conversation_and_the_claim_at_once(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    alice = officer(backend, "hd-alice", None, role="helpdesk")
    bob = officer(backend, "hd-bob", None, role="helpdesk")
    watching = Stream(backend, bob)
    try:
        first = watching.next("queue")
        assert set(first) >= {"waiting", "mine", "others", "closed", "available_staff", "presence"}
        cid, handoff_id = request_handoff(client, "zh")
        started = time.monotonic()
        queued = watching.next("queue", lambda d: handoff_id in ids(d["waiting"]))
        assert time.monotonic() - started < 1.5  # woken by the change, not by the poll
        row = next(h for h in queued["waiting"] if h["id"] == handoff_id)
        assert row["language"] == "zh" and row["channel"] == "socketio" and row["topic"] == "ask_policy"
        assert row["waiting_seconds"] >= 0 and row["position"] >= 1
        assert alice.post_json(f"/api/v1/handoffs/{handoff_id}/claim", {}).status == 200
        taken = watching.next("queue", lambda d: handoff_id in ids(d["others"]))
        assert handoff_id not in ids(taken["waiting"])
        assert next(h for h in taken["others"] if h["id"] == handoff_id)["claimed_by"] == "hd-alice"
    finally:
        watching.close()
    mine = Stream(backend, alice)
    try:
        assert handoff_id in ids(mine.next("queue")["mine"])
    finally:
        mine.close()


def test_an_open_conversation_streams_its_transcript_notes_and_cases(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    staff = officer(backend, "hd-view", None, role="helpdesk")
    cid, handoff_id = request_handoff(client)
    created = client.post_json("/api/v1/cases", _case(cid))
    assert created.status == 201, created.text
    number = created.json()["case"]["number"]
    watching = Stream(backend, staff, f"?open={handoff_id}")
    try:
        view = watching.next("handoff")
        assert view["id"] == handoff_id and view["state"] == "waiting"
        assert [m["from"] for m in view["messages"]] == ["user", "bot"]
        assert view["messages"][0]["text"] == "passport [passport]"
        assert [c["number"] for c in view["cases"]] == [number]
        assert staff.post_json(f"/api/v1/handoffs/{handoff_id}/claim", {}).status == 200
        assert staff.post_json(f"/api/v1/handoffs/{handoff_id}/messages", {"text": "Hello!"}).status == 201
        said = {"text": "checking with immigration", "note": True}
        assert staff.post_json(f"/api/v1/handoffs/{handoff_id}/messages", said).status == 201
        view = watching.next("handoff", lambda d: d["notes"])
        assert view["state"] == "active" and view["claimed_by"] == "hd-view"
        assert view["messages"][-1] == {
            "from": "staff",
            "text": "Hello!",
            "at": view["messages"][-1]["at"],
            "staff": "hd-view",
        }
        assert [n["text"] for n in view["notes"]] == ["checking with immigration"]
    finally:
        watching.close()
    gone = Stream(backend, staff, "?open=99999999")
    try:
        assert gone.next("gone") == {"id": 99999999}
    finally:
        gone.close()


def _case(conversation_id: str) -> dict[str, Any]:
    from tests.backend.cases_support import case_body

    return {**case_body(), "conversation_id": conversation_id}


def test_only_available_staff_with_an_open_console_share_the_wait(
    client: Client, backend: BackendServer
) -> None:
    with backend.app.ctx.session_factory() as session:  # nobody else counts; recent claims took 10 min
        session.execute(update(User).values(presence="away"))
        now = utcnow()
        for _ in range(20):
            session.add(
                Handoff(
                    conversation_id="web-" + secrets.token_hex(6),
                    language="en",
                    state="released",
                    created_at=now - timedelta(minutes=10),
                    claimed_at=now,
                    claimed_by="hd-earlier",
                    ended_at=now,
                    last_activity_at=now,
                )
            )
        session.commit()

    def estimate(position: int) -> int:
        with backend.app.ctx.session_factory() as session:
            return HandoffService(session, backend.app.ctx.settings).wait_minutes(position)

    alone = estimate(3)
    assert alone == 30
    one = officer(backend, "hd-presence-1", None, role="helpdesk")
    two = officer(backend, "hd-presence-2", None, role="helpdesk")
    answer = one.post_json("/api/v1/helpdesk/presence", {"presence": "available"})
    assert answer.status == 200 and answer.json() == {"presence": "available", "available_staff": 1}
    assert estimate(3) == 30  # one available member: the same as nobody marked
    assert (
        two.post_json("/api/v1/helpdesk/presence", {"presence": "available"}).json()["available_staff"] == 2
    )
    assert estimate(3) == 15
    with backend.app.ctx.session_factory() as session:  # a console closed long ago counts no more
        session.execute(
            update(User)
            .where(User.username == "hd-presence-2")
            .values(presence_at=utcnow() - timedelta(minutes=5))
        )
        session.commit()
    assert estimate(3) == 30
    assert one.post_json("/api/v1/helpdesk/presence", {"presence": "away"}).json()["available_staff"] == 0
    refused = one.post_json(
        "/api/v1/helpdesk/presence", {"presence": "asleep"}, headers={"Accept-Language": "zh"}
    )
    assert refused.status == 400
    assert (
        refused.json()["error"]["code"] == "presence_invalid" and "在岗" in refused.json()["error"]["message"]
    )
    with backend.app.ctx.session_factory() as session:
        changes = [
            row.detail.get("presence")
            for row in session.execute(select(AuditLog).where(AuditLog.actor == "hd-presence-1")).scalars()
            if row.detail.get("change") == "presence"
        ]
    assert changes == ["available", "away"]


def test_admins_edit_the_canned_replies_staff_use(backend: BackendServer) -> None:
    admin = officer(backend, "hd-admin", None, role="admin")
    staff = officer(backend, "hd-canned", None, role="helpdesk")
    assert staff.get("/console/helpdesk/canned").status == 403
    before = staff.get("/api/v1/helpdesk/canned").json()["canned"]
    assert len(before) >= 5 and all(c["en"] and c["zh"] for c in before)
    token = admin.csrf("/console/helpdesk/canned")
    half = admin.post_form(
        "/console/helpdesk/canned", {"csrf_token": token, "text_en": "Half written", "text_zh": " "}
    )
    assert half.status == 400 and "Write the reply in both English and Chinese" in half.text
    assert ">Half written</textarea>" in half.text  # what was typed is kept
    added = admin.post_form(
        "/console/helpdesk/canned",
        {"csrf_token": token, "text_en": "Your case is moving.", "text_zh": "您的办件正在办理。"},
    )
    assert added.status == 302
    listed = staff.get("/api/v1/helpdesk/canned").json()["canned"]
    new = next(c for c in listed if c["en"] == "Your case is moving.")
    assert new["zh"] == "您的办件正在办理。"
    edited = admin.post_form(
        f"/console/helpdesk/canned/{new['id']}",
        {"csrf_token": token, "text_en": "Your case is in progress.", "text_zh": "您的办件正在办理中。"},
    )
    assert edited.status == 302
    seeded = before[0]["id"]
    assert admin.post_form(f"/console/helpdesk/canned/{seeded}/remove", {"csrf_token": token}).status == 302
    after = {c["id"]: c for c in staff.get("/api/v1/helpdesk/canned").json()["canned"]}
    assert after[new["id"]]["en"] == "Your case is in progress." and seeded not in after  # not seeded again
    assert admin.post_form("/console/helpdesk/canned/99999999/remove", {"csrf_token": token}).status == 404
    assert (
        admin.post_form("/console/helpdesk/canned", {"text_en": "a", "text_zh": "b"}).status == 403
    )  # no CSRF
    with backend.app.ctx.session_factory() as session:
        assert session.get(CannedReply, seeded).active is False
        changes = {
            row.detail.get("change")
            for row in session.execute(select(AuditLog).where(AuditLog.actor == "hd-admin")).scalars()
        }
    assert {"canned_saved", "canned_removed"} <= changes
