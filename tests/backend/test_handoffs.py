"""Human handoff over the real backend (issue 14): request (idempotent), queue position, claim
(two staff racing: one wins, the other is told who), staff messages through the one outbound
path (tracker events with metadata.sender staff and the display name, never the username),
release and close resume the bot first, cancel, the quiet queue expiring, audit, roles and bad
input. Rasa is a fake HTTP server here; tests/integration/test_handoff_stack.py runs the real one."""

from __future__ import annotations

import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest
from sqlalchemy import select, update

from backend import schemas
from backend.models import AuditLog, Handoff, User
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
        tmp_path_factory.mktemp("handoffs"),
        database_urls(),
        rasa_url=rasa.url,
        notify_wait=2.0,
        notify_timeout=3.0,
        helpdesk_hours="always",  # the office hours have their own test below
    )
    yield server
    server.stop()


def helpdesk(backend: BackendServer, username: str, display_name: str | None = None) -> Any:
    staff = officer(backend, username, None, role="helpdesk")
    if display_name:
        with backend.app.ctx.session_factory() as session:
            session.execute(update(User).where(User.username == username).values(display_name=display_name))
            session.commit()
    return staff


def request_handoff(client: Client, language: str = "en", **extra: Any) -> tuple[str, Any]:
    cid = "web-" + secrets.token_hex(10)
    body = {"conversation_id": cid, "language": language, "channel": "rest", "topic": "ask_policy", **extra}
    return cid, client.post_json("/api/v1/handoffs", body)


def intents(rasa: FakeRasa, cid: str) -> list[str]:
    out = []
    for call in rasa.of(cid):
        if call["path"].endswith("/trigger_intent"):
            out.append(call["body"]["name"])
        elif call["body"].get("event") == "resume":
            out.append("resume")
        elif call["body"].get("event") == "bot":
            out.append("bot:" + call["body"]["text"])
    return out


def test_a_request_queues_once_and_the_first_claim_wins(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    cid, first = request_handoff(
        client, transcript=[{"sender": "user", "text": "how long?"}, {"sender": "bot", "text": "30 days"}]
    )
    assert first.status == 201, first.text
    body = first.json()
    schemas.HandoffAskReply.parse_obj(body)  # the documented reply models refuse undocumented keys
    assert body["created"] is True and body["handoff"]["state"] == "waiting"
    assert body["queue_position"] >= 1 and body["wait_minutes"] >= 1
    again = client.post_json("/api/v1/handoffs", {"conversation_id": cid, "language": "en"})
    assert again.status == 200 and again.json()["created"] is False
    assert again.json()["handoff"]["id"] == body["handoff"]["id"]
    behind_cid, behind = request_handoff(client, "zh")
    assert behind.json()["queue_position"] == body["queue_position"] + 1

    anna = helpdesk(backend, "hd_anna", "Anna")
    bo = helpdesk(backend, "hd_bo")
    waiting = schemas.HandoffList.parse_obj(anna.get("/api/v1/handoffs?state=waiting").json()).dict()[
        "handoffs"
    ]
    assert [h["id"] for h in waiting].index(body["handoff"]["id"]) < len(waiting)
    keys = {
        "id",
        "conversation_id",
        "channel",
        "language",
        "state",
        "position",
        "created_at",
        "claimed_by",
        "topic",
    }
    assert keys <= set(waiting[0])

    hid = body["handoff"]["id"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: c.post_json(f"/api/v1/handoffs/{hid}/claim", {}), (anna, bo)))
    statuses = sorted(r.status for r in results)
    assert statuses == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status == 409)
    winner = "hd_anna" if results[0].status == 200 else "hd_bo"
    assert loser.json()["error"]["code"] == "handoff_taken"
    assert winner in loser.json()["error"]["message"]
    assert loser.json()["error"]["claimed_by"] == winner
    claimed = next(r for r in results if r.status == 200).json()["handoff"]
    assert claimed["state"] == "active" and claimed["claimed_by"] == winner
    assert "EXTERNAL_handoff_claimed" in intents(rasa, cid)
    # the one behind moved up and was told its new place
    deadline = time.monotonic() + 10  # told in the background (wait=0): the claim does not wait for it
    while not (queued := [c["body"] for c in rasa.of(behind_cid) if c["path"].endswith("/trigger_intent")]):
        assert time.monotonic() < deadline, "the one behind was not told"
        time.sleep(0.05)
    assert queued and queued[-1]["name"] == "EXTERNAL_handoff_queue"
    assert queued[-1]["entities"]["queue_position"] == behind.json()["queue_position"] - 1
    detail = anna.get(f"/api/v1/handoffs/{hid}").json()["handoff"]
    schemas.HandoffReply.parse_obj({"handoff": detail})
    assert [m["from"] for m in detail["messages"]] == ["user", "bot"]


