"""Every field kind of the merged form: natural answers in English and Chinese, malformed,
out-of-range and hostile values, each refusal a whole sentence with an example in the
user's language; JSON values from the API; cross-field rules; carry-over from eligibility."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from knowledge.application import carry_over, catalogue, check_answers, parse_field, validate_value
from knowledge.application.dates import add
from knowledge.application.uscc import CHARSET, check_character

TODAY = date(2026, 11, 23)
CAT = catalogue()
EARLIER = {"date_of_birth": "1990-05-12", "contract_start": "2027-01-01"}


def parse(key: str, text: Any, **answers: Any):
    return parse_field(key, text, today=TODAY, answers={**EARLIER, **answers})


# --- valid answers, both languages ------------------------------------------------------------------
@pytest.mark.parametrize(
    "key, text, value",
    [
        # names
        ("surname", "Schmidt", "Schmidt"),
        ("surname", "My surname is Müller", "Müller"),
        ("surname", "O'Brien-Smith", "O'Brien-Smith"),
        ("surname", "我姓王", "王"),
        ("given_names", "first name: Anna  Maria", "Anna Maria"),
        ("given_names", "Ｊｏｓé", "José"),
        ("chinese_name", "施安娜", "施安娜"),
        ("chinese_name", "我的中文名是 施 安娜", "施安娜"),
        ("chinese_name", "安娜·施密特", "安娜·施密特"),
        # choices
        ("gender", "female", "female"),
        ("gender", "I'm a woman", "female"),
        ("gender", "M", "male"),
        ("gender", "男", "male"),
        ("gender", "女性", "female"),
        ("gender", "X", "unspecified"),
        ("highest_degree", "Master's degree", "master"),
        ("highest_degree", "PhD in physics", "doctorate"),
        ("highest_degree", "below a bachelor", "below_bachelor"),
        ("highest_degree", "本科", "bachelor"),
        ("highest_degree", "研究生", "master"),
        # dates
        ("date_of_birth", "1990-05-12", "1990-05-12"),
        ("date_of_birth", "12 May 1990", "1990-05-12"),
        ("date_of_birth", "May 12, 1990", "1990-05-12"),
        ("date_of_birth", "I was born on the 12th of May 1990", "1990-05-12"),
        ("date_of_birth", "1990年5月12日", "1990-05-12"),
        ("date_of_birth", "一九九〇年五月十二日", "1990-05-12"),
        ("date_of_birth", "1990/5/12", "1990-05-12"),
        ("date_of_birth", "13/05/1990", "1990-05-13"),
        ("date_of_birth", "05/13/1990", "1990-05-13"),
        ("date_of_birth", "07.07.1990", "1990-07-07"),
        ("passport_expiry", "1 March 2031", "2031-03-01"),
        ("passport_expiry", "2031年3月1日", "2031-03-01"),
        ("passport_expiry", "12MAR2031", "2031-03-12"),
        ("date_of_entry", "2026-11-03", "2026-11-03"),
        ("date_of_entry", "11月3日入境的，2026年11月3日", "2026-11-03"),
        ("contract_start", "2027-01-01", "2027-01-01"),
        ("contract_end", "31 December 2028", "2028-12-31"),
        ("contract_end", "2028年12月31日", "2028-12-31"),
        ("graduation_year", "2015", 2015),
        ("graduation_year", "I graduated in 2015", 2015),
        ("graduation_year", "二〇一五年", 2015),
        ("graduation_year", "2015年毕业", 2015),
        # countries
        ("nationality", "Germany", "DE"),
        ("nationality", "I'm German", "DE"),
        ("nationality", "DEU", "DE"),
        ("nationality", "德国", "DE"),
        ("nationality", "我是韩国人", "KR"),
        # identifiers
        ("passport_number", "E12345678", "E12345678"),
        ("passport_number", "e1234 5678", "E12345678"),
        ("passport_number", "my passport number is actually E98765432", "E98765432"),
        ("passport_number", "护照号码是 C01X00T47", "C01X00T47"),
        ("current_work_permit_number", "156320240012345678", "156320240012345678"),
        ("current_work_permit_number", "工作许可证号：1563 2024 0012 3456 78", "156320240012345678"),
        ("email", "anna.schmidt@example.com", "anna.schmidt@example.com"),
        ("email", "My e-mail is Anna@Example.COM.", "Anna@example.com"),
        ("email", "邮箱：zhang.wei+visa@mail.example.cn", "zhang.wei+visa@mail.example.cn"),
        ("phone", "13812345678", "13812345678"),
        ("phone", "+86 138 1234 5678", "13812345678"),
        ("phone", "0086-138-1234-5678", "13812345678"),
        ("phone", "8613812345678", "13812345678"),
        ("phone", "我的手机号改成13912345678", "13912345678"),
        ("phone", "１３９１２３４５６７８", "13912345678"),
        ("employer_uscc", "91350100M000100Y43", "91350100M000100Y43"),
        ("employer_uscc", "91350100m000100y43", "91350100M000100Y43"),
        ("employer_uscc", "统一社会信用代码：9135 0100 M000 100Y 43", "91350100M000100Y43"),
        # free text
        (
            "address_in_china",
            "Room 1203, Building 5, 88 Wusi Road, Gulou District, Fuzhou",
            "Room 1203, Building 5, 88 Wusi Road, Gulou District, Fuzhou",
        ),
        ("address_in_china", "我的地址是福州市鼓楼区五四路88号", "福州市鼓楼区五四路88号"),
        ("employer_name", "Fuzhou Example Technology Co., Ltd.", "Fuzhou Example Technology Co., Ltd."),
        ("employer_name", "I work at Smith & Partners (Xiamen) Ltd", "Smith & Partners (Xiamen) Ltd"),
        ("employer_name", "The company is called ACME Ltd", "ACME Ltd"),
        ("employer_name", "用人单位是福州示例科技有限公司。", "福州示例科技有限公司"),
        ("employer_contact", "李明，0591-87654321", "李明，0591-87654321"),
        ("position", "I work as a Senior Software Engineer", "Senior Software Engineer"),
        ("position", "高级软件工程师", "高级软件工程师"),
        ("work_city", "Xiamen", "Xiamen"),
        ("work_city", "厦门", "厦门"),
        ("institution", "我毕业于清华大学", "清华大学"),
        # numbers
        ("annual_salary_cny", "300000", 300000),
        ("annual_salary_cny", "300,000 RMB", 300000),
        ("annual_salary_cny", "300k", 300000),
        ("annual_salary_cny", "30w", 300000),
        ("annual_salary_cny", "about 30 wan a year", 300000),
        ("annual_salary_cny", "三十万", 300000),
        ("annual_salary_cny", "30万元", 300000),
        ("annual_salary_cny", "月薪2万5", 300000),
        ("annual_salary_cny", "25000 a month", 300000),
        ("annual_salary_cny", "1.2 million", 1200000),
        ("annual_salary_cny", "¥450,000", 450000),
        ("relevant_experience_years", "6", 6),
        ("relevant_experience_years", "6 years", 6),
        ("relevant_experience_years", "六年", 6),
        ("relevant_experience_years", "十二年", 12),
        ("relevant_experience_years", "2.5 years", 2.5),
        ("relevant_experience_years", "18 months", 1.5),
        ("relevant_experience_years", "half a year", 0.5),
        ("relevant_experience_years", "none", 0),
        ("relevant_experience_years", "没有经验", 0),
        ("relevant_experience_years", "7 years, not 5", 7),
        ("relevant_experience_years", "5年，不是3年", 5),
        ("annual_salary_cny", "not 20w but 30w", 300000),
        ("annual_salary_cny", "是三十万不是二十万", 300000),
        # family
        ("family_members", "none", []),
        ("family_members", "没有", []),
        (
            "family_members",
            "spouse, Anna Schmidt, Germany, 1991-03-02; child, Max Schmidt, Germany, 2018-06-01",
            [
                {
                    "relation": "spouse",
                    "name": "Anna Schmidt",
                    "nationality": "DE",
                    "date_of_birth": "1991-03-02",
                },
                {
                    "relation": "child",
                    "name": "Max Schmidt",
                    "nationality": "DE",
                    "date_of_birth": "2018-06-01",
                },
            ],
        ),
        (
            "family_members",
            "配偶，Anna Schmidt，德国，1991年3月2日\n女儿，Mia Schmidt，德国，2019年7月8日",
            [
                {
                    "relation": "spouse",
                    "name": "Anna Schmidt",
                    "nationality": "DE",
                    "date_of_birth": "1991-03-02",
                },
                {
                    "relation": "child",
                    "name": "Mia Schmidt",
                    "nationality": "DE",
                    "date_of_birth": "2019-07-08",
                },
            ],
        ),
        (
            "family_members",
            "Anna Schmidt, wife, March 2, 1991, German",
            [
                {
                    "relation": "spouse",
                    "name": "Anna Schmidt",
                    "nationality": "DE",
                    "date_of_birth": "1991-03-02",
                }
            ],
        ),
    ],
)
def test_natural_answers_in_both_languages_are_understood(key: str, text: str, value: Any):
    result = parse(key, text)
    assert result.ok and not result.skipped, (result.error, result.params.get("label"))
    assert result.value == value


# --- malformed and out of range ------------------------------------------------------------------------
INVALID = [
    # names
    ("surname", "Schmidt2", "name_characters"),
    ("surname", "Иванов", "name_script"),
    ("given_names", "A" * 81, "too_long"),
    ("chinese_name", "Anna", "chinese_name_characters"),
    ("chinese_name", "王", "chinese_name_characters"),
    ("chinese_name", "王" * 11, "chinese_name_characters"),
    # choices
    ("gender", "banana", "choice_unknown"),
    ("highest_degree", "a very good one", "choice_unknown"),
    # dates
    ("date_of_birth", "last spring", "date_format"),
    ("date_of_birth", "May 1990", "date_incomplete"),
    ("date_of_birth", "1990年5月", "date_incomplete"),
    ("date_of_birth", "1990-02-30", "date_invalid"),
    ("date_of_birth", "12/05/90", "date_format"),
    ("date_of_birth", "12/05/1990", "date_ambiguous"),
    ("date_of_birth", "2099-01-01", "birth_in_future"),
    ("date_of_birth", "2099年1月1日", "birth_in_future"),
    ("date_of_birth", "2015-01-01", "too_young"),
    ("date_of_birth", "1900-01-01", "too_old"),
    ("passport_expiry", "2026-01-01", "passport_expired"),
    ("passport_expiry", "2027-05-22", "passport_expires_soon"),
    ("passport_expiry", "2060-01-01", "passport_expiry_too_far"),
    ("date_of_entry", "2099-01-01", "entry_in_future"),
    ("date_of_entry", "1980-01-01", "entry_before_birth"),
    ("contract_start", "2020-01-01", "contract_start_too_early"),
    ("contract_start", "2099-01-01", "contract_start_too_late"),
    ("contract_end", "2026-12-01", "contract_end_before_start"),
    ("contract_end", "2027-01-01", "contract_end_before_start"),
    ("contract_end", "2033-01-01", "contract_too_long"),
    ("graduation_year", "fifteen", "year_format"),
    ("graduation_year", "2099", "year_in_future"),
    ("graduation_year", "1900", "year_too_early"),
    ("graduation_year", "2000", "graduation_too_young"),
    # countries
    ("nationality", "Germny", "country_suggest"),
    ("nationality", "qqqqqq", "country_unknown"),
    # identifiers
    ("passport_number", "E12", "passport_format"),
    ("passport_number", "ABCDEFGH", "passport_format"),
    ("passport_number", "E" + "1" * 25, "passport_format"),
    ("current_work_permit_number", "12345", "work_permit_number_format"),
    ("email", "anna@", "email_format"),
    ("email", "anna.example.com", "email_format"),
    ("email", "a@b@example.com", "email_format"),
    ("email", "anna..s@example.com", "email_format"),
    ("phone", "0591-87654321", "phone_format"),
    ("phone", "12345678901", "phone_format"),
    ("phone", "1381234567", "phone_format"),
    ("phone", "+49 151 12345678", "phone_not_mainland"),
    ("phone", "no phone", "phone_format"),
    ("employer_uscc", "91350100M000100Y44", "uscc_check_digit"),
    ("employer_uscc", "9135010", "uscc_length"),
    ("employer_uscc", "91350100M000100Y431", "uscc_length"),
    ("employer_uscc", "91350100MO00100Y43", "uscc_characters"),
    # free text
    ("address_in_china", "Fuz", "address_too_short"),
    ("address_in_china", "福州" + "路" * 199, "too_long"),
    ("employer_name", "A", "text_too_short"),
    ("employer_name", "X" * 101, "too_long"),
    # numbers
    ("annual_salary_cny", "a lot", "money_format"),
    ("annual_salary_cny", "-300000", "money_negative"),
    ("annual_salary_cny", "5000", "money_too_low"),
    ("annual_salary_cny", "300 billion", "money_too_high"),
    ("annual_salary_cny", "3000亿", "money_too_high"),
    ("relevant_experience_years", "many", "number_format"),
    ("relevant_experience_years", "99 years", "number_range"),
    ("relevant_experience_years", "-2", "number_range"),
    ("relevant_experience_years", "30 years", "experience_exceeds_age"),
    # family
    ("family_members", "spouse, Anna Schmidt", "family_format"),
    ("family_members", "cousin, Anna Schmidt, Germany, 1991-03-02", "family_relation"),
    ("family_members", "spouse, Anna Schmidt, Narnia Land, 1991-03-02", "family_nationality"),
    ("family_members", "child, Max Schmidt, Germany, 2099-06-01", "family_date"),
    ("family_members", "; ".join(["child, Max Schmidt, Germany, 2018-06-01"] * 11), "family_too_many"),
]


@pytest.mark.parametrize("key, text, code", INVALID)
def test_malformed_and_out_of_range_answers_are_refused_with_the_reason(key: str, text: str, code: str):
    result = parse(key, text)
    assert result.error == code


@pytest.mark.parametrize("key, text, code", INVALID)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_refusal_is_a_whole_sentence_with_an_example_in_the_users_language(key, text, code, lang):
    result = parse(key, text)
    sentence = result.message(lang)
    example = CAT.fields[key].example[lang]
    assert example in sentence
    assert "{" not in sentence and "}" not in sentence
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]{4}", sentence) and sentence.endswith("。")
    else:
        assert sentence.endswith(".") and not re.search(r"[\u4e00-\u9fff]", sentence.replace(example, ""))


def test_no_refusal_echoes_what_was_typed():
    for key in CAT.fields:
        for text in ("<script>alert('x')</script>", "Robert'); DROP TABLE cases;--", "qqqq zzzz"):
            result = parse(key, text)
            for lang in ("en", "zh"):
                message = result.message(lang) or ""
                assert "<script>" not in message and "DROP TABLE" not in message and "qqqq" not in message


# --- specific explanations -----------------------------------------------------------------------------
def test_uscc_with_wrong_check_digit_is_refused_with_an_example():
    result = parse("employer_uscc", "91350100M000100Y44")
    assert result.error == "uscc_check_digit"
    assert "For example: 91350100M000100Y43." in result.message("en")
    assert "校验码" in result.message("zh") and "例如：91350100M000100Y43" in result.message("zh")


def test_uscc_check_character_follows_gb_32100_for_a_known_code():
    assert check_character("91350100M000100Y4") == "3"
    assert check_character("91110000802100433") == "B"


@pytest.mark.parametrize(
    "first17",
    [
        "91350200MA2XYZ1234"[:17],
        "12100000400000624D"[:17],
        "52440300MJL123456X"[:17],
        "9144030071526726X1"[:17],
    ],
)
def test_uscc_codes_built_with_the_check_character_are_accepted(first17: str):
    first17 = "".join(ch if ch in CHARSET else "0" for ch in first17)
    code = first17 + check_character(first17)
    assert parse("employer_uscc", code).value == code


def test_uscc_catches_every_single_mistyped_character():
    valid = "91350100M000100Y43"
    for position in range(17):
        for ch in CHARSET:
            if ch != valid[position]:
                typo = valid[:position] + ch + valid[position + 1 :]
                assert parse("employer_uscc", typo).error == "uscc_check_digit", typo


def test_uscc_length_error_says_how_many_characters_were_given():
    result = parse("employer_uscc", "9135010")
    assert "18" in result.message("en") and "7" in result.message("en")
    assert "应为18位" in result.message("zh") and "7位" in result.message("zh")


def test_ambiguous_numeric_date_names_both_readings_in_the_users_language():
    result = parse("date_of_birth", "12/05/1990")
    assert "12 May 1990" in result.message("en") and "5 December 1990" in result.message("en")
    assert "1990年5月12日" in result.message("zh") and "1990年12月5日" in result.message("zh")


def test_passport_must_be_valid_six_months_from_today_and_the_message_gives_the_date():
    limit = add(TODAY, 6, "m")
    assert parse("passport_expiry", limit.isoformat()).ok
    result = parse("passport_expiry", add(limit, -1, "d").isoformat())
    assert result.error == "passport_expires_soon"
    assert "23 May 2027" in result.message("en") and "2027年5月23日" in result.message("zh")


def test_expired_passport_is_called_expired():
    result = parse("passport_expiry", "2025-12-31")
    assert "already expired" in result.message("en") and "已过期" in result.message("zh")


def test_contract_end_before_start_names_the_start_date():
    result = parse("contract_end", "2026-12-31")
    assert "1 January 2027" in result.message("en") and "2027年1月1日" in result.message("zh")


def test_contract_end_without_a_start_date_yet_is_checked_against_today_only():
    result = parse_field("contract_end", "2026-12-31", today=TODAY, answers={})
    assert result.ok
    assert parse_field("contract_end", "2026-01-31", today=TODAY, answers={}).error == "contract_ended"


def test_a_birth_date_in_2099_is_refused_as_being_in_the_future():
    assert (
        parse("date_of_birth", "12 May 2099")
        .message("en")
        .startswith("A date of birth cannot be in the future")
    )


def test_experience_longer_than_the_working_life_names_years_and_age():
    result = parse("relevant_experience_years", "30 years")
    assert "30 years" in result.message("en") and "36" in result.message("en")


def test_monthly_salary_below_the_minimum_suggests_saying_a_month():
    result = parse("annual_salary_cny", "5000")
    assert "CNY 5,000" in result.message("en") and "a month" in result.message("en")
    assert "5,000元" in result.message("zh") and "月薪" in result.message("zh")


def test_choice_refusal_lists_the_options_in_the_users_language():
    result = parse("highest_degree", "a very good one")
    assert "doctorate, master's degree, bachelor's degree" in result.message("en")
    assert "博士、硕士" in result.message("zh")


def test_country_suggestion_is_named_in_the_users_language():
    result = parse("nationality", "Germny")
    assert "Germany" in result.message("en") and "德国" in result.message("zh")


def test_family_member_problem_names_which_member():
    result = parse(
        "family_members", "spouse, Anna Schmidt, Germany, 1991-03-02; cousin, Max, Germany, 2018-06-01"
    )
    assert result.error == "family_relation" and result.params["number"] == 2
    assert "family member 2" in result.message("en") and "第2位家属" in result.message("zh")


# --- skipping --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["skip", "跳过", "I don't know", "不知道"])
def test_optional_fields_can_be_skipped(text: str):
    for key in ("chinese_name", "family_members"):
        result = parse(key, text)
        assert result.ok and result.skipped and result.value is None


@pytest.mark.parametrize("text", ["skip", "跳过"])
def test_required_fields_cannot_be_skipped_and_say_why(text: str):
    result = parse("passport_number", text)
    assert result.error == "required"
    assert "cannot be skipped" in result.message("en") and "不能跳过" in result.message("zh")


def test_no_chinese_name_counts_as_skipped():
    assert parse("chinese_name", "没有").skipped and parse("chinese_name", "none").skipped


def test_an_empty_answer_to_a_required_field_is_refused():
    assert parse("surname", "   ").error == "empty"


# --- hostile values ---------------------------------------------------------------------------------------------
HOSTILE = {
    "html": "<script>alert('x')</script>",
    "sql": "Robert'); DROP TABLE cases;--",
    "long": "A" * 5000,
    "emoji": "\U0001f600\U0001f389",
    "control": "Schmidt\x00\x1b[31m",
    "bidi": "Schmidt\u202egnp.exe",
}
FREE_TEXT = {"address_in_china"}


@pytest.mark.parametrize("key", sorted(CAT.fields))
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_values_are_refused_where_the_field_forbids_them(key: str, kind: str):
    result = parse(key, HOSTILE[kind])
    if key in FREE_TEXT and kind in ("html", "sql", "emoji"):  # plain text where text is legitimate
        assert result.value == HOSTILE[kind] or result.error == "address_too_short"
        return
    if key in ("chinese_name", "family_members") and result.skipped:
        pytest.fail("a hostile value must not count as skipping")
    assert result.error, (key, kind, result.value)
    assert result.message("en") and result.message("zh")


@pytest.mark.parametrize("kind", ["html", "sql", "emoji"])
def test_markup_and_sql_in_an_address_are_kept_as_plain_text_never_interpreted(kind: str):
    text = f"88 Wusi Road {HOSTILE[kind]}"
    result = parse("address_in_china", text)
    assert result.ok and result.value == text


def test_an_address_of_5000_characters_is_refused_as_too_long():
    result = parse("address_in_china", "路" * 5000)
    assert result.error == "too_long"
    assert "200" in result.message("en") or "1000" in result.message("en")


@pytest.mark.parametrize("key", ["address_in_china", "employer_name", "surname", "passport_number"])
def test_control_characters_are_refused_with_an_explanation(key: str):
    result = parse(key, "Fuzhou\x07Road 88")
    assert result.error == "control_characters"
    assert "control characters" in result.message("en") and "控制字符" in result.message("zh")


def test_sql_fragment_as_employer_name_is_refused_not_stored():
    result = parse("employer_name", "x'; DROP TABLE cases; --")
    assert result.error == "text_characters" and result.value is None


# --- JSON values from the API ------------------------------------------------------------------------------------
NATURAL = {
    "surname": "Schmidt",
    "given_names": "Anna Maria",
    "chinese_name": "施安娜",
    "gender": "女",
    "date_of_birth": "1990年5月12日",
    "nationality": "德国",
    "passport_number": "E12345678",
    "passport_expiry": "2031-03-01",
    "email": "anna@example.com",
    "phone": "+86 138 1234 5678",
    "address_in_china": "福州市鼓楼区五四路88号",
    "date_of_entry": "2026-11-03",
    "current_work_permit_number": "156320240012345678",
    "employer_name": "福州示例科技有限公司",
    "employer_uscc": "91350100M000100Y43",
    "employer_contact": "李明，0591-87654321",
    "position": "高级软件工程师",
    "work_city": "厦门",
    "contract_start": "2027-01-01",
    "contract_end": "2028-12-31",
    "annual_salary_cny": "30万",
    "highest_degree": "硕士",
    "institution": "慕尼黑工业大学",
    "graduation_year": "2015年",
    "relevant_experience_years": "6年",
    "family_members": "配偶，Anna Schmidt，德国，1991-03-02",
}


def _answers() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key, text in NATURAL.items():
        answers[key] = parse_field(key, text, today=TODAY, answers=answers).value
    return answers


def test_every_field_has_a_natural_example_answer_here():
    assert set(NATURAL) == set(CAT.fields)


@pytest.mark.parametrize("key", sorted(NATURAL))
def test_a_normalised_value_passes_validate_value_unchanged(key: str):
    answers = _answers()
    result = validate_value(key, answers[key], today=TODAY, answers=answers)
    assert result.ok and result.value == answers[key]


@pytest.mark.parametrize(
    "key, value",
    [
        ("annual_salary_cny", True),
        ("annual_salary_cny", float("nan")),
        ("annual_salary_cny", {"cny": 1}),
        ("surname", 42),
        ("surname", ["Schmidt"]),
        ("date_of_birth", 19900512),
        ("family_members", {"relation": "x"}),
        ("family_members", [42]),
    ],
)
def test_values_of_the_wrong_json_type_are_refused(key: str, value: Any):
    result = validate_value(key, value, today=TODAY)
    assert result.error in ("wrong_type", "family_format")
    assert result.message("en") and result.message("zh")


def test_numbers_from_the_api_are_range_checked():
    assert validate_value("annual_salary_cny", 300000.0, today=TODAY).value == 300000
    assert validate_value("annual_salary_cny", 500, today=TODAY).error == "money_too_low"
    assert validate_value("relevant_experience_years", 2.5, today=TODAY).value == 2.5
    assert validate_value("relevant_experience_years", 61, today=TODAY).error == "number_range"
    assert validate_value("graduation_year", 2099, today=TODAY).error == "year_in_future"
    assert validate_value("phone", 13812345678, today=TODAY).value == "13812345678"


def test_family_members_from_the_api_are_checked_member_by_member():
    members = [
        {"relation": "wife", "name": "Anna Schmidt", "nationality": "Germany", "date_of_birth": "1991-03-02"}
    ]
    assert validate_value("family_members", members, today=TODAY).value == [
        {"relation": "spouse", "name": "Anna Schmidt", "nationality": "DE", "date_of_birth": "1991-03-02"}
    ]
    bad = [{"relation": "spouse", "name": "<img src=x>", "nationality": "DE", "date_of_birth": "1991-03-02"}]
    assert validate_value("family_members", bad, today=TODAY).error == "family_name"
    assert validate_value("family_members", [], today=TODAY).value == []


def test_null_removes_an_optional_answer_but_a_required_one_is_refused():
    assert validate_value("chinese_name", None, today=TODAY).skipped
    assert validate_value("surname", None, today=TODAY).error == "required"


def test_an_unknown_field_is_refused():
    assert validate_value("shoe_size", "42").error == "unknown_field"
    assert parse_field("shoe_size", "42").message("zh") == "本申请表没有这一项。"


# --- all answers together ---------------------------------------------------------------------------------------
def test_complete_answers_for_every_item_have_no_problems():
    items = [
        "work_permit_new",
        "residence_permit_new",
        "social_insurance",
        "professional_title",
        "e_social_security_card",
    ]
    assert check_answers(items, "worker", _answers(), today=TODAY) == {}


def test_check_answers_reports_missing_and_invalid_fields_and_ignores_missing_optional_ones():
    answers = _answers()
    del answers["surname"], answers["family_members"]
    answers["contract_end"] = "2026-12-01"
    problems = check_answers(["work_permit_new"], "hr", answers, today=TODAY)
    assert {key: p.error for key, p in problems.items()} == {
        "surname": "missing",
        "contract_end": "contract_end_before_start",
    }
    assert problems["surname"].message("en") == "Surname: this answer is still missing. For example: Schmidt."


# --- carry-over from the eligibility check ------------------------------------------------------------------------
def test_eligibility_answers_are_carried_over_as_valid_field_values():
    slots = {
        "age": 34,
        "nationality": "DE",
        "highest_degree": "master",
        "relevant_experience_years": 6.0,
        "annual_salary_cny": 300000.0,
        "in_china": True,
        "application_type": "new",
    }
    assert carry_over(slots, today=TODAY) == {
        "nationality": "DE",
        "highest_degree": "master",
        "relevant_experience_years": 6,
        "annual_salary_cny": 300000,
    }


def test_eligibility_answers_invalid_here_are_not_carried_over():
    assert carry_over({"nationality": "XX", "highest_degree": "skipped", "annual_salary_cny": 500}) == {}


# --- natural answers that were refused (issue 12) -----------------------------------------------
@pytest.mark.parametrize(
    "key, text, value",
    [
        ("date_of_entry", "yesterday", "2026-11-22"),
        ("date_of_entry", "I came in 3 days ago", "2026-11-20"),
        ("date_of_entry", "上个月20号", "2026-10-20"),
        ("date_of_entry", "昨天入境的", "2026-11-22"),
        ("date_of_birth", "88年5月3号", "1988-05-03"),
        ("date_of_birth", "may 12 88", "1988-05-12"),
        ("family_members", "没有家属随行", []),
        ("family_members", "nobody is coming with me", []),
        ("family_members", "I'm coming alone", []),
        ("family_members", "就我一个人", []),
    ],
)
def test_natural_answers_that_were_refused_are_understood(key: str, text: str, value: Any):
    result = parse(key, text)
    assert result.ok and result.value == value, result


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_not_entered_yet_is_understood_and_explained(lang: str):
    result = parse("date_of_entry", "还在韩国，没入境")
    assert result.error == "date_not_yet"
    assert ("30" in result.message(lang)) and (
        "stop" in result.message(lang) or "暂停" in result.message(lang)
    )
    # only the date of entry can be "not yet": a date of birth is still a wrong answer
    assert parse("date_of_birth", "not in China yet").error == "date_format"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_help_text_assumes_a_flow_the_user_may_not_have_run(lang: str):
    for key, spec in CAT.fields.items():
        said = spec.help(lang)
        assert "eligibility check" not in said.lower() and "条件评估" not in said, key
