"""POST /api/v1/eligibility/assess and GET /checklist over a real socket, in both languages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from tests.backend.conftest import BackendServer, Client

ASSESS = "/api/v1/eligibility/assess"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
VALID: dict[str, Any] = {
    "age": 34,
    "highest_degree": "master",
    "relevant_experience_years": 6,
    "annual_salary_cny": 350000,
    "months_in_china_per_year": 12,
    "hsk_level": 3,
    "nationality": "DE",
    "extras": ["patent"],
}
FACTORS = [
    "salary",
    "education",
    "experience",
    "months_in_china",
    "chinese",
    "location",
    "age",
    "extras",
    "local_bonus",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def details(response) -> dict[str, dict[str, str]]:
    assert response.status == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "eligibility_invalid"
    return {d["field"]: d for d in error["details"]}


def test_valid_answers_give_category_points_and_the_checklist(client: Client) -> None:
    response = client.post_json(ASSESS, VALID)
    assert response.status == 200, response.text
    result = response.json()
    assert result["language"] == "en"
    assert result["category"]["code"] == "B"
    assert result["category"]["name"] == "Category B: foreign professional talent"
    assert result["points"]["total"] == 79
    assert list(result["points"]["breakdown"]) == FACTORS
    assert result["points"]["breakdown"]["salary"] == 17
    assert {c["id"]: c["status"] for c in result["conditions"]}["age_minimum"] == "met"
    assert {"degree_certificate", "criminal_record_certificate", "passport"} <= {
        m["id"] for m in result["materials"]
    }
    assert {"rp_apply", "si_registration"} <= {d["id"] for d in result["deadlines"]}
    assert {"wp_fee", "rp_fee_issue"} <= {f["id"] for f in result["fees"]}
    assert result["social_insurance"]["agreement"] is True
    assert [i["id"] for i in result["social_insurance"]["exempt"]] == ["pension", "unemployment"]
    assert result["checklist_path"].startswith("/checklist?")
    assert "nationality=DE" in result["checklist_path"]


def test_texts_follow_accept_language(client: Client) -> None:
    result = client.post_json(ASSESS, VALID, headers=ZH).json()
    assert result["language"] == "zh"
    assert result["category"]["name"] == "B类：外国专业人才"
    assert (
        result["points"]["explanations"]["salary"]
        == "年薪35万元属于35万元（含）至45万元（不含）档，得17分（满分20分）。"
    )
    assert result["nationality"] == {"alpha_2": "DE", "alpha_3": "DEU", "name": "德国"}
    for material in result["materials"]:
        assert CJK.search(material["name"]) and CJK.search(material["what"])
    assert "lang=zh" in result["checklist_path"]


@pytest.mark.parametrize("nationality", ["DEU", "Germany", "德国", "de"])
def test_nationality_accepts_codes_and_names(client: Client, nationality: str) -> None:
    result = client.post_json(ASSESS, {**VALID, "nationality": nationality}).json()
    assert result["nationality"]["alpha_2"] == "DE"
    assert result["social_insurance"]["status"] == "agreement"


def test_non_agreement_country_has_no_exemption(client: Client) -> None:
    result = client.post_json(ASSESS, {**VALID, "nationality": "BRA"}).json()
    assert result["social_insurance"]["agreement"] is False
    assert len(result["social_insurance"]["must_join"]) == 5


@pytest.mark.parametrize("age", [7, 200])
def test_impossible_age_is_a_field_error_in_both_languages(client: Client, age: int) -> None:
    en = details(client.post_json(ASSESS, {**VALID, "age": age}))
    assert en["age"]["message"] == "The age must be a whole number of years from 16 to 100."
    zh = details(client.post_json(ASSESS, {**VALID, "age": age}, headers=ZH))
    assert zh["age"]["message"] == "年龄须为 16 至 100 之间的整数（周岁）。"
    assert zh["age"]["code"] == "elig_age"


def test_negative_salary_is_refused(client: Client) -> None:
    response = client.post_json(ASSESS, {**VALID, "annual_salary_cny": -1}, headers=ZH)
    assert response.json()["error"]["message"] == "部分回答无效，请按下列各项的说明更正。"
    assert details(response)["annual_salary_cny"]["message"] == "年薪不能为负数。"


def test_absurd_salary_is_refused_with_the_limit(client: Client) -> None:
    found = details(client.post_json(ASSESS, {**VALID, "annual_salary_cny": 3_000_000_000}))
    assert found["annual_salary_cny"]["message"] == (
        "An annual salary of 3,000,000,000 CNY is not plausible. Enter the salary for a whole year in CNY (yuan), "
        "at most 100,000,000."
    )


def test_unknown_country_is_refused_in_both_languages(client: Client) -> None:
    en = details(client.post_json(ASSESS, {**VALID, "nationality": "Atlantis"}))
    assert en["nationality"]["message"] == (
        'We do not recognise the country "Atlantis". Use an ISO code such as DE or DEU, or the country\'s name in '
        "English or Chinese."
    )
    zh = details(client.post_json(ASSESS, {**VALID, "nationality": "Germny"}, headers=ZH))
    assert zh["nationality"]["message"].startswith("无法识别国家“Germny”。您是否指德国？")


def test_every_invalid_field_is_listed_at_once(client: Client) -> None:
    body = {
        "age": "thirty",
        "highest_degree": "PhD",
        "annual_salary_cny": "30w",
        "hsk_level": 5,
        "colour": "red",
    }
    found = details(client.post_json(ASSESS, body))
    assert set(found) == {
        "age",
        "highest_degree",
        "relevant_experience_years",
        "annual_salary_cny",
        "months_in_china_per_year",
        "colour",
    }
    assert found["relevant_experience_years"]["message"] == "This answer is required."
    assert found["highest_degree"]["message"] == (
        "The highest degree must be one of: doctorate, master, bachelor, below_bachelor."
    )


def test_body_must_be_a_json_object(client: Client) -> None:
    response = client.request(
        "POST",
        ASSESS,
        body=b"[1, 2]",
        headers={"Content-Type": "application/json", "Authorization": "Bearer test-service-token-0123456789"},
    )
    assert response.status == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_the_service_token_is_required(client: Client) -> None:
    response = client.post_json(ASSESS, VALID, token=None, headers=ZH)
    assert response.status == 401
    assert response.json()["error"]["message"] == "需要有效的服务令牌或工作人员登录。"


def test_certificate_dates_are_checked_against_today(client: Client) -> None:
    today = date.today()
    old = (today - timedelta(days=200)).isoformat()
    future = (today + timedelta(days=3)).isoformat()
    result = client.post_json(
        ASSESS,
        {
            **VALID,
            "criminal_record_certificate_date": old,
            "passport_expiry": (today + timedelta(days=400)).isoformat(),
        },
    ).json()
    statuses = {c["id"]: c["status"] for c in result["conditions"]}
    assert statuses["criminal_record"] == "unmet"
    assert statuses["passport"] == "met"
    found = details(client.post_json(ASSESS, {**VALID, "medical_certificate_date": future}))
    assert found["medical_certificate_date"]["message"] == "This date cannot be in the future."


def test_a_region_with_an_average_wage_decides_the_salary_routes(
    client: Client, backend: BackendServer
) -> None:
    regions = backend.app.ctx.settings.knowledge_dir / "regions"
    profile = {"name": {"en": "Testland", "zh": "测试市"}, "average_annual_wage_cny": 100000}
    (regions / "testland.yml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    answers = {**VALID, "annual_salary_cny": 600000, "region": "testland"}
    result = client.post_json(ASSESS, answers).json()
    assert result["category"]["code"] == "A"
    assert "a_salary" in result["category"]["met_routes"]
    assert result["acceptance"]["mode"] == "materials_to_follow"
    unknown = client.post_json(ASSESS, {**VALID, "annual_salary_cny": 600000}).json()
    assert {r["id"]: r["status"] for r in unknown["category"]["routes"]}["a_salary"] == "unknown"


# --- the printable checklist --------------------------------------------------------------------
def test_checklist_page_from_the_api_link(client: Client) -> None:
    path = client.post_json(ASSESS, {**VALID, "items": ["work_permit", "social_insurance"]}).json()[
        "checklist_path"
    ]
    page = client.get(path)
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Category B: foreign professional talent" in page.text
    assert 'data-material="coverage_certificate"' in page.text
    assert "Certificate of no criminal record" in page.text
    assert "79" in page.text


def test_checklist_page_in_chinese_and_in_both_languages(client: Client) -> None:
    query = (
        "age=34&highest_degree=master&relevant_experience_years=6&annual_salary_cny=350000"
        "&months_in_china_per_year=12&hsk_level=3&nationality=" + quote("德国")
    )
    zh = client.get(f"/checklist?{query}&lang=zh")
    assert zh.status == 200
    assert "B类：外国专业人才" in zh.text and "无犯罪记录证明" in zh.text
    assert '<html lang="zh-CN">' in zh.text
    both = client.get(f"/checklist?{query}&lang=en&both=1")
    assert both.text.count('class="language-block"') == 2
    assert "Category B: foreign professional talent" in both.text and "B类：外国专业人才" in both.text


def test_checklist_page_escapes_everything_and_lists_invalid_answers(client: Client) -> None:
    attack = "<script>alert(1)</script>"
    page = client.get(
        "/checklist?age=7&highest_degree=master&relevant_experience_years=1&annual_salary_cny=1"
        f"&months_in_china_per_year=1&hsk_level=0&nationality={quote(attack)}"
    )
    assert page.status == 422
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'data-field="age"' in page.text and 'data-field="nationality"' in page.text


def test_checklist_stylesheet_is_served(client: Client) -> None:
    css = client.get("/checklist/print.css")
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "@media print" in css.text


def test_openapi_documents_the_endpoint(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/eligibility/assess"]["post"]
    assert "422" in operation["responses"]
    request = spec["components"]["schemas"]["EligibilityRequest"]
    assert request["required"] == [
        "age",
        "highest_degree",
        "relevant_experience_years",
        "annual_salary_cny",
        "months_in_china_per_year",
        "hsk_level",
    ]
    breakdown = spec["components"]["schemas"]["EligibilityResult"]["properties"]["points"]["properties"][
        "breakdown"
    ]
    assert breakdown["required"] == FACTORS


def test_typed_text_is_echoed_as_typed_never_read_as_a_message_key(client: Client) -> None:
    found = details(client.post_json(ASSESS, {**VALID, "nationality": "@unauthorized"}))
    assert found["nationality"]["message"].startswith('We do not recognise the country "@unauthorized".')
