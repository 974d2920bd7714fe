"""Materials, deadlines, fees, offices and the social-insurance exemption per situation,
plus the integrity of the data and the bilingual sentences."""

from __future__ import annotations

import itertools
import re
import string
from datetime import date
from typing import Any

import pytest

from knowledge.countries import resolve, suggest
from knowledge.eligibility import DEFAULT_KNOWLEDGE_DIR, assess, load_data, read_regions
from knowledge.eligibility.inputs import DEGREES, ITEMS
from texts import entries

TODAY = date(2026, 11, 23)
DATA = load_data()
REGIONS = read_regions(DEFAULT_KNOWLEDGE_DIR / "regions")
B_CASE: dict[str, Any] = {
    "age": 34,
    "highest_degree": "master",
    "relevant_experience_years": 6,
    "annual_salary_cny": 300_000,
    "months_in_china_per_year": 12,
    "hsk_level": 2,
}


def run(lang: str = "en", region: str = "fujian", **answers: Any) -> dict[str, Any]:
    result = assess({**B_CASE, **answers}, data=DATA, today=TODAY, regions=REGIONS, default_region=region)
    return result.to_json(lang)


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entries]


def material(out: dict[str, Any], material_id: str) -> dict[str, Any]:
    return next(m for m in out["materials"] if m["id"] == material_id)


def deadline(out: dict[str, Any], deadline_id: str) -> dict[str, Any]:
    return next(d for d in out["deadlines"] if d["id"] == deadline_id)


# --- new application from outside China --------------------------------------------------------
def test_new_application_from_abroad_lists_the_notification_letter_materials() -> None:
    out = run(in_china=False, items=["work_permit", "residence_permit"])
    assert out["category"]["code"] == "B"
    wp = out["items"][0]
    assert wp["key"] == "work_permit_new"
    assert wp["materials"] == [
        "application_form",
        "work_qualification_proof",
        "degree_certificate",
        "criminal_record_certificate",
        "medical_certificate",
        "employment_contract",
        "passport",
        "photo",
        "family_documents",
        "other_required",
    ]
    assert "Z visa" in wp["steps"][1]["text"]
    degree = material(out, "degree_certificate")
    assert degree["authentication"] == "required"
    assert "apostille" in degree["authentication_text"]
    criminal = material(out, "criminal_record_certificate")
    assert (
        criminal["validity"]
        == "Valid for 6 months from the date of issue; it must still be valid when you apply."
    )
    assert criminal["issuer"]
    assert (
        material(out, "passport")["validity"]
        == "Must have at least 6 months' remaining validity when you apply."
    )


def test_a_material_needed_twice_is_listed_once_with_both_items() -> None:
    out = run(in_china=False, items=["work_permit", "residence_permit"])
    assert ids(out["materials"]).count("medical_certificate") == 1
    assert material(out, "medical_certificate")["items"] == ["work_permit_new", "residence_permit_new"]


def test_deadlines_say_from_which_event_they_count() -> None:
    out = run(in_china=False, items=["work_permit", "residence_permit"])
    rp = deadline(out, "rp_apply")
    assert (rp["days"], rp["unit"], rp["direction"], rp["counts_from"]) == (30, "days", "after", "entry")
    assert rp["counts_from_text"] == "the day you enter China"
    assert rp["text"] == "Apply for the residence permit within 30 days of entering China."
    review = deadline(out, "wp_review")
    assert (review["days"], review["unit"], review["counts_from"]) == (10, "working_days", "acceptance")
    assert "wp_review_a" not in ids(out["deadlines"])
    assert deadline(out, "originals_check")["uncertain"] is True


def test_fees_work_permit_free_residence_permit_by_validity() -> None:
    out = run(lang="zh", in_china=False, items=["work_permit", "residence_permit"])
    fees = {f["id"]: f for f in out["fees"]}
    assert fees["wp_fee"]["amounts"] == [{"cny": 0, "validity": None}]
    assert [a["cny"] for a in fees["rp_fee_issue"]["amounts"]] == [400, 800, 1000]
    assert (
        fees["rp_fee_issue"]["text"]
        == "居留证件有效期不满1年的收费400元，1年至3年的800元，3年至5年的1000元。"
    )


