"""Ratings (好差评) and the follow-up of bad ratings over the real backend: asked once per event,
bad ratings open follow-ups due in working days (around National Day 2026), the state machine
(409 for a transition that is not allowed), the reply pushed to the rater through Rasa (a fake
Rasa HTTP server here; tests/integration the real one), roles, the console, and the figures
against hand-computed values with test cases excluded."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from typing import Any, Iterator

import pytest

from backend.models import AuditLog, Case, Notification, Rating, RatingFollowUp, RatingRequest
from backend.services.ratings import (
    add_working_days,
    followup_working_days,
    is_working_day,
    monthly_rating_figures,
    rating_figures,
)
from tests.backend.cases_support import case_body, officer
from tests.backend.conftest import BackendServer, Client, start_backend
from tests.backend.fake_rasa import FakeRasa


def reply_text(body: Any) -> list[dict[str, Any]]:
    """Rasa's REST answer to a rating reply: the reply's text."""
    return [{"text": body["entities"].get("rating_reply", "")}]


TRACKER = {  # the tracker the console reads
    "events": [
        {"event": "user", "text": "my phone is 13812345678, the staff were rude"},
        {"event": "bot", "text": "Sorry to hear that."},
    ]
}


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(reply_text, TRACKER)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, database_urls: Any, rasa: FakeRasa
) -> Iterator[BackendServer]:
    server = start_backend(
        tmp_path_factory.mktemp("ratings"),
        database_urls(),
        rasa_url=rasa.url,
        notify_wait=2.0,
        notify_timeout=3.0,
    )
    yield server
    server.stop()


def new_case(client: Client, items: tuple[str, ...] = ("work_permit_new",), **extra: Any) -> tuple[str, str]:
    cid = "web-" + secrets.token_hex(10)
    response = client.post_json(
        "/api/v1/cases", case_body(items, conversation_id=cid, channel="rest", **extra)
    )
    assert response.status == 201, response.text
    return response.json()["case"]["number"], cid


def ask(client: Client, cid: str, **body: Any) -> Any:
    return client.post_json("/api/v1/rating-requests", {"conversation_id": cid, "language": "en", **body})


def rate(client: Client, request_id: int, cid: str, level: Any, **extra: Any) -> Any:
    return client.post_json(
        "/api/v1/ratings", {"request_id": request_id, "conversation_id": cid, "level": level, **extra}
    )


# --- working days ------------------------------------------------------------------------------
def test_working_days_count_china_s_holidays_and_make_up_days() -> None:
    # National Day 2026: 1-7 October off, Saturday 10 October a make-up working day
    assert not is_working_day(date(2026, 10, 1)) and not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 10))  # a Saturday
    assert not is_working_day(date(2026, 10, 11))
    # 30 Sep + 5 working days: 8, 9, 10 (Sat), 12, 13 October (Monday to Friday would say 7 Oct)
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert add_working_days(date(2026, 11, 2), 5) == date(2026, 11, 9)  # an ordinary week
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # beyond the library's years: Mon-Fri


def test_the_number_of_working_days_comes_from_the_region(tmp_path: Any) -> None:
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "testland.yml").write_text(
        "ratings:\n  followup_working_days: 3\n", encoding="utf-8"
    )
    (tmp_path / "regions" / "plain.yml").write_text("code: PL\n", encoding="utf-8")
    assert followup_working_days(tmp_path, "testland") == 3
    assert followup_working_days(tmp_path, "plain") == 5
    assert followup_working_days(tmp_path, "missing") == 5


# --- asking and rating -----------------------------------------------------------------------------
def test_a_case_is_asked_once_and_a_bad_rating_opens_follow_ups_per_department(
    client: Client, backend: BackendServer
) -> None:
    number, cid = new_case(client, ("work_permit_new", "residence_permit_new"))
    first = ask(client, cid, target="case", source="submission", case_number=number)
    assert first.status == 201, first.text
    assert first.json()["asked"] is True
    again = ask(client, cid, target="case", source="submission", case_number=number)
    assert again.status == 200 and again.json() == {"request_id": first.json()["request_id"], "asked": False}
    # another conversation cannot rate this case
    assert ask(client, "web-other", target="case", source="submission", case_number=number).status == 404

    stored = rate(
        client, first.json()["request_id"], cid, 1, reason="took_too_long", comment="slow [REDACTED]"
    )
    assert stored.status == 201, stored.text
    rating = stored.json()["rating"]
    assert rating["bad"] is True and rating["reason"] == "took_too_long"
    assert sorted(f["department"] for f in rating["followups"]) == ["exit_entry", "science_technology"]
    assert rate(client, first.json()["request_id"], cid, 2).status == 409  # rated once
    with backend.app.ctx.session_factory() as session:
        comment = session.get(Rating, rating["id"]).comment
    assert comment.startswith("slow") and "13812345678" not in comment and "REDACTED" in comment


def test_a_good_rating_opens_nothing_and_a_conversation_goes_to_the_helpdesk(client: Client) -> None:
    number, cid = new_case(client)
    request_id = ask(
        client, cid, target="item", source="completion", case_number=number, department="science_technology"
    ).json()["request_id"]
    good = rate(client, request_id, cid, 5)
    assert good.status == 201 and good.json()["rating"]["followups"] == []
    talk = ask(client, cid, target="conversation", source="handoff", event="handoff-7")
    assert (
        ask(client, cid, target="conversation", source="handoff", event="handoff-7").json()["asked"] is False
    )
    assert (
        ask(client, cid, target="conversation", source="handoff", event="handoff-8").json()["asked"] is True
    )
    bad = rate(client, talk.json()["request_id"], cid, 2).json()["rating"]
    assert [f["department"] for f in bad["followups"]] == ["helpdesk"]
    # asked by the user: recorded every time
    assert ask(client, cid, target="conversation", source="user").json()["asked"] is True
    assert ask(client, cid, target="conversation", source="user").json()["asked"] is True


@pytest.mark.parametrize("level", [7, 0, "5", 4.5, None])
def test_an_invalid_level_is_400_in_the_caller_s_language(client: Client, level: Any) -> None:
    number, cid = new_case(client)
    request_id = ask(client, cid, target="case", source="submission", case_number=number).json()["request_id"]
    response = client.post_json(
        "/api/v1/ratings",
        {"request_id": request_id, "conversation_id": cid, "level": level},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "rating_level_invalid"
    assert "评价等级" in error["message"]
    english = rate(client, request_id, cid, level)
    assert "whole number from 1" in english.json()["error"]["message"]


def test_unknown_targets_reasons_and_fields_are_refused(client: Client) -> None:
    _, cid = new_case(client)
    assert ask(client, cid, target="window", source="user").json()["error"]["code"] == "rating_target_invalid"
    assert ask(client, cid, target="conversation", source="user", colour="red").status == 400
    request_id = ask(client, cid, target="conversation", source="user").json()["request_id"]
    bad = rate(client, request_id, cid, 1, reason="too_cold")
    assert bad.status == 400 and bad.json()["error"]["code"] == "rating_reason_invalid"
    assert rate(client, 999999, cid, 3).status == 404
    # staff and anonymous callers cannot store ratings
    assert client.post_json("/api/v1/ratings", {}, token=None).status == 401


# --- the follow-up -----------------------------------------------------------------------------
def bad_item(client: Client, department: str = "science_technology") -> tuple[int, str]:
    number, cid = new_case(client)
    request_id = ask(
        client, cid, target="item", source="completion", case_number=number, department=department
    ).json()["request_id"]
    rating = rate(client, request_id, cid, 1, reason="staff_attitude").json()["rating"]
    return rating["followups"][0]["id"], cid


def test_the_follow_up_lifecycle_tells_the_rater_and_is_audited(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    followup_id, cid = bad_item(client)
    sci = officer(backend, "sci-rt", "science_technology")
    url = f"/api/v1/rating-followups/{followup_id}/state"
    view = sci.get(f"/api/v1/rating-followups/{followup_id}").json()["followup"]
    assert view["state"] == "open" and view["transitions"] == ["verifying", "disputed"]
    # open -> replied skips steps: 409 in the caller's language
    skipped = sci.post_json(url, {"state": "replied", "reply": "x"}, headers={"Accept-Language": "zh"})
    assert skipped.status == 409 and skipped.json()["error"]["code"] == "followup_transition_invalid"
    assert "待处理" in skipped.json()["error"]["message"]
    assert sci.post_json(url, {"state": "flying"}).json()["error"]["code"] == "followup_state_invalid"
    for state in ("verifying", "rectifying"):
        response = sci.post_json(url, {"state": state, "note": f"{state} done"})
        assert response.status == 200, response.text
    assert sci.post_json(url, {"state": "replied"}).json()["error"]["code"] == "followup_reply_required"
    calls = len(rasa.calls)
    replied = sci.post_json(url, {"state": "replied", "reply": "We retrained the counter staff."})
    assert replied.status == 200, replied.text
    assert replied.json()["notification"] == {"delivered": True, "pending": False}
    push = rasa.calls[calls]
    assert push["path"] == f"/conversations/{cid}/trigger_intent"
    assert push["query"]["output_channel"] == ["latest"]
    assert push["body"] == {
        "name": "EXTERNAL_rating_reply",
        "entities": {"department": "science_technology", "rating_reply": "We retrained the counter staff."},
    }
    assert replied.json()["followup"]["reply_delivered"] is True
    closed = sci.post_json(url, {"state": "closed"}).json()["followup"]
    assert closed["state"] == "closed" and [e["state"] for e in closed["events"]] == [
        "open",
        "verifying",
        "rectifying",
        "replied",
        "closed",
    ]
    with backend.app.ctx.session_factory() as session:
        audit = session.query(AuditLog).filter(AuditLog.action == "rating_followup").all()
        assert {(a.detail["from"], a.detail["to"]) for a in audit if a.detail["followup"] == followup_id} == {
            ("open", "verifying"),
            ("verifying", "rectifying"),
            ("rectifying", "replied"),
            ("replied", "closed"),
        }
        note = session.query(Notification).filter(Notification.conversation_id == cid).one()
        # the reply is a push of its own (not one of the case's updates), delivered
        assert note.payload["name"] == "EXTERNAL_rating_reply" and note.delivered
        assert note.case_id is None


def test_a_dispute_withdraws_with_a_reason(client: Client, backend: BackendServer) -> None:
    followup_id, _ = bad_item(client)
    sci = officer(backend, "sci-rt", "science_technology")
    url = f"/api/v1/rating-followups/{followup_id}/state"
    assert (
        sci.post_json(url, {"state": "disputed", "note": "the applicant rated the wrong case"}).status == 200
    )
    missing = sci.post_json(url, {"state": "withdrawn"})
    assert missing.status == 400 and missing.json()["error"]["code"] == "followup_reason_required"
    done = sci.post_json(url, {"state": "withdrawn", "reason": "rated the wrong case, confirmed by phone"})
    assert done.json()["followup"]["withdrawn_reason"] == "rated the wrong case, confirmed by phone"
    assert sci.post_json(url, {"state": "verifying"}).status == 409  # withdrawn is final


def test_a_conversation_s_reply_is_a_push_of_no_case(
    client: Client, backend: BackendServer, rasa: FakeRasa
) -> None:
    cid = "web-" + secrets.token_hex(8)
    request_id = ask(client, cid, target="conversation", source="handoff", event="h1").json()["request_id"]
    followup_id = rate(client, request_id, cid, 1).json()["rating"]["followups"][0]["id"]
    helper = officer(backend, "helper", None, role="helpdesk")
    url = f"/api/v1/rating-followups/{followup_id}/state"
    for state in ("verifying", "rectifying"):
        assert helper.post_json(url, {"state": state}).status == 200
    response = helper.post_json(url, {"state": "replied", "reply": "Sorry, we were short of staff that day."})
    assert response.json()["notification"]["delivered"] is True
    assert rasa.calls[-1]["body"]["entities"]["department"] == "helpdesk"
    with backend.app.ctx.session_factory() as session:
        row = session.query(Notification).filter(Notification.conversation_id == cid).one()
        assert row.case_id is None and row.delivered


def test_roles_see_their_departments_only(client: Client, backend: BackendServer) -> None:
    sci_item, _ = bad_item(client, "science_technology")
    number, cid = new_case(client, ("residence_permit_new",))
    request_id = ask(
        client, cid, target="item", source="completion", case_number=number, department="exit_entry"
    ).json()["request_id"]
    exit_item = rate(client, request_id, cid, 2).json()["rating"]["followups"][0]["id"]
    sci = officer(backend, "sci-rt", "science_technology")
    listed = {f["id"] for f in sci.get("/api/v1/rating-followups").json()["followups"]}
    assert sci_item in listed and exit_item not in listed
    assert sci.get(f"/api/v1/rating-followups/{exit_item}").status == 404
    assert sci.post_json(f"/api/v1/rating-followups/{exit_item}/state", {"state": "verifying"}).status == 404
    manager = officer(backend, "mgr-rt", None, role="manager")
    everything = {f["id"] for f in manager.get("/api/v1/rating-followups").json()["followups"]}
    assert {sci_item, exit_item} <= everything
    assert (
        manager.post_json(f"/api/v1/rating-followups/{exit_item}/state", {"state": "verifying"}).status == 403
    )
    editor = officer(backend, "editor", None, role="policy_editor")
    assert editor.get("/api/v1/rating-followups").status == 403
    assert client.get("/api/v1/rating-followups").status == 401
    assert sci.get("/api/v1/rating-followups?overdue=maybe").status == 400
    open_only = sci.get("/api/v1/rating-followups?state=open").json()["followups"]
    assert all(f["state"] == "open" for f in open_only)


def test_overdue_items_are_flagged(client: Client, backend: BackendServer) -> None:
    followup_id, _ = bad_item(client)
    with backend.app.ctx.session_factory() as session:
        session.get(RatingFollowUp, followup_id).due_date = date(2026, 1, 5)
        session.commit()
    sci = officer(backend, "sci-rt", "science_technology")
    assert sci.get(f"/api/v1/rating-followups/{followup_id}").json()["followup"]["overdue"] is True
    late = {f["id"] for f in sci.get("/api/v1/rating-followups?overdue=true").json()["followups"]}
    on_time = {f["id"] for f in sci.get("/api/v1/rating-followups?overdue=false").json()["followups"]}
    assert followup_id in late and followup_id not in on_time
    page = sci.get("/console/ratings/?overdue=yes")
    assert (
        page.status == 200
        and f'data-followup="{followup_id}"' in page.text
        and 'data-overdue="yes"' in page.text
    )


def test_the_console_shows_the_masked_case_or_conversation_and_changes_with_notes(
    client: Client, backend: BackendServer
) -> None:
    followup_id, _ = bad_item(client)
    sci = officer(backend, "sci-rt", "science_technology")
    detail = sci.get(f"/console/ratings/{followup_id}")
    assert detail.status == 200 and 'id="masked-answers"' in detail.text
    assert "E12345678" not in detail.text  # the applicant's passport number stays masked
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', detail.text).group(1)
    moved = sci.post_form(
        f"/console/ratings/{followup_id}/state",
        {"csrf_token": csrf, "state": "verifying", "note": "called the applicant"},
    )
    assert moved.status == 302
    after = sci.get(f"/console/ratings/{followup_id}?lang=zh")
    assert (
        'data-state="verifying"' in after.text
        and "called the applicant" in after.text
        and "核实中" in after.text
    )
    refused = sci.post_form(f"/console/ratings/{followup_id}/state", {"csrf_token": csrf, "state": "closed"})
    assert refused.status == 409 and "cannot become" in refused.text or "不能改为" in refused.text
    # a conversation's rating shows the conversation, masked again
    cid = "web-" + secrets.token_hex(8)
    request_id = ask(client, cid, target="conversation", source="handoff", event="h2").json()["request_id"]
    talk = rate(client, request_id, cid, 1).json()["rating"]["followups"][0]["id"]
    boss = officer(backend, "boss", None, role="admin")
    shown = boss.get(f"/console/ratings/{talk}")
    assert (
        'id="conversation"' in shown.text
        and "13812345678" not in shown.text
        and "staff were rude" in shown.text
    )
    assert sci.get(f"/console/ratings/{talk}").status == 404  # not the officer's department
    assert officer(backend, "editor", None, role="policy_editor").get("/console/ratings/").status == 403


# --- figures ---------------------------------------------------------------------------------------
def test_figures_against_hand_computed_values(backend: BackendServer, client: Client) -> None:
    """A seeded month: levels 5, 4, 3, 2, 1 and a test case's 1 (excluded), 6 asks (one unrated, one
    of the test case); the bad ratings' follow-ups: one replied on time, one replied late, one
    withdrawn, one open past due."""
    real, cid = new_case(client)
    test, test_cid = new_case(client, test=True)
    with backend.app.ctx.session_factory() as session:
        real_id = session.query(Case).filter(Case.number == real).one().id
        test_id = session.query(Case).filter(Case.number == test).one().id
        at = datetime(2025, 3, 10, 9, 0)

        def rated(
            level: int | None, case_id: int | None, departments: list[str], channel: str = "rest"
        ) -> Rating | None:
            request = RatingRequest(
                conversation_id=cid,
                channel=channel,
                language="en",
                target_type="case" if case_id else "conversation",
                case_id=case_id,
                departments=departments,
                source="submission",
                created_at=at,
            )
            session.add(request)
            session.flush()
            if level is None:
                return None
            rating = Rating(
                request_id=request.id,
                conversation_id=cid,
                channel=channel,
                language="en",
                target_type=request.target_type,
                case_id=case_id,
                departments=departments,
                level=level,
                created_at=at,
            )
            session.add(rating)
            session.flush()
            return rating

        sci = ["science_technology"]
        rated(5, real_id, sci)
        rated(4, real_id, sci, channel="socketio")
        rated(3, None, ["helpdesk"])
        two = rated(2, real_id, sci)
        one = rated(1, None, ["helpdesk"])
        rated(None, real_id, sci)  # asked, never rated
        test_bad = rated(1, test_id, sci)  # a test case: excluded everywhere
        due = date(2025, 3, 17)

        def followup(rating: Any, department: str, state: str, replied: datetime | None) -> None:
            session.add(
                RatingFollowUp(
                    rating_id=rating.id,
                    department=department,
                    state=state,
                    due_date=due,
                    replied_at=replied,
                    reply_delivered=False,
                    created_at=at,
                    updated_at=at,
                )
            )

        followup(two, "science_technology", "closed", datetime(2025, 3, 14, 10))  # on time
        followup(one, "helpdesk", "replied", datetime(2025, 3, 20, 10))  # late
        followup(test_bad, "science_technology", "open", None)
        session.commit()
        day = date(2025, 3, 31)
        figures = rating_figures(session, date(2025, 3, 1), date(2025, 3, 31), today=day)
        assert figures == {
            "count": 5,
            "by_level": {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1},
            "satisfaction_rate": 3 / 5,
            "good_rate": 2 / 5,
            "active_rate": 5 / 6,
            "bad_count": 2,
            "rectified_on_time_rate": 1 / 2,
            "reply_rate": 2 / 2,
        }
        sci_only = rating_figures(
            session, date(2025, 3, 1), date(2025, 3, 31), department="science_technology", today=day
        )
        assert sci_only["count"] == 3 and sci_only["by_level"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
        assert sci_only["active_rate"] == 3 / 4 and sci_only["rectified_on_time_rate"] == 1.0
        assert (
            rating_figures(session, date(2025, 3, 1), date(2025, 3, 31), channel="socketio", today=day)[
                "count"
            ]
            == 1
        )
        assert (
            rating_figures(session, date(2025, 3, 1), date(2025, 3, 31), item="work_permit_new", today=day)[
                "count"
            ]
            == 3
        )
        empty = rating_figures(session, date(2025, 4, 1), date(2025, 4, 30), today=day)
        assert empty["count"] == 0 and empty["satisfaction_rate"] is None and empty["reply_rate"] is None
        months = monthly_rating_figures(session, 2025)
        assert months == [
            {
                "month": "2025-03",
                "department": "helpdesk",
                "count": 2,
                "by_level": {"1": 1, "2": 0, "3": 1, "4": 0, "5": 0},
                "bad": 1,
                "rectified": 0,
            },
            {
                "month": "2025-03",
                "department": "science_technology",
                "count": 3,
                "by_level": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
                "bad": 1,
                "rectified": 1,
            },
        ]