def test_messages_release_and_close_go_through_rasa_in_order(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    cid, asked = request_handoff(client)
    hid = asked.json()["handoff"]["id"]
    cara = helpdesk(backend, "hd_cara", "Cara")
    dan = helpdesk(backend, "hd_dan")
    assert cara.post_json(f"/api/v1/handoffs/{hid}/claim", {}).status == 200
    # a user message of the paused conversation reaches the staff member
    inbound = client.post_json(
        "/api/v1/handoffs/inbound", {"conversation_id": cid, "text": "hello [REDACTED]"}
    )
    assert inbound.status == 200 and inbound.json()["handoff_id"] == hid

    sent = cara.post_json(f"/api/v1/handoffs/{hid}/messages", {"text": "<b>Hi</b>, I can help."})
    assert sent.status == 201, sent.text
    assert sent.json()["delivered"] is True
    schemas.HandoffMessageReply.parse_obj(sent.json())
    bot_event = next(c["body"] for c in rasa.of(cid) if c["body"].get("event") == "bot")
    assert bot_event["metadata"]["sender"] == "staff"
    assert bot_event["metadata"]["staff_name"] == "Cara"
    assert "hd_cara" not in json.dumps(bot_event)  # never the username
    note = cara.post_json(f"/api/v1/handoffs/{hid}/messages", {"text": "internal", "note": True})
    assert note.status == 201 and note.json()["delivered"] is None
    assert not any(c["body"].get("text") == "internal" for c in rasa.of(cid))

    # only the one who has it replies; others are told who has it
    other = dan.post_json(f"/api/v1/handoffs/{hid}/messages", {"text": "me too"})
    assert other.status == 403 and other.json()["error"]["code"] == "handoff_not_yours"
    for bad in ("", "   ", "x" * 4001):
        refused = cara.post_json(
            f"/api/v1/handoffs/{hid}/messages", {"text": bad}, headers={"Accept-Language": "zh"}
        )
        assert refused.status == 400 and refused.json()["error"]["code"] == "handoff_message_invalid"
        assert "字符" in refused.json()["error"]["message"]

    detail = cara.get(f"/api/v1/handoffs/{hid}").json()["handoff"]
    assert [(m["from"], m["text"]) for m in detail["messages"]] == [
        ("user", "hello [REDACTED]"),
        ("staff", "<b>Hi</b>, I can help."),
    ]
    assert [n["text"] for n in detail["notes"]] == ["internal"]

    released = cara.post_json(f"/api/v1/handoffs/{hid}/release", {})
    assert released.status == 200 and released.json()["handoff"]["state"] == "released"
    seen = intents(rasa, cid)
    assert seen[-2:] == ["resume", "EXTERNAL_handoff_ended"], seen
    ended = [c for c in rasa.of(cid) if c["path"].endswith("/trigger_intent")][-1]
    assert ended["body"]["entities"] == {"handoff_outcome": "released", "rating_event": str(hid)}
    # an ended handoff takes nothing more
    late = cara.post_json(f"/api/v1/handoffs/{hid}/messages", {"text": "still there?"})
    assert late.status == 409 and late.json()["error"]["code"] == "handoff_closed"
    assert cara.post_json(f"/api/v1/handoffs/{hid}/claim", {}).json()["error"]["code"] == "handoff_closed"

    # the next request of the same conversation is a new handoff; close needs a listed reason
    again = client.post_json("/api/v1/handoffs", {"conversation_id": cid, "language": "en"})
    assert again.status == 201
    new_id = again.json()["handoff"]["id"]
    assert cara.post_json(f"/api/v1/handoffs/{new_id}/claim", {}).status == 200
    bad = cara.post_json(f"/api/v1/handoffs/{new_id}/close", {"reason": "bored"})
    assert bad.status == 400 and bad.json()["error"]["code"] == "handoff_reason_invalid"
    closed = cara.post_json(f"/api/v1/handoffs/{new_id}/close", {"reason": "answered"})
    assert closed.status == 200 and closed.json()["handoff"]["state"] == "closed"
    assert closed.json()["handoff"]["close_reason"] == "answered"
    listed = cara.get("/api/v1/handoffs?state=closed").json()["handoffs"]
    assert {hid, new_id} <= {h["id"] for h in listed}

    with backend.app.ctx.session_factory() as session:
        changes = [
            (row.actor, row.detail["change"])
            for row in session.execute(select(AuditLog).where(AuditLog.action == "handoff")).scalars()
            if row.detail.get("handoff") in (hid, new_id)
        ]
    assert ("service", "requested") in changes and ("hd_cara", "claimed") in changes
    assert ("hd_cara", "released") in changes and ("hd_cara", "closed") in changes


def test_transfer_cancel_and_the_quiet_queue(client: Client, backend: BackendServer, rasa: FakeRasa) -> None:
    cid, asked = request_handoff(client)
    hid = asked.json()["handoff"]["id"]
    eve = helpdesk(backend, "hd_eve")
    helpdesk(backend, "hd_fay")
    assert eve.post_json(f"/api/v1/handoffs/{hid}/claim", {}).status == 200
    moved = eve.post_json(f"/api/v1/handoffs/{hid}/transfer", {"to": "hd_fay", "note": "German speaker"})
    assert moved.status == 200 and moved.json()["handoff"]["claimed_by"] == "hd_fay"
    nobody = eve.post_json(f"/api/v1/handoffs/{hid}/transfer", {"to": "nobody"})
    assert nobody.status == 403  # no longer eve's

    gone, _ = request_handoff(client)
    cancelled = client.post_json("/api/v1/handoffs/cancel", {"conversation_id": gone})
    assert cancelled.status == 200 and cancelled.json() == {"cancelled": True}
    assert client.post_json("/api/v1/handoffs/cancel", {"conversation_id": gone}).json() == {
        "cancelled": False
    }

    quiet, asked_quiet = request_handoff(client)
    with backend.app.ctx.session_factory() as session:
        row = session.get(Handoff, asked_quiet.json()["handoff"]["id"])
        row.last_activity_at = row.last_activity_at.replace(year=2020)
        session.commit()
    eve.get("/api/v1/handoffs?state=waiting")
    with backend.app.ctx.session_factory() as session:
        expired = session.get(Handoff, asked_quiet.json()["handoff"]["id"])
        assert (expired.state, expired.close_reason) == ("closed", "user_left")
    deadline = time.monotonic() + 10
    while not (ended := [c for c in rasa.of(quiet) if c["path"].endswith("/trigger_intent")]):
        assert time.monotonic() < deadline, "the quiet user was not told"
        time.sleep(0.05)
    assert ended[-1]["body"] == {"name": "EXTERNAL_handoff_ended", "entities": {"handoff_outcome": "expired"}}


def test_roles_and_bad_input(client: Client, backend: BackendServer) -> None:
    anonymous = Client(backend.url)
    assert anonymous.get("/api/v1/handoffs").status == 401
    for role in ("officer", "policy_editor"):
        other = officer(
            backend, f"not_helpdesk_{role}", "exit_entry" if role == "officer" else None, role=role
        )
        assert other.get("/api/v1/handoffs").status == 403
    staff = helpdesk(backend, "hd_gus")
    assert staff.get("/api/v1/handoffs/999999").status == 404
    assert staff.get("/api/v1/handoffs?state=nonsense").status == 400
    assert staff.post_json("/api/v1/handoffs/999999/claim", {}).json()["error"]["code"] == "handoff_not_found"
    no_csrf = staff.post_json("/api/v1/handoffs/1/claim", {}, headers={"X-CSRF-Token": "wrong"})
    assert no_csrf.status == 403
    bad = client.post_json("/api/v1/handoffs", {"conversation_id": "", "language": "en"})
    assert bad.status == 400
    assert client.post_json("/api/v1/handoffs", {"conversation_id": "web-x", "colour": "red"}).status == 400


def test_office_hours_follow_chinas_working_days() -> None:
    from datetime import datetime, timezone

    from backend.services.office_hours import CHINA, office_hours, parse_hours

    hours = parse_hours("09:00-12:00,13:30-17:30")
    at = lambda *a: datetime(*a, tzinfo=CHINA)  # noqa: E731
    assert hours.staffed(at(2026, 12, 4, 9, 0)) and not hours.staffed(at(2026, 12, 4, 12, 30))
    assert hours.next_open(at(2026, 12, 4, 12, 30)) == at(2026, 12, 4, 13, 30)
    assert hours.next_open(at(2026, 12, 4, 18, 0)) == at(2026, 12, 7, 9, 0)  # Friday evening -> Monday
    assert not hours.staffed(at(2026, 10, 1, 10, 0))  # National Day
    assert hours.staffed(at(2026, 10, 10, 10, 0))  # a make-up working Saturday
    assert hours.next_open(at(2026, 9, 30, 18, 0)) == at(2026, 10, 8, 9, 0)
    assert hours.staffed(datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc))  # 10:00 in China
    assert parse_hours("always").staffed(at(2026, 10, 1, 3, 0))
    for bad in ("", "9-12", "12:00-09:00", "always,09:00-12:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)
    from pathlib import Path

    assert office_hours("", Path("knowledge"), "weihai") == hours  # the region profile's hours
