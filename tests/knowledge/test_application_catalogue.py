"""The merged application's data: items -> fields and materials, departments, savings, consent,
the integrity checks on load, and which fields a message names."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.application import (
    DataError,
    catalogue,
    find_field_mentions,
    load_catalogue,
    message,
)
from knowledge.application.catalogue import APPLICATION_DIR, MATERIALS_CATALOGUE
from knowledge.application.messages import messages

CAT = catalogue()
# The ids other parts and outside tests rely on (entity values, API fields): pinned here, read from
# the data everywhere else. A new item is a data edit plus this line.
ITEM_KEYS = (
    "work_permit_new",
    "work_permit_change",
    "work_permit_extension",
    "residence_permit_new",
    "residence_permit_change",
    "residence_permit_extension",
    "social_insurance",
    "professional_title",
    "e_social_security_card",
)
DEPARTMENT_KEYS = ("science_technology", "exit_entry", "hrss", "medical_insurance")
IDENTITY = [
    "surname",
    "given_names",
    "chinese_name",
    "gender",
    "date_of_birth",
    "nationality",
    "passport_number",
]
ONE_OF_EACH = [
    "work_permit_new",
    "residence_permit_new",
    "social_insurance",
    "professional_title",
    "e_social_security_card",
]
FIELD_KEYS = [
    "surname",
    "given_names",
    "chinese_name",
    "gender",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_expiry",
    "email",
    "phone",
    "address_in_china",
    "employer_name",
    "employer_uscc",
    "employer_contact",
    "position",
    "contract_start",
    "contract_end",
    "annual_salary_cny",
    "work_city",
    "highest_degree",
    "institution",
    "graduation_year",
    "relevant_experience_years",
    "current_work_permit_number",
    "date_of_entry",
    "family_members",
]


# --- the contract's names -------------------------------------------------------------------------
def test_items_fields_and_departments_have_exactly_the_contract_keys():
    assert list(CAT.items) == list(ITEM_KEYS)
    assert set(CAT.fields) == set(FIELD_KEYS)
    assert list(CAT.departments) == list(DEPARTMENT_KEYS)


def test_sensitive_fields_are_the_personal_identifiers():
    sensitive = {key for key, spec in CAT.fields.items() if spec.sensitive}
    assert sensitive == {
        "passport_number",
        "phone",
        "email",
        "date_of_birth",
        "current_work_permit_number",
        "family_members",
    }


def test_only_chinese_name_and_family_members_are_optional():
    assert {key for key, spec in CAT.fields.items() if spec.optional} == {"chinese_name", "family_members"}


def test_carry_over_names_the_eligibility_slots_and_not_the_date_of_birth():
    carried = {key: spec.carry_over_from for key, spec in CAT.fields.items() if spec.carry_over_from}
    assert carried == {
        "nationality": "nationality",
        "highest_degree": "highest_degree",
        "relevant_experience_years": "relevant_experience_years",
        "annual_salary_cny": "annual_salary_cny",
    }


def test_every_field_has_label_question_explanation_and_example_in_both_languages():
    for spec in CAT.fields.values():
        for what in ("label", "question", "explain", "example"):
            assert spec.text(what, "en") and spec.text(what, "zh"), (spec.key, what)
            assert re.search(r"[\u4e00-\u9fff]", spec.text("question", "zh")), spec.key
        assert spec.help("en").endswith(".") and "For example" in spec.help("en")
        assert "例如" in spec.help("zh")


def test_hr_is_asked_about_the_applicant_and_the_worker_about_themselves():
    spec = CAT.fields["passport_number"]
    assert spec.question_for("worker", "en") == "What is your passport number?"
    assert "the applicant's" in spec.question_for("hr", "en")
    assert "申请人" in spec.question_for("hr", "zh") and "申请人" not in spec.question_for("worker", "zh")
    for key, spec in CAT.fields.items():
        assert spec.question_for("hr", "en") != spec.question_for("worker", "en"), key


# --- items -> fields ----------------------------------------------------------------------------
def test_every_item_asks_the_identity_fields():
    for item in CAT.items.values():
        assert set(IDENTITY) <= set(item.fields), item.key


def test_social_insurance_needs_identity_employer_contract_start_salary_phone_and_address():
    assert set(CAT.items["social_insurance"].fields) == set(IDENTITY) | {
        "employer_name",
        "employer_uscc",
        "contract_start",
        "annual_salary_cny",
        "phone",
        "address_in_china",
    }


def test_professional_title_needs_education_experience_employer_and_position():
    fields = set(CAT.items["professional_title"].fields)
    assert {
        "highest_degree",
        "institution",
        "graduation_year",
        "relevant_experience_years",
        "employer_name",
        "employer_uscc",
        "position",
    } <= fields
    assert "family_members" not in fields and "date_of_entry" not in fields


def test_electronic_social_security_card_needs_only_identity_and_phone():
    assert CAT.items["e_social_security_card"].fields == IDENTITY + ["phone"]


def test_residence_permit_new_needs_expiry_address_entry_employer_and_family():
    fields = set(CAT.items["residence_permit_new"].fields)
    assert {
        "passport_expiry",
        "address_in_china",
        "date_of_entry",
        "employer_name",
        "employer_uscc",
        "family_members",
    } <= fields


def test_work_permit_change_and_extension_ask_the_current_permit_number_and_new_does_not():
    assert "current_work_permit_number" in CAT.items["work_permit_change"].fields
    assert "current_work_permit_number" in CAT.items["work_permit_extension"].fields
    assert "current_work_permit_number" not in CAT.items["work_permit_new"].fields


def test_work_permit_new_needs_almost_everything():
    assert len(CAT.items["work_permit_new"].fields) >= 20


def test_fields_for_is_the_union_in_form_order_each_field_once():
    fields = CAT.fields_for(["e_social_security_card", "professional_title"], "worker")
    assert len(fields) == len(set(fields))
    assert set(fields) == set(CAT.items["e_social_security_card"].fields) | set(
        CAT.items["professional_title"].fields
    )
    order = list(CAT.fields)
    assert fields == sorted(fields, key=order.index)
    assert fields[:7] == IDENTITY


def test_fields_for_does_not_depend_on_the_order_items_are_chosen():
    assert CAT.fields_for(ONE_OF_EACH, "worker") == CAT.fields_for(list(reversed(ONE_OF_EACH)), "worker")


def test_fields_for_all_items_asks_everything_but_the_current_permit_number():
    assert set(CAT.fields_for(ONE_OF_EACH, "worker")) == set(FIELD_KEYS) - {"current_work_permit_number"}


def test_fields_for_refuses_an_unknown_role_or_item():
    with pytest.raises(ValueError):
        CAT.fields_for(["social_insurance"], "boss")
    with pytest.raises(ValueError):
        CAT.fields_for(["passport_holiday"], "worker")


def test_a_field_limited_to_one_role_is_asked_only_of_that_role(tmp_path: Path):
    directory = _copy_data(tmp_path)
    data = yaml.safe_load((directory / "fields.yml").read_text(encoding="utf-8"))
    data["fields"]["employer_contact"]["roles"] = ["worker"]
    (directory / "fields.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cat = load_catalogue(directory)
    assert "employer_contact" in cat.fields_for(["work_permit_new"], "worker")
    assert "employer_contact" not in cat.fields_for(["work_permit_new"], "hr")
    assert (
        cat.savings(["work_permit_new"], "hr").fields_once
        == cat.savings(["work_permit_new"], "worker").fields_once - 1
    )


def test_missing_lists_required_fields_without_an_answer_and_not_optional_ones():
    missing = CAT.missing(["e_social_security_card"], "worker", {"surname": "Schmidt", "phone": ""})
    assert missing == ["given_names", "gender", "date_of_birth", "nationality", "passport_number", "phone"]


# --- choosing items --------------------------------------------------------------------------------
def test_no_items_unknown_items_and_conflicting_items_are_refused_with_codes():
    assert CAT.check_items([]) == ["no_items"]
    assert CAT.check_items(["work_permit_new", "spaceship_licence"]) == ["unknown_item"]
    assert CAT.check_items(["work_permit_new", "work_permit_extension"]) == ["items_conflict"]
    assert CAT.check_items(ONE_OF_EACH) == []
    assert CAT.check_items(["work_permit_change", "residence_permit_change"]) == []


def test_conflicts_name_the_pairs_and_the_message_names_both_items():
    pairs = CAT.conflicts(["residence_permit_extension", "work_permit_new", "residence_permit_new"])
    assert pairs == [("residence_permit_new", "residence_permit_extension")]
    first, second = pairs[0]
    text = message("items_conflict_pair", "zh", first=CAT.items[first].name, second=CAT.items[second].name)
    assert "外国人居留证件：首次申请" in text and "外国人居留证件：延期" in text


def test_exclusions_are_symmetric_in_the_data():
    for item in CAT.items.values():
        for other in item.excludes:
            assert item.key in CAT.items[other].excludes, (item.key, other)


@pytest.mark.parametrize("code", ["no_items", "unknown_item", "items_conflict"])
def test_item_errors_are_whole_sentences_in_both_languages(code: str):
    assert message(code, "en").endswith(".")
    assert message(code, "zh").endswith("。")


# --- departments ------------------------------------------------------------------------------------
def test_departments_split_gives_social_insurance_to_hrss_and_medical_insurance():
    split = CAT.departments_for(ONE_OF_EACH)
    assert split == {
        "science_technology": ["work_permit_new"],
        "exit_entry": ["residence_permit_new"],
        "hrss": ["social_insurance", "professional_title", "e_social_security_card"],
        "medical_insurance": ["social_insurance"],
    }


def test_departments_split_leaves_out_departments_without_items():
    assert CAT.departments_for(["work_permit_extension"]) == {"science_technology": ["work_permit_extension"]}
    assert CAT.departments_for(["residence_permit_change", "e_social_security_card"]) == {
        "exit_entry": ["residence_permit_change"],
        "hrss": ["e_social_security_card"],
    }


def test_every_item_is_decided_by_some_department():
    decided = {item for dept in CAT.departments.values() for item in dept.services}
    assert decided == set(ITEM_KEYS)


# --- materials and savings --------------------------------------------------------------------------
def test_item_materials_exist_in_the_materials_catalogue():
    known = set(yaml.safe_load(MATERIALS_CATALOGUE.read_text(encoding="utf-8"))["materials"])
    for item in CAT.items.values():
        assert item.materials and set(item.materials) <= known, item.key


def test_item_materials_match_the_unconditional_materials_of_the_eligibility_data():
    data = yaml.safe_load((MATERIALS_CATALOGUE.parent / "items.yml").read_text(encoding="utf-8"))["items"]
    for item in CAT.items.values():
        listed = data[item.service]["variants"][item.kind]["materials"]
        unconditional = [m for m in listed if isinstance(m, str) or "when" not in m]
        assert item.materials == [m if isinstance(m, str) else m["id"] for m in unconditional], item.key


def test_savings_for_one_of_each_service_count_identity_fields_once():
    savings = CAT.savings(ONE_OF_EACH, "worker")
    assert savings.to_json() == {
        "fields_once": 25,
        "fields_separately": 76,
        "materials_once": 18,
        "materials_separately": 24,
    }
    assert savings.fields_separately == sum(len(CAT.items[i].fields) for i in ONE_OF_EACH)
    assert savings.fields_once == len(CAT.fields_for(ONE_OF_EACH, "worker"))


def test_savings_for_one_item_are_the_same_once_and_separately():
    assert CAT.savings(["work_permit_new"], "worker").to_json() == {
        "fields_once": 23,
        "fields_separately": 23,
        "materials_once": 10,
        "materials_separately": 10,
    }


def test_savings_for_work_and_residence_permit_share_the_medical_certificate():
    savings = CAT.savings(["work_permit_new", "residence_permit_new"], "hr")
    assert (savings.materials_once, savings.materials_separately) == (17, 18)
    assert "medical_certificate" in CAT.materials_for(["work_permit_new", "residence_permit_new"])


def test_savings_sentence_states_both_numbers_in_both_languages():
    savings = CAT.savings(ONE_OF_EACH, "worker")
    assert "25" in savings.text("en") and "76" in savings.text("en") and "18" in savings.text("en")
    assert "25项" in savings.text("zh") and "76项" in savings.text("zh") and "24份" in savings.text("zh")


# --- consent ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_consent_text_names_every_department(lang: str):
    text = CAT.consent.text(lang).casefold()
    for dept in CAT.departments.values():
        assert dept.name[lang].casefold() in text, dept.key


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_consent_text_states_the_retention_periods_from_the_settings(lang: str):
    text = CAT.consent.text(lang)
    assert str(CAT.consent.draft_retention_days) in text and str(CAT.consent.case_retention_days) in text
    assert "{" not in text


def test_consent_text_says_what_is_collected_and_why():
    en, zh = CAT.consent.text("en"), CAT.consent.text("zh")
    for word in ("passport", "date of birth", "mobile phone", "e-mail", "employer", "salary", "family"):
        assert word in en, word
    for word in ("护照", "出生日期", "手机号码", "电子邮箱", "用人单位", "薪酬", "家属"):
        assert word in zh, word
    assert "only to prepare and submit your application" in en and "仅用于准备和提交您的申请" in zh
    assert "delete my data" in en and "删除我的数据" in zh


def test_consent_has_a_version_and_positive_retention_days():
    assert CAT.consent.version
    assert 0 < CAT.consent.draft_retention_days < CAT.consent.case_retention_days


def test_consent_paragraphs_are_whole_sentences():
    for lang, end in (("en", "."), ("zh", "。")):
        for paragraph in CAT.consent.text(lang).split("\n\n"):
            assert paragraph.endswith(end), paragraph


# --- data integrity ------------------------------------------------------------------------------------
def _copy_data(tmp_path: Path) -> Path:
    directory = tmp_path / "application"
    directory.mkdir()
    for name in ("items.yml", "fields.yml", "departments.yml", "consent.yml"):
        shutil.copy(APPLICATION_DIR / name, directory / name)
    return directory


def _edit(directory: Path, name: str, change) -> None:
    data = yaml.safe_load((directory / name).read_text(encoding="utf-8"))
    change(data)
    (directory / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "name, change, problem",
    [
        (
            "items.yml",
            lambda d: d["items"]["social_insurance"]["materials"].append("golden_ticket"),
            "golden_ticket",
        ),
        ("items.yml", lambda d: d["items"]["social_insurance"]["fields"].append("shoe_size"), "shoe_size"),
        ("items.yml", lambda d: d["items"]["social_insurance"].update(departments=["hrss"]), "disagree"),
        ("items.yml", lambda d: d["items"].pop("professional_title"), "items must be exactly"),
        ("fields.yml", lambda d: d["fields"]["surname"]["label"].pop("zh"), "surname.label"),
        ("fields.yml", lambda d: d["fields"]["surname"].update(kind="shape"), "kind"),
        (
            "fields.yml",
            lambda d: d["fields"]["passport_expiry"]["rules"][0].update(error="no_such_message"),
            "rule error",
        ),
        ("departments.yml", lambda d: d["departments"]["hrss"]["name"].update(en=""), "hrss.name"),
        ("consent.yml", lambda d: d.pop("version"), "consent.yml"),
    ],
)
def test_a_bad_data_edit_is_refused_with_the_file_and_the_reason(tmp_path: Path, name, change, problem):
    directory = _copy_data(tmp_path)
    _edit(directory, name, change)
    with pytest.raises(DataError, match=re.escape(problem)):
        load_catalogue(directory)


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    for code, texts in messages().items():
        assert set(re.findall(r"\{(\w+)\}", texts["en"])) == set(re.findall(r"\{(\w+)\}", texts["zh"])), code


# --- mentions ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, fields",
    [
        ("my passport number is actually E98765432", ["passport_number"]),
        ("我的手机号改成13912345678", ["phone"]),
        ("sorry, my passport expires on 1 March 2031", ["passport_expiry"]),
        ("护照有效期是2031年3月1日", ["passport_expiry"]),
        ("my e-mail is anna@example.com and my phone is 13812345678", ["email", "phone"]),
        ("我的中文名字是施安娜", ["chinese_name"]),
        ("the contract end date is 2028-12-31, not 2027", ["contract_end"]),
        ("change the unified social credit code", ["employer_uscc"]),
        ("My date of birth is wrong", ["date_of_birth"]),
        ("工作许可证号应该是156320240012345678", ["current_work_permit_number"]),
        (
            "my salary is 35w and I have 7 years of experience",
            ["annual_salary_cny", "relevant_experience_years"],
        ),
        ("hello, what happens next?", []),
        ("", []),
    ],
)
def test_find_field_mentions_names_the_fields_a_message_corrects(text: str, fields: list[str]):
    assert find_field_mentions(text) == fields


def test_find_field_mentions_reads_at_most_2000_characters_of_a_huge_message():
    assert find_field_mentions("x " * 5000 + "passport number") == []
