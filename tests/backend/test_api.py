"""The JSON API over a real socket: answers, errors in both languages, auth, feedback."""

from __future__ import annotations

import re

from tests.backend.conftest import SERVICE_TOKEN, BackendServer, Client

ANSWER = "/api/v1/faq/answer"


def test_healthz_reports_database_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status == 200
    assert response.json()["database"] == "ok"


def test_openapi_document_covers_every_api_route(client: Client, backend: BackendServer) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for route in backend.app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not path.startswith("/api/"):
            continue
        path = re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", path)
        for method in route.methods:
            if method in ("HEAD", "OPTIONS"):
                continue
            assert (path, method.lower()) in documented, f"{method} {path} is missing from openapi.json"


def test_confident_answer_cites_source_and_date_checked(client: Client) -> None:
    result = client.post_json(
        ANSWER, {"question": "How much does the work permit cost?", "language": "en"}
    ).json()
    assert result["status"] == "answer"
    entry = result["entry"]
    assert entry["id"] == "t-wp-fee"
    assert entry["answer"] == "The work permit itself is free of charge."
    assert entry["source"] == "https://example.org/work-permit-guide"
    assert entry["checked"] == "2026-11-02"
    assert entry["uncertain"] is False


def test_answer_comes_in_the_conversation_language(client: Client) -> None:
    result = client.post_json(ANSWER, {"question": "工作许可多少钱？", "language": "zh"}).json()
    assert result["status"] == "answer"
    assert result["entry"]["answer"] == "工作许可本身不收费。"
    assert result["entry"]["question"] == "办理工作许可要收费吗？"


def test_uncertain_entries_are_flagged(client: Client) -> None:
    result = client.post_json(
        ANSWER, {"question": "Can I get my pension contributions back when I leave China?", "language": "en"}
    ).json()
    assert result["status"] == "answer"
    assert result["entry"]["uncertain"] is True


def test_answer_reports_the_decision_and_related_entries(client: Client) -> None:
    result = client.post_json(
        ANSWER, {"question": "How much does the work permit cost?", "language": "en"}
    ).json()
    assert result["decision"] == "answer"
    assert len(result["related"]) <= 2
    assert {e["id"] for e in result["related"]} <= {e["id"] for e in result["candidates"]}
    assert result["entry"]["id"] not in {e["id"] for e in result["related"]}


def test_off_topic_question_is_no_match_with_nothing_to_pick(client: Client) -> None:
    # ranked (a character n-gram in common with an entry), but implausible: no match, not "did you mean"
    result = client.post_json(ANSWER, {"question": "明天北京天气怎么样", "language": "zh"}).json()
    assert (result["status"], result["decision"]) == ("no_match", "no_match")
    assert result["candidates"] == [] and result["related"] == [] and result["entry"] is None


def test_unrelated_question_is_never_a_confident_answer(client: Client) -> None:
    result = client.post_json(
        ANSWER, {"question": "what's the weather in Paris tomorrow", "language": "en"}
    ).json()
    assert result["status"] in ("candidates", "no_match")
    assert result["entry"] is None
    assert len(result["candidates"]) <= 3


