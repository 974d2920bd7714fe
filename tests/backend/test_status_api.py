"""POST /api/v1/status: ownership, the passport check, lockout, and no probing of numbers."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from backend.models import AuditLog, StatusAttempt, utcnow
from backend.services.cases import CaseError
from backend.services.status import LOCK_MINUTES, StatusService
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
    assert [i["department_name"] for i in case["items"]] == ["科技部门（或行政审批服务部门）", "公安机关出入境管理部门"]
    assert case["items"][0]["timeline"][0]["state_text"] == "已接收"
    assert status(client, case_number=number.lower(), conversation_id=cid).status == 200  # case-insensitive


def test_another_conversation_needs_the_last_four_passport_characters(client: Client) -> None:
    number, _ = new_case(client)
    other = "web-" + secrets.token_hex(12)
    asked = status(client, case_number=number, conversation_id=other, headers=ZH)
    assert asked.status == 400
    assert asked.json()["error"]["code"] == "verification_required"
    assert "后四位" in asked.json()["error"]["message"]
    assert status(client, case_number=number, conversation_id=other, passport_last4="5678").status == 200
    assert status(client, case_number=number, conversation_id=other, passport_last4=" 5678 ").status == 200
    assert status(client, case_number=number, client="telegram-42", passport_last4="5678").status == 200


def test_three_wrong_answers_lock_the_pair_for_fifteen_minutes(client: Client) -> None:
    number, owner = new_case(client)
    other = "web-" + secrets.token_hex(12)
    first = status(client, case_number=number, conversation_id=other, passport_last4="0000", headers=ZH)
    assert first.status == 403
    assert first.json()["error"]["code"] == "verification_failed"
    assert first.json()["error"]["attempts_left"] == 2
    assert "剩余尝试次数：2" in first.json()["error"]["message"]
    second = status(client, case_number=number, conversation_id=other, passport_last4="1111")
    assert second.status == 403 and second.json()["error"]["attempts_left"] == 1
    third = status(client, case_number=number, conversation_id=other, passport_last4="2222")
    assert third.status == 423
    error = third.json()["error"]
    assert error["code"] == "status_locked"
    assert LOCK_MINUTES * 60 - 5 <= error["retry_after"] <= LOCK_MINUTES * 60
    assert third.headers["Retry-After"] == str(error["retry_after"])
    assert "15 minutes" in error["message"]
    # Locked even with the right answer; other conversations and the owner are not affected.
    assert status(client, case_number=number, conversation_id=other, passport_last4="5678").status == 423
    assert status(client, case_number=number, conversation_id="web-" + secrets.token_hex(12),
                  passport_last4="5678").status == 200
    assert status(client, case_number=number, conversation_id=owner).status == 200
    # The lock is per case number: the same conversation may still check another case.
    number2, _ = new_case(client)
    assert status(client, case_number=number2, conversation_id=other, passport_last4="5678").status == 200


def test_a_right_answer_resets_the_count(client: Client) -> None:
    number, _ = new_case(client)
    other = "web-" + secrets.token_hex(12)
    for _ in range(2):
        assert status(client, case_number=number, conversation_id=other, passport_last4="0000").status == 403
    assert status(client, case_number=number, conversation_id=other, passport_last4="5678").status == 200
    again = status(client, case_number=number, conversation_id=other, passport_last4="0000")
    assert again.json()["error"]["attempts_left"] == 2


def test_unknown_numbers_look_exactly_like_wrong_answers(client: Client) -> None:
    number, _ = new_case(client)
    year_seq = int(number[-6:]) + 500
    unknown = f"{number[:6]}{year_seq:06d}"
    known_bodies, unknown_bodies = [], []
    for last4 in ("0000", "1111", "2222"):
        known_bodies.append(status(client, case_number=number, client="probe-a", passport_last4=last4))
        unknown_bodies.append(status(client, case_number=unknown, client="probe-a", passport_last4=last4))
    assert [r.status for r in known_bodies] == [r.status for r in unknown_bodies] == [403, 403, 423]
    for known, other in zip(known_bodies[:2], unknown_bodies[:2], strict=True):
        assert known.json() == other.json()
    assert unknown_bodies[2].json()["error"]["code"] == known_bodies[2].json()["error"]["code"] == "status_locked"
    # Without an answer both say the same too.
    assert (status(client, case_number=unknown, client="probe-b").json()
            == status(client, case_number=number, client="probe-b").json())


def test_without_conversation_or_client_the_client_address_is_the_key(client: Client) -> None:
    number, _ = new_case(client)
    for expected in (403, 403, 423):
        assert status(client, case_number=number, passport_last4="9999").status == expected
    assert status(client, case_number=number, passport_last4="5678").status == 423
    assert status(client, case_number=number, client="someone-else", passport_last4="5678").status == 200


@pytest.mark.parametrize("body,field,code", [
    ({"case_number": "not a number"}, "case_number", "case_number_invalid"),
    ({"case_number": 12}, "case_number", "case_number_invalid"),
    ({}, "case_number", "case_number_invalid"),
    ({"case_number": "FJ2026000001", "passport_last4": "12"}, "passport_last4", "passport_last4_invalid"),
    ({"case_number": "FJ2026000001", "passport_last4": "<b>"}, "passport_last4", "passport_last4_invalid"),
    ({"case_number": "FJ2026000001", "passport_last4": 5678}, "passport_last4", "passport_last4_invalid"),
    ({"case_number": "FJ2026000001", "conversation_id": "a b"}, "conversation_id", "conversation_id_invalid"),
    ({"case_number": "FJ2026000001", "client": "x" * 500}, "client", "field_too_long"),
    ({"case_number": "FJ2026000001", "sql": "'; DROP TABLE cases;--"}, "sql", "unknown_field"),
])
def test_bad_requests_are_400_and_do_not_count(client: Client, body: dict[str, Any], field: str, code: str) -> None:
    number, _ = new_case(client)
    body = {**body, "case_number": number} if body.get("case_number") == "FJ2026000001" else body
    for _ in range(4):
        response = client.post_json(STATUS, {**body, "client": body.get("client", "bad-input")}
                                    if field != "client" else body, headers=ZH)
        assert response.status == 400, response.text
        assert detail_fields(response)[field]["code"] == code
    if field in ("passport_last4", "conversation_id", "sql"):
        assert status(client, case_number=number, client="bad-input", passport_last4="5678").status == 200


def test_malformed_json_and_auth(client: Client, backend: BackendServer) -> None:
    response = client.request("POST", STATUS, body=b"{oops", headers={
        "Content-Type": "application/json", "Authorization": "Bearer test-service-token-0123456789"})
    assert response.status == 400 and response.json()["error"]["code"] == "invalid_json"
    assert client.post_json(STATUS, {"case_number": "FJ2026000001"}, token=None).status == 401


def test_lock_runs_out_after_fifteen_minutes_and_only_hashes_are_stored(client: Client,
                                                                         backend: BackendServer) -> None:
    number, _ = new_case(client)
    crypto = backend.app.ctx.crypto
    now = utcnow()
    with backend.app.ctx.session_factory() as session:
        service = StatusService(session, crypto, clock=lambda: now)
        for _ in range(3):
            with pytest.raises(CaseError):
                service.verify(number, key="conversation:web-x", passport_last4="0000")
        with pytest.raises(CaseError) as locked:
            service.verify(number, key="conversation:web-x", passport_last4="5678")
        assert locked.value.code == "status_locked"
        later = StatusService(session, crypto, clock=lambda: now + timedelta(minutes=LOCK_MINUTES, seconds=1))
        assert later.verify(number, key="conversation:web-x", passport_last4="5678").number == number
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
