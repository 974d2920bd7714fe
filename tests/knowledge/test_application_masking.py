"""Masked and written-out answers: what slots, bot messages and summaries may show."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.application import catalogue, display, mask, parse_field

CAT = catalogue()
TODAY = date(2026, 11, 23)
FAMILY = [
    {"relation": "spouse", "name": "Anna Schmidt", "nationality": "DE", "date_of_birth": "1991-03-02"},
    {"relation": "child", "name": "Max Schmidt", "nationality": "DE", "date_of_birth": "2018-06-01"},
]


@pytest.mark.parametrize(
    "key, value, masked",
    [
        ("passport_number", "E12345678", "E12****78"),
        ("passport_number", "C01X00T47", "C01****47"),
        ("passport_number", "E1234", "E****4"),
        ("current_work_permit_number", "156320240012345678", "156****78"),
        ("phone", "13812345678", "138****5678"),
        ("email", "john.smith@example.com", "j***@example.com"),
        ("email", "j@example.com", "j***@example.com"),
        ("date_of_birth", "1990-05-12", "1990-**-**"),
    ],
)
def test_sensitive_values_are_masked(key: str, value: str, masked: str):
    assert mask(key, value) == masked
    assert mask(key, value, "zh") == masked


def test_masks_have_a_fixed_number_of_stars_so_the_length_is_not_shown():
    assert mask("passport_number", "E1234567").count("*") == mask("passport_number", "E123456789012").count(
        "*"
    )


def test_family_members_are_masked_as_a_count_in_the_users_language():
    assert mask("family_members", FAMILY) == "2 family members"
    assert mask("family_members", FAMILY, "zh") == "2名家属"
    assert mask("family_members", FAMILY[:1]) == "1 family member"
    assert mask("family_members", []) == "none" and mask("family_members", [], "zh") == "无"


def test_no_masked_value_contains_the_raw_value():
    for key, value in (
        ("passport_number", "E12345678"),
        ("phone", "13812345678"),
        ("email", "anna.schmidt@example.com"),
        ("date_of_birth", "1990-05-12"),
        ("current_work_permit_number", "156320240012345678"),
    ):
        assert value not in mask(key, value)
    assert "Anna" not in mask("family_members", FAMILY)


def test_display_masks_sensitive_values_unless_revealed():
    assert display("phone", "13812345678", "en") == "138****5678"
    assert display("phone", "13812345678", "en", reveal=True) == "13812345678"
    assert display("date_of_birth", "1990-05-12", "zh", reveal=True) == "1990年5月12日"


@pytest.mark.parametrize(
    "key, value, en, zh",
    [
        ("gender", "female", "female", "女"),
        ("highest_degree", "master", "master's degree", "硕士"),
        ("nationality", "DE", "Germany", "德国"),
        ("annual_salary_cny", 300000, "CNY 300,000", "30万元"),
        ("relevant_experience_years", 2.5, "2.5", "2.5"),
        ("graduation_year", 2015, "2015", "2015年"),
        ("passport_expiry", "2031-03-01", "1 March 2031", "2031年3月1日"),
        ("surname", "Schmidt", "Schmidt", "Schmidt"),
        ("address_in_china", "<b>88 Wusi Road</b>", "<b>88 Wusi Road</b>", "<b>88 Wusi Road</b>"),
    ],
)
def test_non_sensitive_values_are_written_out_in_the_users_language(key, value, en, zh):
    assert mask(key, value) == en and display(key, value, "en") == en
    assert mask(key, value, "zh") == zh and display(key, value, "zh") == zh


def test_family_members_revealed_are_listed_one_by_one():
    assert display("family_members", FAMILY, "en", reveal=True) == (
        "spouse: Anna Schmidt (Germany, 2 March 1991); child: Max Schmidt (Germany, 1 June 2018)"
    )
    assert display("family_members", FAMILY, "zh", reveal=True) == (
        "配偶：Anna Schmidt（德国，1991年3月2日）；子女：Max Schmidt（德国，2018年6月1日）"
    )


def test_empty_values_and_unknown_fields_show_nothing_of_the_value():
    assert mask("phone", None) == "" and mask("phone", "") == ""
    assert mask("shoe_size", "E12345678") == "****"


def test_every_sensitive_field_is_masked_after_parsing_a_real_answer():
    answers = {
        "passport_number": "E12345678",
        "phone": "+86 138 1234 5678",
        "email": "anna@example.com",
        "date_of_birth": "12 May 1990",
        "current_work_permit_number": "156320240012345678",
        "family_members": "spouse, Anna Schmidt, Germany, 1991-03-02",
    }
    for key, text in answers.items():
        assert CAT.fields[key].sensitive
        value = parse_field(key, text, today=TODAY).value
        shown = mask(key, value)
        assert shown and shown != str(value) and "*" in shown or key == "family_members"