def test_applying_from_inside_china_needs_the_current_visa_and_no_originals_check() -> None:
    out = run(in_china=True, items=["work_permit"])
    assert "current_status_document" in out["items"][0]["materials"]
    assert "originals_check" not in ids(out["deadlines"])
    assert out["items"][0]["steps"][0]["uncertain"] is True
    assert out["assumptions"] == []


def test_without_in_china_a_new_application_assumes_abroad_and_says_so() -> None:
    out = run(items=["work_permit"])
    assert out["in_china"] is False
    assert out["assumptions"] == [
        "We assumed you are applying from outside China; tell us if you are already in China."
    ]


def test_default_items_for_a_new_application() -> None:
    out = run()
    assert [i["key"] for i in out["items"]] == [
        "work_permit_new",
        "residence_permit_new",
        "social_insurance",
        "e_social_security_card",
    ]
    assert (
        "We listed the items usually needed for this kind of application; tell us if you need others."
        in out["assumptions"]
    )


# --- category A: acceptance with materials to follow -------------------------------------------
def test_category_a_gets_acceptance_with_materials_to_follow_and_the_5_day_review() -> None:
    out = run(talent_programme=True, items=["work_permit"])
    assert out["category"]["code"] == "A"
    assert out["acceptance"]["mode"] == "materials_to_follow"
    assert "容缺受理" in out["acceptance"]["text"]
    assert "materials_to_follow" in [n["id"] for n in out["items"][0]["notes"]]
    assert "wp_review_a" in ids(out["deadlines"])
    assert "wp_review" not in ids(out["deadlines"])
    assert "originals_check" not in ids(out["deadlines"])


def test_category_b_is_accepted_when_complete() -> None:
    out = run(items=["work_permit"])
    assert out["acceptance"]["mode"] == "standard"
    assert "materials_to_follow" not in [n["id"] for n in out["items"][0]["notes"]]


# --- extension, change, cancellation ----------------------------------------------------------
def test_extension_must_be_filed_30_days_before_expiry() -> None:
    out = run(application_type="extension")
    assert [i["key"] for i in out["items"]] == ["work_permit_extension", "residence_permit_extension"]
    assert out["in_china"] is True
    ext = deadline(out, "wp_extension")
    assert (ext["days"], ext["direction"], ext["counts_from"], ext["who"]) == (
        30,
        "before",
        "permit_expiry",
        "employer",
    )
    assert "45" in ext["text"]
    wp = out["items"][0]
    assert wp["materials"] == [
        "application_form",
        "employment_contract",
        "passport",
        "current_residence_permit",
        "current_work_permit",
    ]
    assert "rp_fee_issue" in ids(out["fees"])


def test_category_b_over_60_may_need_a_guarantee_letter_at_extension() -> None:
    out = run(
        application_type="extension",
        age=62,
        relevant_experience_years=30,
        annual_salary_cny=450_000,
        items=["work_permit"],
    )
    assert out["category"]["code"] == "B"
    assert "guarantee_letter_over_60" in out["items"][0]["materials"]
    assert material(out, "guarantee_letter_over_60")["uncertain"] is True
    assert (
        "guarantee_letter_over_60"
        not in run(application_type="extension", items=["work_permit"])["items"][0]["materials"]
    )


def test_change_and_cancellation_deadlines() -> None:
    change = run(application_type="change", items=["work_permit", "residence_permit"])
    assert {"wp_change", "rp_change"} <= set(ids(change["deadlines"]))
    assert "rp_fee_change" in ids(change["fees"])
    cancel = run(application_type="cancellation")
    assert [i["key"] for i in cancel["items"]] == ["work_permit_cancellation"]
    wc = deadline(cancel, "wp_cancellation")
    assert (wc["days"], wc["unit"], wc["counts_from"]) == (10, "working_days", "contract_end")


