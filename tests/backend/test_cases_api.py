"""Cases: submission, numbering under concurrency, encryption at rest, watchlist and joint
review, state changes with audit, officers' departments, test cases and statistics."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select, update

from backend.models import Case, CaseCounter, CaseEvent, CaseItem, User, utcnow
from backend.services.audit import AuditService
from backend.services.cases import CaseService, china_now
from backend.services.watchlist import WatchlistService
from knowledge.application import catalogue
from tests.backend.cases_support import (
    ALL_ITEMS,
    PASSPORT,
    ZH,
    answers_for,
    case_body,
    closed_port_url,
    detail_fields,
    officer,
    raw_hits,
    service_request,
)
from tests.backend.conftest import BackendServer, Client, start_backend

ROOT = Path(__file__).resolve().parents[2]
CASES = "/api/v1/cases"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    server = start_backend(
        tmp_path_factory.mktemp("cases"),
        database_urls(),
        rasa_url=closed_port_url(),
        notify_wait=0.5,
        notify_timeout=2.0,
    )
    yield server
    server.stop()


def submit(client: Client, body: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    response = client.post_json(CASES, body or case_body(), headers=headers or None)
    assert response.status == 201, response.text
    return response.json()["case"]


def services(backend: BackendServer, session: Any) -> CaseService:
    return CaseService(session, backend.app.ctx.crypto, backend.app.ctx.settings)


def test_submission_splits_per_department_with_plan_and_savings(client: Client) -> None:
    case = submit(client, case_body(ALL_ITEMS, conversation_id="web-" + "a" * 24, channel="rest"), **ZH)
    year = china_now().year
    assert (
        case["number"].startswith(f"FJ{year}") and case["number"][6:].isdigit() and len(case["number"]) == 12
    )
    assert case["state"] == "submitted" and case["is_test"] is False and case["joint_review"] is False
    split = catalogue().departments_for(ALL_ITEMS)
    assert {i["department"]: i["services"] for i in case["items"]} == split
    for item in case["items"]:
        assert item["state"] == "received"
        assert [e["state"] for e in item["timeline"]] == ["received"]
        assert item["state_text"] == "已接收"
    expected = catalogue().savings(ALL_ITEMS, "worker")
    assert (case["savings"]["fields_once"], case["savings"]["fields_separately"]) == (
        expected.fields_once,
        expected.fields_separately,
    )
    # materials: the ones this situation needs, as listed, once and item by item
    assert case["savings"]["materials_once"] == len(case["materials"])
    assert case["savings"]["materials_once"] < case["savings"]["materials_separately"]
    assert case["savings"]["fields_once"] < case["savings"]["fields_separately"]
    material_ids = {m["id"] for m in case["materials"]}
    assert {"passport", "degree_certificate", "criminal_record_certificate"} <= material_ids
    assert all(m["name"] for m in case["materials"])
    assert case["deadlines"] and all(isinstance(d, str) and d for d in case["deadlines"])
    assert case["next_steps"][0].startswith("各部门")  # Accept-Language: zh
    assert case["answers_masked"]["passport_number"] == "E12****78"
    assert case["answers_masked"]["date_of_birth"] == "1990-**-**"


def test_numbers_are_consecutive_per_prefix_and_year(backend: BackendServer, client: Client) -> None:
    first = submit(client)["number"]
    second = submit(client)["number"]
    assert int(second[-6:]) == int(first[-6:]) + 1
    factory = backend.app.ctx.session_factory
    with factory() as session:
        service = services(backend, session)
        assert service.allocate_number(2031) == "FJ2031000001"  # a new year starts at 1
        assert service.allocate_number(2031) == "FJ2031000002"
        session.rollback()  # rolled back: the numbers are given back
        assert service.allocate_number(2031) == "FJ2031000001"
        session.commit()
        weihai = CaseService(
            session, backend.app.ctx.crypto, replace(backend.app.ctx.settings, case_prefix="WH")
        )
        assert weihai.create(
            items=["social_insurance"], role="worker", answers=answers_for(["social_insurance"])
        ).number.startswith("WH")
    assert int(submit(client)["number"][-6:]) == int(second[-6:]) + 1


def test_twenty_concurrent_submissions_get_twenty_consecutive_numbers(backend: BackendServer) -> None:
    factory = backend.app.ctx.session_factory
    barrier = threading.Barrier(20)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    answers = answers_for(["social_insurance"])

    def one() -> None:
        try:
            with factory() as session:
                service = CaseService(session, backend.app.ctx.crypto, backend.app.ctx.settings)
                barrier.wait(10)
                case = service.create(items=["social_insurance"], role="worker", answers=answers)
                with lock:
                    numbers.append(case.number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    sequence = sorted(int(n[-6:]) for n in numbers)
    assert len(set(numbers)) == 20
    assert sequence == list(range(sequence[0], sequence[0] + 20))
    with factory() as session:
        year = china_now().year
        last = session.execute(
            select(CaseCounter.last).where(CaseCounter.region == "FJ", CaseCounter.year == year)
        ).scalar_one()
        assert last == sequence[-1]


def test_a_rejected_submission_stores_nothing_and_leaves_no_gap(
    client: Client, backend: BackendServer
) -> None:
    before = submit(client)["number"]
    with backend.app.ctx.session_factory() as session:
        count = session.execute(select(func.count(Case.id))).scalar_one()
    bad_bodies: list[dict[str, Any]] = [
        {**case_body(), "answers": {**answers_for(["work_permit_new"]), "surname": "x" * 5000}},
        {**case_body(), "answers": {**answers_for(["work_permit_new"]), "email": "<script>@x"}},
        {**case_body(), "items": ["work_permit_new", "teleport"]},
        {**case_body(), "role": 7},
        {**case_body(), "test": "yes"},
        {**case_body(), "unexpected": 1},
        {**case_body(), "answers": {**answers_for(["work_permit_new"]), "date_of_entry": "2020-01-01"}},
        {**case_body(), "answers": {"surname": "Schmidt"}},
        {**case_body(), "conversation_id": "'; DROP TABLE cases; --"},
    ]
    expected = [
        "surname",
        "email",
        "items",
        "role",
        "test",
        "unexpected",
        "date_of_entry",
        "given_names",
        "conversation_id",
    ]
    for body, field in zip(bad_bodies, expected, strict=True):
        response = client.post_json(CASES, body, headers=ZH)
        assert response.status == 400, (field, response.text)
        assert field in detail_fields(response), (field, response.text)
        assert response.json()["error"]["code"] == "case_invalid"
    for raw in (b"{", b"[]", b"null"):
        response = client.request(
            "POST",
            CASES,
            body=raw,
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer test-service-token-0123456789",
            },
        )
        assert response.status == 400 and response.json()["error"]["code"] == "invalid_json"
    with backend.app.ctx.session_factory() as session:
        assert session.execute(select(func.count(Case.id))).scalar_one() == count
    assert int(submit(client)["number"][-6:]) == int(before[-6:]) + 1


def test_no_raw_personal_data_anywhere_in_the_database(client: Client, backend: BackendServer) -> None:
    case = submit(client, case_body(ALL_ITEMS, conversation_id="web-" + "b" * 24))
    boss = officer(backend, "boss", None, role="admin")
    with backend.app.ctx.session_factory() as session:
        WatchlistService(session, backend.app.ctx.crypto).add("X99999999", "test entry", "boss")
    change = boss.post_json(
        f"{CASES}/{case['number']}/items/hrss/state", {"state": "under_review", "note": ""}
    )
    assert change.status == 200, change.text
    status = client.post_json(
        "/api/v1/status", {"case_number": case["number"], "passport_number": "X00000000"}
    )
    assert status.status == 403
    assert raw_hits(backend.app.ctx.engine) == []
    assert raw_hits(backend.app.ctx.engine, ("X99999999",)) == []
    with backend.app.ctx.session_factory() as session:
        stored = session.execute(select(Case).where(Case.number == case["number"])).unique().scalar_one()
        assert stored.answers_enc.startswith("gAAAA")  # a Fernet token
        assert backend.app.ctx.crypto.decrypt_json(stored.answers_enc)["passport_number"] == PASSPORT
        assert stored.passport_hash == backend.app.ctx.crypto.passport_hash(PASSPORT)


def test_state_changes_follow_the_transitions_and_are_audited(client: Client, backend: BackendServer) -> None:
    case = submit(client, case_body(["work_permit_new", "residence_permit_new"]))
    number = case["number"]
    sci = officer(backend, "sci1", "science_technology")
    url = f"{CASES}/{number}/items/science_technology/state"
    wrong = sci.post_json(url, {"state": "approved"}, headers=ZH)
    assert wrong.status == 409
    assert wrong.json()["error"]["message"] == "处于“已接收”状态的事项不能改为“已批准”。"
    assert sci.post_json(url, {"state": "under_review", "note": "checking"}).status == 200
    needs_note = sci.post_json(url, {"state": "supplement_requested", "note": "  "})
    assert needs_note.status == 400 and needs_note.json()["error"]["code"] == "note_required"
    assert (
        sci.post_json(url, {"state": "supplement_requested", "note": "Upload the degree certificate."}).status
        == 200
    )
    for state in ("under_review", "approved", "completed"):
        response = sci.post_json(url, {"state": state})
        assert response.status == 200, response.text
    view = response.json()["case"]
    item = next(i for i in view["items"] if i["department"] == "science_technology")
    assert [e["state"] for e in item["timeline"]] == [
        "received",
        "under_review",
        "supplement_requested",
        "under_review",
        "approved",
        "completed",
    ]
    assert item["timeline"][2]["note"] == "Upload the degree certificate."
    assert view["state"] == "in_progress"  # the residence permit is still received
    assert sci.post_json(url, {"state": "under_review"}).status == 409  # completed is final
    for body, field in (
        ({"state": "flying"}, "state"),
        ({"state": "under_review", "note": 5}, "note"),
        ({"state": "under_review", "note": "n" * 2001}, "note"),
        ({"x": 1}, "x"),
    ):
        response = sci.post_json(url, body)
        assert response.status == 400 and field in detail_fields(response), response.text
    # Another department's item: refused; a department the case does not have: not found.
    other = sci.post_json(f"{CASES}/{number}/items/exit_entry/state", {"state": "under_review"})
    assert other.status == 403
    assert sci.post_json(f"{CASES}/{number}/items/hrss/state", {"state": "under_review"}).status == 404
    with backend.app.ctx.session_factory() as session:
        case_id = session.execute(select(Case.id).where(Case.number == number)).scalar_one()
        audits = AuditService(session).list(case_id=case_id, action="state_change")
        assert len(audits) == 5 and all(a.actor == "sci1" for a in audits)
        assert audits[0].detail == {
            "number": number,
            "item_id": item["id"],
            "department": "science_technology",
            "from": "approved",
            "to": "completed",
        }
        events = session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)).scalars().all()
        assert len(events) == 2 + 5


def test_case_state_follows_its_items(backend: BackendServer, client: Client) -> None:
    case = submit(client, case_body(["social_insurance"]))  # hrss + medical_insurance
    admin = officer(backend, "boss", None, role="admin")
    for department, path in (
        ("hrss", ("under_review", "rejected")),
        ("medical_insurance", ("under_review", "rejected")),
    ):
        for state in path:
            response = admin.post_json(
                f"{CASES}/{case['number']}/items/{department}/state",
                {"state": state, "note": "Not eligible."},
            )
            assert response.status == 200, response.text
    assert response.json()["case"]["state"] == "rejected"


def test_officers_see_their_departments_and_views_are_audited(client: Client, backend: BackendServer) -> None:
    case = submit(client, case_body(["work_permit_new"]))
    sci = officer(backend, "sci2", "science_technology")
    exit_entry = officer(backend, "exit2", "exit_entry")
    seen = sci.get(f"{CASES}/{case['number']}")
    assert seen.status == 200
    staff_view = seen.json()["case"]
    assert (
        "id" in staff_view
        and "events" in staff_view
        and staff_view["answers_masked"]["phone"] == "138****5678"
    )
    assert exit_entry.get(f"{CASES}/{case['number']}").status == 404
    assert sci.get(f"{CASES}/FJ2000999999").status == 404
    assert (
        client.get(
            f"{CASES}/{case['number']}", headers={"Authorization": "Bearer test-service-token-0123456789"}
        ).status
        == 401
    )  # officers only
    helper = Client(backend.url)
    helper.login("helper")
    assert helper.get(f"{CASES}/{case['number']}").status == 403
    assert (
        sci.request(
            "POST",
            f"{CASES}/{case['number']}/items/science_technology/state",
            body=b'{"state": "under_review"}',
            headers={"Content-Type": "application/json"},
        ).status
        == 403
    )  # no CSRF header
    with backend.app.ctx.session_factory() as session:
        service = services(backend, session)
        views = AuditService(session).list(action="view", actor="sci2")
        assert views and views[0].detail["number"] == case["number"]
        mine = service.list_items("science_technology")
        assert case["number"] in {i.case.number for i in mine}
        assert all(i.department == "science_technology" or i.case.joint_review for i in mine)
        assert service.list_items("exit_entry", number=case["number"]) == []
        assert len(service.list_items(None, number=case["number"])) == 1
        assert service.list_items(None, state="approved", number=case["number"]) == []


def test_reveal_shows_the_departments_fields_and_is_audited(client: Client, backend: BackendServer) -> None:
    case = submit(client, case_body(["work_permit_new", "social_insurance"]))
    with backend.app.ctx.session_factory() as session:
        service = services(backend, session)
        stored = service.get_case(case["number"])
        everything = service.reveal(stored, "boss")
        assert everything["passport_number"] == PASSPORT
        medical = service.reveal(stored, "med1", department="medical_insurance")
        assert set(medical) <= set(catalogue().fields_for(["social_insurance"], "worker"))
        assert "highest_degree" not in medical and medical["passport_number"] == PASSPORT
        audits = AuditService(session).list(case_id=stored.id, action="reveal")
        assert [a.actor for a in audits] == ["med1", "boss"]
        assert audits[0].detail["fields"] == sorted(medical)
        assert PASSPORT not in str([a.detail for a in audits])


def test_watchlist_match_goes_to_joint_review_until_released(client: Client, backend: BackendServer) -> None:
    passport = "G76543210"
    with backend.app.ctx.session_factory() as session:
        watchlist = WatchlistService(session, backend.app.ctx.crypto)
        entry = watchlist.add(passport.lower(), "forged documents reported", "boss")
        assert entry.passport_hash == backend.app.ctx.crypto.passport_hash(passport)
        assert watchlist.matches_number(passport) and not watchlist.matches_number("E00000001")
    body = case_body(["work_permit_new", "residence_permit_new"], conversation_id="web-" + "c" * 24)
    body["answers"]["passport_number"] = passport
    applicant_view = submit(client, body)
    assert applicant_view["joint_review"] is False and applicant_view["state"] == "submitted"  # not disclosed
    number = applicant_view["number"]
    sci = officer(backend, "sci3", "science_technology")
    hrss = officer(backend, "hr3", "hrss")
    held = hrss.get(f"{CASES}/{number}")  # visible to every department
    assert held.status == 200
    assert held.json()["case"]["joint_review"] is True and held.json()["case"]["state"] == "joint_review"
    assert all(i["state"] == "received" for i in held.json()["case"]["items"])
    blocked = sci.post_json(f"{CASES}/{number}/items/science_technology/state", {"state": "under_review"})
    assert blocked.status == 409 and blocked.json()["error"]["code"] == "joint_review_pending"
    with backend.app.ctx.session_factory() as session:
        ids = {i.case.number for i in services(backend, session).list_items("hrss")}
        assert number in ids
    released = hrss.post_json(f"{CASES}/{number}/release", {"note": "Checked with exit-entry."})
    assert released.status == 200, released.text
    assert (
        released.json()["case"]["joint_review"] is False and released.json()["case"]["state"] == "submitted"
    )
    assert sci.post_json(f"{CASES}/{number}/release", {}).status == 409
    assert (
        sci.post_json(f"{CASES}/{number}/items/science_technology/state", {"state": "under_review"}).status
        == 200
    )
    assert hrss.get(f"{CASES}/{number}").status == 404  # no longer visible to departments without an item
    with backend.app.ctx.session_factory() as session:
        case_id = session.execute(select(Case.id).where(Case.number == number)).scalar_one()
        assert [
            a.actor for a in AuditService(session).list(case_id=case_id, action="joint_review_release")
        ] == ["hr3"]
        watchlist = WatchlistService(session, backend.app.ctx.crypto)
        with pytest.raises(Exception) as duplicate:
            watchlist.add(passport, "", "boss")
        assert getattr(duplicate.value, "code", "") == "watchlist_duplicate"
        watchlist.remove(entry.id, "boss")
        assert not watchlist.matches_number(passport)
        actions = [a.action for a in AuditService(session).list(actor="boss")]
        assert "watchlist_add" in actions and "watchlist_remove" in actions
        assert [e.id for e in watchlist.list()] == [e.id for e in watchlist.list()]


def test_test_cases_run_the_flow_and_are_left_out_of_statistics(
    client: Client, backend: BackendServer
) -> None:
    with backend.app.ctx.session_factory() as session:
        before = services(backend, session).statistics()
    real = submit(client, case_body(["work_permit_new"]))
    test_case = submit(client, case_body(["work_permit_new"], test=True))
    assert test_case["is_test"] is True and test_case["items"][0]["state"] == "received"
    admin = officer(backend, "boss", None, role="admin")
    assert (
        admin.post_json(
            f"{CASES}/{test_case['number']}/items/science_technology/state", {"state": "under_review"}
        ).status
        == 200
    )
    stats = admin.get("/api/v1/case-statistics").json()
    assert stats["total_cases"] == before["total_cases"] + 1
    sci_before = before["items"].get("science_technology", {})
    assert stats["items"]["science_technology"].get("received", 0) == sci_before.get("received", 0) + 1
    assert stats["items"]["science_technology"].get("under_review", 0) == sci_before.get("under_review", 0)
    # Marking the real one as a test later removes it too (audited); unmarking brings it back.
    marked = admin.post_json(f"{CASES}/{real['number']}/test", {"test": True})
    assert marked.status == 200 and marked.json()["case"]["is_test"] is True
    assert admin.get("/api/v1/case-statistics").json()["total_cases"] == before["total_cases"]
    assert admin.post_json(f"{CASES}/{real['number']}/test", {"test": "no"}).status == 400
    with backend.app.ctx.session_factory() as session:
        service = services(backend, session)
        assert service.statistics()["total_cases"] == before["total_cases"]
        stored = service.get_case(real["number"])
        service.mark_test(stored, False, "boss")
        assert service.statistics()["total_cases"] == before["total_cases"] + 1
        assert [
            a.detail["is_test"] for a in AuditService(session).list(case_id=stored.id, action="mark_test")
        ] == [False, True]
        tests_only = service.list_items(None, is_test=True)
        assert tests_only and all(i.case.is_test for i in tests_only)


def test_a_conversation_lists_its_cases(client: Client) -> None:
    cid = "web-" + "d" * 24
    first = submit(client, case_body(["social_insurance"], conversation_id=cid))
    second = submit(client, case_body(["professional_title"], conversation_id=cid))
    response = service_request(client, "GET", f"/api/v1/conversations/{cid}/cases")
    assert response.status == 200
    assert [c["number"] for c in response.json()["cases"]] == [first["number"], second["number"]]
    assert service_request(client, "GET", "/api/v1/conversations/web-nobody/cases").json() == {"cases": []}


def test_create_user_takes_an_officers_department(tmp_path: Path, backend: BackendServer) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "NEW_USER_PASSWORD": "long enough pw",
        "KB_SEED_ON_START": "0",
    }
    env.pop("APP_ENV", None)
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "backend",
            "create-user",
            "officer1",
            "--role",
            "officer",
            "--department",
            "exit_entry",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "exit_entry" in ok.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "backend",
            "create-user",
            "officer2",
            "--role",
            "officer",
            "--department",
            "navy",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "navy" in bad.stderr and "exit_entry" in bad.stderr
    from backend.db import make_engine, make_session_factory

    engine = make_engine(env["DATABASE_URL"])
    with make_session_factory(engine)() as session:
        user = session.execute(select(User).where(User.username == "officer1")).scalar_one()
        assert (user.role, user.department) == ("officer", "exit_entry")
    engine.dispose()


def test_case_items_are_unique_per_department(backend: BackendServer, client: Client) -> None:
    case = submit(client, case_body(ALL_ITEMS))
    with backend.app.ctx.session_factory() as session:
        rows = session.execute(
            select(CaseItem.department).join(Case).where(Case.number == case["number"])
        ).all()
        assert len(rows) == len({r[0] for r in rows}) == len(catalogue().departments_for(ALL_ITEMS))


def test_cases_past_their_retention_are_deleted(client: Client, backend: BackendServer) -> None:
    old = submit(client, case_body(["social_insurance"]))
    fresh = submit(client, case_body(["social_insurance"]))
    days = catalogue().consent.case_retention_days
    with backend.app.ctx.session_factory() as session:
        service = services(backend, session)
        stored = service.get_case(old["number"])
        service.mark_test(stored, True, "boss")  # leaves an audit row linked to the case
        session.execute(
            update(Case)
            .where(Case.number == old["number"])
            .values(updated_at=utcnow() - timedelta(days=days, minutes=1))
        )
        session.commit()
        assert service.purge_expired() == 1
        assert service.get_case(old["number"]) is None and service.get_case(fresh["number"]) is not None
        assert (
            session.execute(select(func.count(CaseItem.id)).where(CaseItem.case_id == stored.id)).scalar_one()
            == 0
        )
        audit = AuditService(session).list(action="mark_test", actor="boss")
        assert any(a.detail.get("number") == old["number"] and a.case_id is None for a in audit)