def test_html_in_a_question_is_just_text(client: Client) -> None:
    response = client.post_json(
        ANSWER, {"question": "<script>alert(1)</script> work permit fee?", "language": "en"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")


def test_request_without_token_is_refused_in_the_callers_language(client: Client) -> None:
    en = client.post_json(ANSWER, {"question": "fee?"}, token=None)
    assert en.status == 401
    assert en.json() == {
        "error": {"code": "unauthorized", "message": "A valid service token or staff login is required."}
    }
    zh = client.post_json(
        ANSWER, {"question": "fee?"}, token=None, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert zh.status == 401
    assert zh.json()["error"]["message"] == "需要有效的服务令牌或工作人员登录。"


def test_wrong_token_is_refused(client: Client) -> None:
    response = client.post_json(ANSWER, {"question": "fee?"}, token=SERVICE_TOKEN + "x")
    assert response.status == 401


def test_empty_question_is_a_clear_error_in_both_languages(client: Client) -> None:
    for question in ("", "   ", None):
        response = client.post_json(ANSWER, {"question": question, "language": "en"})
        assert response.status == 400
        assert response.json()["error"]["code"] == "question_empty"
    zh = client.post_json(ANSWER, {"question": ""}, headers={"Accept-Language": "zh"})
    assert zh.json()["error"]["message"] == "问题不能为空。"


def test_ten_thousand_character_question_is_refused(client: Client) -> None:
    response = client.post_json(ANSWER, {"question": "work permit " * 1000, "language": "en"})
    assert response.status == 400
    error = response.json()["error"]
    assert error["code"] == "question_too_long"
    assert "1000" in error["message"]


def test_unknown_language_and_malformed_json_are_refused(client: Client) -> None:
    bad_language = client.post_json(ANSWER, {"question": "fee?", "language": "fr"})
    assert bad_language.status == 400 and bad_language.json()["error"]["code"] == "invalid_language"
    malformed = client.request(
        "POST",
        ANSWER,
        body=b"{not json",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"},
    )
    assert malformed.status == 400 and malformed.json()["error"]["code"] == "invalid_json"
    not_object = client.post_json(ANSWER, ["fee?"])
    assert not_object.status == 400 and not_object.json()["error"]["code"] == "invalid_json"


def test_unknown_api_address_is_a_json_error(client: Client) -> None:
    response = client.get("/api/v1/nothing-here", headers={"Accept-Language": "zh"})
    assert response.status == 404
    assert response.json()["error"] == {"code": "not_found", "message": "此地址下没有内容。"}
    wrong_method = client.get(ANSWER)
    assert wrong_method.status == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_feedback_is_stored_with_the_entry_id(client: Client) -> None:
    response = client.post_json(
        "/api/v1/faq/feedback", {"entry_id": "t-wp-fee", "helpful": True, "language": "en"}
    )
    assert response.status == 201
    assert response.json()["entry_id"] == "t-wp-fee"
    no = client.post_json(
        "/api/v1/faq/feedback", {"entry_id": "t-wp-fee", "helpful": False, "language": "zh"}
    )
    assert no.status == 201


def test_feedback_needs_a_known_entry_and_a_boolean(client: Client) -> None:
    unknown = client.post_json(
        "/api/v1/faq/feedback", {"entry_id": "nope", "helpful": True}, headers={"Accept-Language": "zh"}
    )
    assert unknown.status == 404
    assert unknown.json()["error"]["message"] == '知识库中没有编号为 "nope" 的条目。'
    not_bool = client.post_json("/api/v1/faq/feedback", {"entry_id": "t-wp-fee", "helpful": "yes"})
    assert not_bool.status == 400 and not_bool.json()["error"]["code"] == "feedback_invalid"
    no_token = client.post_json("/api/v1/faq/feedback", {"entry_id": "t-wp-fee", "helpful": True}, token=None)
    assert no_token.status == 401


def test_entry_can_be_read_in_one_language(client: Client) -> None:
    response = client.get(
        "/api/v1/faq/entries/t-rp-deadline?language=zh", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    )
    assert response.status == 200
    assert response.json()["answer"] == "入境后30日内申请工作类居留许可。"
    listing = client.get(
        "/api/v1/faq/entries?q=pension", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    )
    assert [e["id"] for e in listing.json()["entries"]] == ["t-si-refund"]


def test_region_profile_is_served(client: Client) -> None:
    response = client.get("/api/v1/region", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert response.status == 200
    assert response.json()["name"]["zh"] == "福建省"


def test_staff_session_may_call_the_api_but_writes_need_the_csrf_header(backend: BackendServer) -> None:
    helper = Client(backend.url)
    assert helper.login("helper").status == 302
    read = helper.get("/api/v1/faq/entries/t-wp-fee")
    assert read.status == 200
    without_csrf = helper.post_json(ANSWER, {"question": "fee?", "language": "en"}, token=None)
    assert without_csrf.status == 403 and without_csrf.json()["error"]["code"] == "csrf_failed"