def test_items_may_carry_their_own_application_type() -> None:
    out = run(items=["work_permit_extension", "residence_permit_change", "social_insurance"])
    assert [i["key"] for i in out["items"]] == [
        "work_permit_extension",
        "residence_permit_change",
        "social_insurance",
    ]


def test_professional_title_is_marked_uncertain_with_an_offer_of_a_person() -> None:
    out = run(items=["professional_title"])
    assert out["items"][0]["notes"][0]["uncertain"] is True
    assert out["uncertain"] is True and out["offer_human"] is True


# --- social insurance: agreement countries ---------------------------------------------------
def test_germany_is_exempt_from_pension_and_unemployment_with_a_coverage_certificate() -> None:
    out = run(nationality="Germany", items=["work_permit", "social_insurance"])
    si = out["social_insurance"]
    assert si["status"] == "agreement" and si["agreement"] is True
    assert ids(si["exempt"]) == ["pension", "unemployment"]
    assert ids(si["must_join"]) == ["medical", "work_injury", "maternity"]
    assert "60 months" in si["text"] and "96 months" in si["text"]
    assert si["coverage_certificate"] is True
    assert "coverage_certificate" in out["items"][1]["materials"]
    assert (
        material(out, "coverage_certificate")["issuer"]
        == "The social security institution of your home country."
    )


def test_a_non_agreement_country_joins_all_five_insurances() -> None:
    out = run(nationality="USA", items=["work_permit", "social_insurance"])
    si = out["social_insurance"]
    assert si["status"] == "no_agreement" and si["agreement"] is False
    assert si["exempt"] == []
    assert ids(si["must_join"]) == ["pension", "medical", "work_injury", "unemployment", "maternity"]
    assert "coverage_certificate" not in ids(out["materials"])
    assert si["text"].startswith("China has no social security agreement with United States")


def test_germany_versus_non_agreement_in_chinese() -> None:
    germany = run(lang="zh", nationality="DE", items=["social_insurance"])["social_insurance"]
    assert germany["text"].startswith("根据中德社会保险协定，您可免缴中国的基本养老保险和失业保险")
    brazil = run(lang="zh", nationality="巴西", items=["social_insurance"])["social_insurance"]
    assert brazil["text"].startswith("根据我们的资料，中国与巴西没有社会保险协定")


def test_japan_is_pension_only_and_spain_72_months() -> None:
    assert ids(run(nationality="JP")["social_insurance"]["exempt"]) == ["pension"]
    spain = run(nationality="ESP")["social_insurance"]
    assert ids(spain["exempt"]) == ["pension", "unemployment"] and "72 months" in spain["text"]


def test_agreements_without_a_known_scope_ask_to_confirm() -> None:
    kyrgyzstan = run(nationality="吉尔吉斯斯坦")["social_insurance"]
    assert kyrgyzstan["status"] == "agreement"
    assert kyrgyzstan["exempt"] is None and kyrgyzstan["must_join"] is None
    assert kyrgyzstan["uncertain"] is True
    assert "2025-10-14" in kyrgyzstan["text"]
    belgium = run(nationality="Belgium")["social_insurance"]
    assert belgium["status"] == "unconfirmed" and belgium["uncertain"] is True


@pytest.mark.parametrize(
    "code", ["DE", "KR", "DK", "FI", "CA", "CH", "NL", "FR", "ES", "LU", "JP", "RS", "KG"]
)
def test_the_13_agreement_countries(code: str) -> None:
    assert run(nationality=code)["social_insurance"]["agreement"] is True


def test_no_nationality_says_what_is_needed() -> None:
    si = run()["social_insurance"]
    assert si["status"] == "no_country"
    assert si["text"].startswith("Tell us your nationality")


