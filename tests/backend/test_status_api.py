"""POST /api/v1/status: ownership, the passport check, lockout per case number, and no probing of numbers."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from backend.models import AuditLog, StatusAttempt, utcnow
from backend.services.cases import CaseError
from backend.services.status import LOCK_MINUTES, STATUS_FAILURES_PER_MINUTE, StatusService
from backend.services.watchlist import WatchlistService
from tests.backend.cases_support import ZH, case_body, closed_port_url, detail_fields
from tests.backend.conftest import BackendServer, Client, start_backend

STATUS = "/api/v1/status"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    server = start_backend(tmp_path_factory.mktemp("status"), database_urls(), rasa_url=closed_port_url())
    yield server
    server.stop()


def new_case(client: Client, passport: str = "E12345678", **extra: Any) -> tuple[str, str]:
    cid = "web-" + secrets.token_hex(12)
    body = case_body(["work_permit_new", "residence_permit_new"], conversation_id=cid, **extra)
    body["answers"]["passport_number"] = passport
    response = client.post_json("/api/v1/cases", body)
    assert response.status == 201, response.text
    return response.json()["case"]["number"], cid


def status(http: Client, **body: Any) -> Any:
    headers = body.pop("headers", None)
    return http.post_json(STATUS, body, headers=headers)


def test_the_owning_conversation_sees_its_case_without_a_question(client: Client) -> None:
    number, cid = new_case(client)
    response = status(client, case_number=number, conversation_id=cid, headers=ZH)
    assert response.status == 200, response.text
    case = response.json()["case"]
    assert case["number"] == number
    assert [i["department_name"] for i in case["items"]] == [
        "科技部门（或行政审批服务部门）",
        "公安机关出入境管理部门",
    ]
    assert case["items"][0]["timeline"][0]["state_text"] == "已接收"
    assert status(client, case_number=number.lower(), conversation_id=cid).status == 200  # case-insensitive


PASSPORT = "E12345678"


def test_another_conversation_needs_the_full_passport_number(client: Client) -> None:
    number, _ = new_case(client)
    other = "web-" + secrets.token_hex(12)
    asked = status(client, case_number=number, conversation_id=other, headers=ZH)
    assert asked.status == 400
    assert asked.json()["error"]["code"] == "verification_required"
    assert "完整护照号码" in asked.json()["error"]["message"]
    assert status(client, case_number=number, conversation_id=other, passport_number=PASSPORT).status == 200
    assert (
        status(client, case_number=number, conversation_id=other, passport_number=" e1234-5678 ").status
        == 200
    )
    assert status(client, case_number=number, passport_number=PASSPORT).status == 200


def test_the_last_four_characters_are_not_a_factor(client: Client) -> None:
    number, _ = new_case(client)
    short = status(client, case_number=number, passport_number="5678")
    assert (
        short.status == 400 and detail_fields(short)["passport_number"]["code"] == "passport_number_invalid"
    )
    # The old field is refused as unknown, not silently taken as an answer.
    assert status(client, case_number=number, passport_last4="5678").status == 400


def test_three_wrong_answers_lock_the_case_number_for_fifteen_minutes(
    client: Client, backend: BackendServer
) -> None:
    number, owner = new_case(client)
    other = "web-" + secrets.token_hex(12)
    first = status(client, case_number=number, conversation_id=other, passport_number="X00000000", headers=ZH)
    assert first.status == 403
    assert first.json()["error"]["code"] == "verification_failed"
    assert first.json()["error"]["attempts_left"] == 2
    assert "剩余尝试次数：2" in first.json()["error"]["message"]
    second = status(client, case_number=number, conversation_id=other, passport_number="X11111111")
    assert second.status == 403 and second.json()["error"]["attempts_left"] == 1
    third = status(client, case_number=number, conversation_id=other, passport_number="X22222222")
    assert third.status == 423
    error = third.json()["error"]
    assert error["code"] == "status_locked"
    assert LOCK_MINUTES * 60 - 5 <= error["retry_after"] <= LOCK_MINUTES * 60
    assert third.headers["Retry-After"] == str(error["retry_after"])
    assert "15 minutes" in error["message"]
    # Locked for everyone, even with the right answer: a new conversation or no conversation
    # gets no fresh tries (issue #17). The owning conversation still sees its case.
    assert status(client, case_number=number, conversation_id=other, passport_number=PASSPORT).status == 423
    assert (
        status(
            client,
            case_number=number,
            conversation_id="web-" + secrets.token_hex(12),
            passport_number=PASSPORT,
        ).status
        == 423
    )
    assert status(client, case_number=number, passport_number=PASSPORT).status == 423
    assert status(client, case_number=number, conversation_id=owner).status == 200
    # The lock is per case number: the same conversation may still check another case.
    number2, _ = new_case(client)
    assert status(client, case_number=number2, conversation_id=other, passport_number=PASSPORT).status == 200
    # The officers' alert: an audit entry on the case.
    with backend.app.ctx.session_factory() as session:
        alerts = session.execute(select(AuditLog).where(AuditLog.action == "status_locked")).scalars().all()
        assert any(a.detail.get("number") == number for a in alerts)


def test_rotating_conversations_gets_no_fresh_tries(client: Client) -> None:
    number, _ = new_case(client)
    codes = [
        status(
            client,
            case_number=number,
            conversation_id="web-" + secrets.token_hex(12),
            passport_number=f"X{i:08d}",
        ).status
        for i in range(4)
    ]
    assert codes == [403, 403, 423, 423]


def test_a_right_answer_resets_the_count(client: Client) -> None:
    number, _ = new_case(client)
    other = "web-" + secrets.token_hex(12)
    for _ in range(2):
        assert (
            status(client, case_number=number, conversation_id=other, passport_number="X00000000").status
            == 403
        )
    assert status(client, case_number=number, conversation_id=other, passport_number=PASSPORT).status == 200
    again = status(client, case_number=number, conversation_id=other, passport_number="X00000000")
    assert again.json()["error"]["attempts_left"] == 2


def test_unknown_numbers_look_exactly_like_wrong_answers(client: Client) -> None:
    number, _ = new_case(client)
    year_seq = int(number[-6:]) + 500
    unknown = f"{number[:6]}{year_seq:06d}"
    known_bodies, unknown_bodies = [], []
    for guess in ("X00000000", "X11111111", "X22222222"):
        known_bodies.append(status(client, case_number=number, passport_number=guess))
        unknown_bodies.append(status(client, case_number=unknown, passport_number=guess))
    assert [r.status for r in known_bodies] == [r.status for r in unknown_bodies] == [403, 403, 423]
    for known, other in zip(known_bodies[:2], unknown_bodies[:2], strict=True):
        assert known.json() == other.json()
    assert (
        unknown_bodies[2].json()["error"]["code"]
        == known_bodies[2].json()["error"]["code"]
        == "status_locked"
    )
    # Without an answer both say the same too.
    assert status(client, case_number=unknown).json() == status(client, case_number=number).json()


def test_a_global_limit_over_all_case_numbers(backend: BackendServer, client: Client) -> None:
    numbers = [new_case(client)[0] for _ in range(2)]
    crypto = backend.app.ctx.crypto
    now = utcnow() + timedelta(hours=1)  # a minute of its own
    with backend.app.ctx.session_factory() as session:
        service = StatusService(session, crypto, clock=lambda: now)
        codes = []
        for i in range(STATUS_FAILURES_PER_MINUTE + 1):
            try:
                service.verify(f"FJ2026{900000 + i:06d}", passport_number="X00000000")
            except CaseError as exc:
                codes.append(exc.code)
        assert codes[-1] == "status_busy" and codes.count("status_busy") == 1
        with pytest.raises(CaseError) as busy:
            service.verify(numbers[0], passport_number=PASSPORT)
        assert busy.value.status == 429
        later = StatusService(session, crypto, clock=lambda: now + timedelta(minutes=1, seconds=1))
        assert later.verify(numbers[1], passport_number=PASSPORT).number == numbers[1]


@pytest.mark.parametrize(
    "body,field,code",
    [
        ({"case_number": "not a number"}, "case_number", "case_number_invalid"),
        ({"case_number": 12}, "case_number", "case_number_invalid"),
        ({}, "case_number", "case_number_invalid"),
        (
            {"case_number": "FJ2026000001", "passport_number": "12"},
            "passport_number",
            "passport_number_invalid",
        ),
        (
            {"case_number": "FJ2026000001", "passport_number": "<b>"},
            "passport_number",
            "passport_number_invalid",
        ),
        (
            {"case_number": "FJ2026000001", "passport_number": 5678},
            "passport_number",
            "passport_number_invalid",
        ),
        (
            {"case_number": "FJ2026000001", "conversation_id": "a b"},
            "conversation_id",
            "conversation_id_invalid",
        ),
        ({"case_number": "FJ2026000001", "sql": "'; DROP TABLE cases;--"}, "sql", "unknown_field"),
    ],
)
def test_bad_requests_are_400_and_do_not_count(
    client: Client, body: dict[str, Any], field: str, code: str
) -> None:
    number, _ = new_case(client)
    body = {**body, "case_number": number} if body.get("case_number") == "FJ2026000001" else body
    for _ in range(4):
        response = client.post_json(STATUS, body, headers=ZH)
        assert response.status == 400, response.text
        assert detail_fields(response)[field]["code"] == code
    if field in ("passport_number", "conversation_id", "sql"):
        assert status(client, case_number=number, passport_number=PASSPORT).status == 200


def test_malformed_json_and_auth(client: Client, backend: BackendServer) -> None:
    response = client.request(
        "POST",
        STATUS,
        body=b"{oops",
        headers={"Content-Type": "application/json", "Authorization": "Bearer test-service-token-0123456789"},
    )
    assert response.status == 400 and response.json()["error"]["code"] == "invalid_json"
    assert client.post_json(STATUS, {"case_number": "FJ2026000001"}, token=None).status == 401


def test_lock_runs_out_after_fifteen_minutes_and_only_hashes_are_stored(
    client: Client, backend: BackendServer
) -> None:
    number, _ = new_case(client)
    crypto = backend.app.ctx.crypto
    now = utcnow()
    with backend.app.ctx.session_factory() as session:
        service = StatusService(session, crypto, clock=lambda: now)
        for _ in range(3):
            with pytest.raises(CaseError):
                service.verify(number, conversation_id="web-x", passport_number="X00000000")
        with pytest.raises(CaseError) as locked:
            service.verify(number, passport_number=PASSPORT)
        assert locked.value.code == "status_locked"
        later = StatusService(session, crypto, clock=lambda: now + timedelta(minutes=LOCK_MINUTES, seconds=1))
        assert later.verify(number, passport_number=PASSPORT).number == number
        keys = [row.key for row in session.execute(select(StatusAttempt)).scalars()]
        assert keys and all(len(k) == 64 and "web" not in k and number not in k for k in keys)
        tomorrow = StatusService(session, crypto, clock=lambda: now + timedelta(days=2))
        assert tomorrow.forget_old_attempts() == len(keys)
        views = session.execute(select(AuditLog).where(AuditLog.action == "status_view")).scalars().all()
        assert views and all(set(v.detail) == {"number", "via"} for v in views)


def test_a_joint_review_is_not_disclosed_by_the_status(client: Client, backend: BackendServer) -> None:
    with backend.app.ctx.session_factory() as session:
        WatchlistService(session, backend.app.ctx.crypto).add("W11112222", "", "boss")
    number, cid = new_case(client, passport="W11112222")
    case = status(client, case_number=number, conversation_id=cid).json()["case"]
    assert case["joint_review"] is False and case["state"] == "submitted"
