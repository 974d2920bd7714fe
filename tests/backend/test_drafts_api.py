"""/api/v1/drafts over a real socket: merge, consent, masking, bad input, retention, submit."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from backend.models import Case, Draft, utcnow
from backend.services.drafts import DraftService
from knowledge.application import catalogue
from tests.backend.cases_support import (
    EMAIL,
    PASSPORT,
    PHONE,
    ZH,
    answers_for,
    detail_fields,
    put_json,
    raw_hits,
    service_request,
    valid_answers,
)
from tests.backend.conftest import BackendServer, Client

CONSENT = {"given": True, "version": catalogue().consent.version}


def new_id() -> str:
    return "web-" + secrets.token_hex(12)


def path(conversation_id: str) -> str:
    return f"/api/v1/drafts/{conversation_id}"


def get(client: Client, conversation_id: str, **kwargs: Any) -> Any:
    return service_request(client, "GET", path(conversation_id), **kwargs)


def started(client: Client, items: list[str] | None = None) -> str:
    """A draft with consent, role and items (no answers yet)."""
    cid = new_id()
    response = put_json(
        client,
        path(cid),
        {
            "channel": "rest",
            "language": "en",
            "role": "worker",
            "items": items or ["work_permit_new"],
            "consent": CONSENT,
            "state": {"phase": "form", "step": "surname"},
        },
    )
    assert response.status == 200, response.text
    return cid


def test_put_creates_merges_and_get_shows_only_masked_values(client: Client, backend: BackendServer) -> None:
    cid = started(client)
    first = put_json(client, path(cid), {"answers": {"surname": "Schmidt", "passport_number": "e1234 5678"}})
    assert first.status == 200, first.text
    second = put_json(
        client,
        path(cid),
        {
            "answers": {"email": EMAIL, "phone": "+86 138 1234 5678"},
            "state": {"phase": "form", "step": "phone", "failed": {"email": 1}},
        },
    )
    assert second.status == 200, second.text
    draft = get(client, cid).json()["draft"]
    assert (
        draft["conversation_id"] == cid
        and draft["role"] == "worker"
        and draft["items"] == ["work_permit_new"]
    )
    assert draft["consent"]["given"] is True and draft["consent"]["version"] == CONSENT["version"]
    assert draft["state"] == {"phase": "form", "step": "phone", "failed": {"email": 1}}  # kept as given
    masked = draft["answers_masked"]
    assert masked["surname"] == "Schmidt"
    assert masked["passport_number"] == "E12****78"  # normalised, then masked
    assert masked["phone"] == "138****5678" and masked["email"] == "a***@example.com"
    assert draft["fields"] == catalogue().fields_for(["work_permit_new"], "worker")
    assert "surname" not in draft["missing"] and "given_names" in draft["missing"]
    assert "chinese_name" not in draft["missing"]  # optional
    body = json.dumps(draft)
    for raw in (PASSPORT, PHONE, EMAIL):
        assert raw not in body
    assert raw_hits(backend.app.ctx.engine, (PASSPORT, PHONE, EMAIL)) == []


def test_null_removes_an_answer_and_other_answers_stay(client: Client) -> None:
    cid = started(client)
    put_json(client, path(cid), {"answers": {"surname": "Schmidt", "given_names": "Anna"}})
    response = put_json(client, path(cid), {"answers": {"surname": None}})
    assert response.status == 200
    masked = response.json()["draft"]["answers_masked"]
    assert "surname" not in masked and masked["given_names"] == "Anna"
    assert "surname" in response.json()["draft"]["missing"]


def test_answers_without_consent_are_refused_and_nothing_is_stored(
    client: Client, backend: BackendServer
) -> None:
    cid = new_id()
    response = put_json(client, path(cid), {"role": "worker", "answers": {"passport_number": PASSPORT}})
    assert response.status == 409
    assert response.json()["error"]["code"] == "consent_required"
    assert get(client, cid).status == 404  # not even the role was stored
    zh = put_json(client, path(cid), {"answers": {"surname": "Schmidt"}}, headers=ZH)
    assert zh.status == 409 and "同意" in zh.json()["error"]["message"]
    # Without answers a draft may exist before consent (items, role, state).
    assert (
        put_json(client, path(cid), {"items": ["social_insurance"], "state": {"phase": "consent"}}).status
        == 200
    )
    assert put_json(client, path(cid), {"answers": {"surname": "Schmidt"}}).status == 409
    assert raw_hits(backend.app.ctx.engine, (PASSPORT,)) == []


def test_withdrawing_consent_deletes_the_answers(client: Client) -> None:
    cid = started(client)
    put_json(client, path(cid), {"answers": {"surname": "Schmidt"}})
    response = put_json(client, path(cid), {"consent": {"given": False}})
    assert response.status == 200
    draft = response.json()["draft"]
    assert draft["consent"]["given"] is False and draft["answers_masked"] == {}
    assert put_json(client, path(cid), {"answers": {"surname": "Schmidt"}}).status == 409


def test_an_outdated_consent_version_is_refused(client: Client) -> None:
    cid = new_id()
    response = put_json(client, path(cid), {"consent": {"given": True, "version": "1999-01-01"}}, headers=ZH)
    assert response.status == 400
    details = detail_fields(response)
    assert details["consent"]["code"] == "consent_version_mismatch"
    assert CONSENT["version"] in details["consent"]["message"]


HOSTILE: list[tuple[str, Any, str]] = [
    ("surname", "<script>alert(1)</script>", "surname"),
    ("surname", "Robert'); DROP TABLE cases;--", "surname"),
    ("surname", "x" * 5000, "surname"),
    ("passport_number", "E1234' OR '1'='1", "passport_number"),
    ("email", "not-an-email", "email"),
    ("phone", "12345", "phone"),
    ("date_of_birth", "2099-01-01", "date_of_birth"),
    ("passport_expiry", (utcnow().date() + timedelta(days=30)).isoformat(), "passport_expiry"),
    ("annual_salary_cny", True, "annual_salary_cny"),
    ("annual_salary_cny", {"amount": 3}, "annual_salary_cny"),
    ("employer_uscc", "91350100M000100Y44", "employer_uscc"),
    ("gender", ["female"], "gender"),
    ("surname", "Anna 😀", "surname"),
]


@pytest.mark.parametrize("field,value,where", HOSTILE)
def test_bad_values_are_refused_per_field_in_the_callers_language_and_nothing_is_lost(
    client: Client, field: str, value: Any, where: str
) -> None:
    cid = started(client)
    assert put_json(client, path(cid), {"answers": {"given_names": "Anna"}}).status == 200
    before = get(client, cid).json()["draft"]
    response = put_json(
        client,
        path(cid),
        {
            "answers": {field: value, "surname": "Schmidt"} if field != "surname" else {field: value},
            "state": {"step": "changed"},
        },
        headers=ZH,
    )
    assert response.status == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "draft_invalid" and "未保存" in error["message"]
    details = detail_fields(response)
    assert where in details
    assert any("\u4e00" <= ch <= "\u9fff" for ch in details[where]["message"])  # Chinese sentence
    after = get(client, cid).json()["draft"]
    assert after == before  # nothing from the rejected request, nothing lost
    english = put_json(client, path(cid), {"answers": {field: value}})
    assert detail_fields(english)[where]["message"].isascii() or field == "surname"


@pytest.mark.parametrize(
    "body,field,code",
    [
        ({"answers": {"no_such_field": "x"}}, "no_such_field", "unknown_field"),
        ({"answers": ["surname", "Schmidt"]}, "answers", "answers_type"),
        ({"items": ["work_permit_new", "spaceship_licence"]}, "items", "unknown_item"),
        ({"items": ["work_permit_new", "work_permit_change"]}, "items", "items_conflict"),
        ({"items": "work_permit_new"}, "items", "items_type"),
        ({"role": "boss"}, "role", "applicant_role_invalid"),
        ({"language": "fr"}, "language", "invalid_language"),
        ({"channel": "<b>web</b>"}, "channel", "channel_invalid"),
        ({"state": ["not", "an", "object"]}, "state", "draft_state_invalid"),
        ({"state": {"blob": "x" * 30000}}, "state", "draft_state_too_large"),
        ({"consent": "yes"}, "consent", "consent_invalid"),
        ({"surname": "Schmidt"}, "surname", "unknown_field"),
    ],
)
def test_wrong_shapes_are_400_with_field_details(
    client: Client, body: dict[str, Any], field: str, code: str
) -> None:
    cid = started(client)
    response = put_json(client, path(cid), body)
    assert response.status == 400, response.text
    assert detail_fields(response)[field]["code"] == code


def test_personal_data_in_the_dialogue_state_is_refused(client: Client, backend: BackendServer) -> None:
    cid = started(client)
    put_json(client, path(cid), {"answers": {"passport_number": PASSPORT}})
    response = put_json(client, path(cid), {"state": {"last_text": f"my passport is {PASSPORT}"}})
    assert response.status == 400
    assert detail_fields(response)["state"]["code"] == "draft_state_personal"
    assert raw_hits(backend.app.ctx.engine, (PASSPORT,)) == []


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b'"text"', b"", '{"answers": {"surname": "\u00e9"'.encode()]
)
def test_malformed_json_is_refused(client: Client, raw: bytes) -> None:
    cid = started(client)
    response = put_json(client, path(cid), None, raw=raw, headers=ZH)
    assert response.status == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert response.json()["error"]["message"] == "请求体必须是一个 JSON 对象。"


def test_conversation_ids_are_checked_and_auth_is_required(client: Client) -> None:
    assert get(client, "bad%20id").status == 400
    assert get(client, "x" * 200).status == 400
    assert client.get(path(new_id())).status == 401
    assert (
        client.request("PUT", path(new_id()), body=b"{}", headers={"Content-Type": "application/json"}).status
        == 401
    )
    assert get(client, new_id()).json()["error"]["code"] == "no_draft"


def test_delete_discards_the_draft(client: Client) -> None:
    cid = started(client)
    assert service_request(client, "DELETE", path(cid)).status == 204
    assert get(client, cid).status == 404
    assert service_request(client, "DELETE", path(cid)).status == 204  # idempotent


def test_drafts_past_their_retention_are_purged(client: Client, backend: BackendServer) -> None:
    old, fresh = started(client), started(client)
    days = catalogue().consent.draft_retention_days
    factory = backend.app.ctx.session_factory
    with factory() as session:
        session.execute(
            update(Draft)
            .where(Draft.conversation_id == old)
            .values(updated_at=utcnow() - timedelta(days=days, minutes=1))
        )
        session.commit()
    assert get(client, old).status == 404  # purged on access
    assert get(client, fresh).status == 200
    with factory() as session:
        session.execute(
            update(Draft)
            .where(Draft.conversation_id == fresh)
            .values(updated_at=utcnow() - timedelta(days=days + 1))
        )
        session.commit()
        service = DraftService(session, backend.app.ctx.crypto, backend.app.ctx.settings)
        assert service.purge_expired() == 1
        assert session.execute(select(Draft).where(Draft.conversation_id == fresh)).first() is None


def test_submit_refuses_missing_fields_with_details_and_keeps_the_draft(client: Client) -> None:
    cid = started(client)
    put_json(client, path(cid), {"answers": {"surname": "Schmidt", "passport_number": PASSPORT}})
    response = service_request(client, "POST", path(cid) + "/submit", headers=ZH)
    assert response.status == 400
    error = response.json()["error"]
    assert error["code"] == "case_invalid"
    details = detail_fields(response)
    assert details["given_names"]["code"] == "missing" and "尚未填写" in details["given_names"]["message"]
    assert "surname" not in details and "chinese_name" not in details
    assert get(client, cid).status == 200


def test_submit_turns_the_draft_into_a_case(client: Client, backend: BackendServer) -> None:
    items = ["work_permit_new", "residence_permit_new"]
    cid = started(client, items)
    answers = answers_for(items)
    # Answers for fields these items do not need (the user changed the items) are dropped.
    answers["current_work_permit_number"] = valid_answers()["current_work_permit_number"]
    assert put_json(client, path(cid), {"answers": answers}).status == 200
    assert get(client, cid).json()["draft"]["missing"] == []
    response = service_request(client, "POST", path(cid) + "/submit", headers=ZH)
    assert response.status == 201, response.text
    case = response.json()["case"]
    assert case["number"].startswith("FJ") and len(case["number"]) == 12
    assert [i["department"] for i in case["items"]] == ["science_technology", "exit_entry"]
    assert case["items"][0]["department_name"] == "科技部门（或行政审批服务部门）"
    assert case["answers_masked"]["passport_number"] == "E12****78"
    assert get(client, cid).status == 404  # the draft is gone
    with backend.app.ctx.session_factory() as session:
        stored = session.execute(select(Case).where(Case.number == case["number"])).unique().scalar_one()
        assert stored.conversation_id == cid and stored.channel == "rest"
        answers_stored = backend.app.ctx.crypto.decrypt_json(stored.answers_enc)
        assert "current_work_permit_number" not in answers_stored
    assert raw_hits(backend.app.ctx.engine) == []
    # Submitting again: the draft no longer exists.
    assert service_request(client, "POST", path(cid) + "/submit").status == 404


def test_submit_without_consent_is_409(client: Client) -> None:
    cid = new_id()
    put_json(client, path(cid), {"items": ["social_insurance"], "role": "worker"})
    response = service_request(client, "POST", path(cid) + "/submit")
    assert response.status == 409 and response.json()["error"]["code"] == "consent_required"


def test_submit_body_is_checked(client: Client) -> None:
    cid = started(client)
    response = service_request(
        client,
        "POST",
        path(cid) + "/submit",
        body=b'{"test": "yes", "x": 1}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
    assert set(detail_fields(response)) == {"test", "x"}


def test_percent_encoded_conversation_ids_are_decoded(client: Client) -> None:
    cid = "tg:" + secrets.token_hex(6)
    encoded = cid.replace(":", "%3A")
    assert put_json(client, path(encoded), {"items": ["social_insurance"]}).status == 200
    assert get(client, cid).json()["draft"]["conversation_id"] == cid
    assert get(client, encoded).status == 200
    assert get(client, "a%2Fb").status == 400  # a slash is never part of an id