# --- regions ----------------------------------------------------------------------------------
def test_offices_and_notes_follow_the_region() -> None:
    fujian = run(items=["work_permit"])
    weihai = run(region="weihai", items=["work_permit", "residence_permit"])
    assert "Science and Technology" in fujian["items"][0]["office"]
    assert "Weihai Administrative Approval Service Bureau" in weihai["items"][0]["office"]
    assert "Weihai Public Security Bureau" in weihai["items"][1]["office"]
    assert any("abnormal-information list" in n for n in weihai["notes"])
    assert weihai["region"] == {"id": "weihai", "name": "Weihai, Shandong Province"}
    assert any("iShandong" in n for n in weihai["notes"])


# --- data integrity ---------------------------------------------------------------------------
def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_engine_sentences_have_the_same_placeholders_in_both_languages() -> None:
    for key, text in DATA.messages.catalogue.items():
        assert _fields(text.en) == _fields(text.zh), key


def test_api_messages_have_the_same_placeholders_in_both_languages() -> None:
    for key, text in entries("backend").items():
        if key.startswith(("elig", "checklist")):
            assert _fields(text["en"]) == _fields(text["zh"]), key


def test_chinese_texts_are_chinese_and_english_texts_are_not() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    texts = [(m.name, m.what, m.issuer) for m in DATA.materials.values()]
    texts += [(d.text, d.event) for d in DATA.deadlines.values()] + [(f.text,) for f in DATA.fees.values()]
    for group in texts:
        for text in group:
            assert cjk.search(text.zh), text
    for key, text in DATA.messages.catalogue.items():
        assert cjk.search(text.zh), key


def test_every_situation_renders_in_both_languages() -> None:
    """Every combination of the situation axes produces complete texts (no missing sentence)."""
    for degree, talent, in_china, nationality, kind, region in itertools.product(
        DEGREES,
        (False, True),
        (False, True),
        ("DE", "US", "KG", "BE", "CN", None),
        ("new", "change", "extension", "cancellation"),
        ("fujian", "weihai"),
    ):
        items = [
            f"{item}_{kind}" if item in ("work_permit", "residence_permit") else item
            for item in ITEMS
            if not (item == "residence_permit" and kind == "cancellation")
        ]
        answers = {
            **B_CASE,
            "highest_degree": degree,
            "talent_programme": talent,
            "in_china": in_china,
            "items": items,
            "application_type": kind,
        }
        if nationality:
            answers["nationality"] = nationality
        result = assess(answers, data=DATA, today=TODAY, regions=REGIONS, default_region=region)
        for lang in ("en", "zh"):
            out = result.to_json(lang)
            assert out["materials"] and out["deadlines"] and out["fees"]
            for text in _all_strings(out):
                assert "{" not in text, text


def _all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _all_strings(v)]
    return []


def test_every_material_and_deadline_keeps_its_source_and_date_checked() -> None:
    for entry in [*DATA.materials.values(), *DATA.deadlines.values(), *DATA.fees.values()]:
        assert entry.source and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.checked), entry.id


# --- country names ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, code",
    [
        ("DE", "DE"),
        ("deu", "DE"),
        ("Germany", "DE"),
        ("德国", "DE"),
        ("德国人", "DE"),
        ("German", "DE"),
        ("South Korea", "KR"),
        ("Korea", "KR"),
        ("韩国", "KR"),
        ("UK", "GB"),
        ("英国", "GB"),
        ("USA", "US"),
        ("美国", "US"),
        ("the Netherlands", "NL"),
        ("Holland", "NL"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d Ivoire", "CI"),
        ("Kyrgyzstan", "KG"),
        ("吉尔吉斯斯坦", "KG"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("中国台湾", "TW"),
    ],
)
def test_country_names_and_codes_resolve(text: str, code: str) -> None:
    assert resolve(text).alpha_2 == code


@pytest.mark.parametrize("text", ["Atlantis", "", "   ", "xx", "Narnia", "火星"])
def test_unknown_countries_do_not_resolve(text: str) -> None:
    assert resolve(text) is None


def test_close_misspellings_get_suggestions() -> None:
    assert [c.alpha_2 for c in suggest("Germny")] == ["DE"]
    assert suggest("Atlantis") == []
