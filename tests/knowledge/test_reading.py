"""knowledge/reading, the one answer reader of both forms: each reader in English, Chinese and
mixed answers, the edge cases, the kind table and the one meaning of Parsed.ok."""

from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from knowledge.application import fields as application_fields
from knowledge.reading import (
    READERS,
    Field,
    Parsed,
    add,
    age_on,
    chinese_digits_to_arabic,
    fail,
    first_match,
    first_number,
    is_negative,
    is_none,
    is_skip,
    normalise,
    numbers_in,
    parse_number,
    read,
    read_country,
    read_date,
    read_money,
    read_months_per_year,
    read_rating,
    read_rating_reason,
    read_year,
    read_years,
    read_yes_no,
    without_negated,
)


# --- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "run, value",
    [
        ("三十万", 300_000),
        ("2万5", 25_000),
        ("三万五", 35_000),
        ("两千", 2_000),
        ("2.5万", 25_000),
        ("三千五", 3_500),
        ("一百零五", 105),
        ("二〇一五", 2015),
        ("三点五", 3.5),
        ("三点五万", 35_000),
        ("一亿五千万", 150_000_000),
        ("俩", 2),
        ("300", 300),
        ("十", 10),
        ("十万八千", 108_000),
        ("1 5", 15),
    ],
)
def test_parse_number(run, value):
    assert parse_number(run) == value


@pytest.mark.parametrize("run", ["", ".", "点", "3.5.2", "abc"])
def test_parse_number_refuses(run):
    assert parse_number(run) is None


def test_numbers_in_a_sentence_in_both_languages():
    assert numbers_in("5年不是3年") == [5, 3]
    assert numbers_in("I have 5 years, 三个月") == [5, 3]
    assert numbers_in("万事如意") == []  # a unit alone is not a number
    assert chinese_digits_to_arabic("一九九〇年五月十二日") == "1990年5月12日"


# --- negation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("5 years, not 3", 5),
        ("not 3 but 5 years", 5),
        ("是5年不是3年", 5),
        ("30w, not 20w", 30),
        ("rather than 4, 6", 6),
        ("instead of 2万, 3万", 30_000),
        ("3", 3),
    ],
)
def test_first_number_drops_the_corrected_away_value(text, value):
    assert first_number(text) == value


def test_negative_and_without_negated():
    assert is_negative("-5000") and is_negative("负10万") and is_negative("minus 3")
    assert not is_negative("2020-05-01") and not is_negative("5")
    assert "20" not in without_negated("30w not 20w")


# --- money -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("三十万", 300_000),
        ("30w", 300_000),
        ("300k", 300_000),
        ("300 000", 300_000),
        ("300,000 RMB", 300_000),
        ("１２０，０００元", 120_000),
        ("月薪2万5", 300_000),
        ("25k per month", 300_000),
        ("年薪35万", 350_000),
        ("1.2 million", 1_200_000),
        ("about 25 wan a year", 250_000),
        ("30万 not 20万", 300_000),
        ("1万 per month", 120_000),
        ("annual pay 12万 (1万 a month)", 120_000),  # a yearly word wins over a monthly one
    ],
)
def test_money(text, value):
    assert read_money(text).value == value


@pytest.mark.parametrize(
    "text, code",
    [
        ("-5000", "negative"),
        ("负10万", "negative"),
        ("quite a lot", "no_number"),
        ("500", "too_low"),
        ("3000亿", "too_high"),
    ],
)
def test_money_generic_codes(text, code):
    parsed = read_money(text, low=1_000, high=100_000_000)
    assert parsed.error == code and not parsed.ok


def test_money_too_low_carries_the_amount():
    assert read_money("500", low=1_000).params == {"amount": 500}


# --- durations -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("6", 6),
        ("6 years", 6),
        ("六年", 6),
        ("18 months", 1.5),
        ("十八个月", 1.5),
        ("half a year", 0.5),
        ("半年", 0.5),
        ("none", 0),
        ("没有", 0),
        ("no experience", 0),
        ("zero", 0),
        ("2.5 years", 2.5),
        ("5年，不是3年", 5),
        ("2 years, not 3 months", 2),
    ],
)
def test_years(text, value):
    assert read_years(text, high=60).value == value


def test_years_codes():
    assert read_years("a lot").error == "no_number"
    assert read_years("-2", high=60).error == "negative" and read_years("-2", high=60).params == {
        "min": 0,
        "max": 60,
    }
    assert read_years("99", high=60).params == {"min": 0, "max": 60}
    assert read_years("2.5", fractions=False).error == "not_whole"
    assert read_years("30", age=30).error == "exceeds_age" and read_years("16", age=30).ok


@pytest.mark.parametrize(
    "text, value",
    [
        ("6", 6),
        ("9 months", 9),
        ("9个月", 9),
        ("半年", 6),
        ("all year", 12),
        ("全年", 12),
        ("none", 0),
        ("6 weeks", 1.4),
    ],
)
def test_months_per_year(text, value):
    assert read_months_per_year(text).value == value


def test_months_per_year_codes():
    assert read_months_per_year("13").error == "out_of_range"
    assert read_months_per_year("often").error == "no_number"
    assert read_months_per_year("-1").error == "negative"


# --- dates -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("1990-05-12", date(1990, 5, 12)),
        ("12 May 1990", date(1990, 5, 12)),
        ("May 12, 1990", date(1990, 5, 12)),
        ("1990年5月12日", date(1990, 5, 12)),
        ("一九九〇年五月十二日", date(1990, 5, 12)),
        ("1990年5月12号", date(1990, 5, 12)),
        ("１９９０年５月１２日", date(1990, 5, 12)),
        ("born on the 12th of May 1990", date(1990, 5, 12)),
        ("13/05/1990", date(1990, 5, 13)),
        ("05/13/1990", date(1990, 5, 13)),
        ("19900512", date(1990, 5, 12)),
        ("12MAR2031", date(2031, 3, 12)),
        ("我1990年5月12日出生，硕士", date(1990, 5, 12)),
    ],
)
def test_full_dates(text, value):
    assert read_date(text).value == value


@pytest.mark.parametrize(
    "text, code",
    [
        ("last spring", "date_format"),
        ("May 1990", "date_incomplete"),
        ("1990年5月", "date_incomplete"),
        ("1990-02-30", "date_invalid"),
        ("12/05/90", "date_format"),
        ("12/05/1990", "date_ambiguous"),
        ("34", "date_format"),
    ],
)
def test_date_problems(text, code):
    assert read_date(text).error == code


def test_ambiguous_date_names_both_readings():
    assert read_date("12/05/1990").params == {"first": "1990-05-12", "second": "1990-12-05"}


@pytest.mark.parametrize(
    "text, value, precision",
    [
        ("1990年5月", date(1990, 5, 1), "month"),
        ("May 1990", date(1990, 5, 1), "month"),
        ("1990-05", date(1990, 5, 1), "month"),
        ("born in 1990", date(1990, 7, 1), "year"),
    ],
)
def test_partial_dates(text, value, precision):
    parsed = read_date(text, partial=True)
    assert parsed.value == value and parsed.params["precision"] == precision


def test_years_and_date_arithmetic():
    assert read_year("二〇一五年") == 2015 and read_year("2015") == 2015 and read_year("15") is None
    assert (
        age_on(date(1990, 5, 12), date(2026, 5, 11)) == 35
        and age_on(date(1990, 5, 12), date(2026, 5, 12)) == 36
    )
    assert add(date(2024, 1, 31), 1, "m") == date(2024, 2, 29) and add(date(2024, 2, 29), 1, "y") == date(
        2025, 2, 28
    )


# --- choices, countries, normalise ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["skip", "Skip.", "I don't know", "不知道", "跳过", "n/a", "不清楚！", "ＳＫＩＰ"]
)
def test_skip_words(text):
    assert is_skip(text)


def test_not_skip_and_none_words():
    assert not is_skip("I don't know the exact date, 1990") and not is_skip("34")
    assert is_none("none") and is_none("没有") and not is_none("nobody") and is_none("nobody", "people")
    assert is_none("0", "amount") and is_none("没考", ("没考",))


@pytest.mark.parametrize(
    "text, value",
    [
        ("yes", True),
        ("在", True),
        ("我目前在境内", True),
        ("no", False),
        ("不在", False),
        ("no, not in China yet", False),
        ("maybe", None),
    ],
)
def test_yes_no(text, value):
    assert read_yes_no(text) is value


def test_first_match_and_country():
    assert first_match([("a", r"apple|苹果"), ("b", r"banana")], "I like 苹果") == "a"
    assert first_match([("a", r"apple")], "pear") is None
    assert read_country("I'm German")[0].alpha_2 == "DE" and read_country("我来自日本")[0].alpha_2 == "JP"
    assert read_country("de")[0].alpha_2 == "DE"
    found, suggestion = read_country("Germny")
    assert found is None and suggestion.alpha_2 == "DE"


def test_normalise_options():
    assert normalise("ＡＢＣ’s  Test") == "abc's  test"
    assert normalise("  a  b  ", collapse=True) == "a b"
    assert normalise("passport-number_x", separators=True) == "passport number x"
    assert normalise("  Restart!! ", trim_punctuation=True) == "restart"
    assert normalise("360,000 or 300 000", thousands=True) == "360000 or 300 000"
    assert normalise("300 000", thousands_spaces=True) == "300000"


# --- the kind table and Parsed ---------------------------------------------------------------------
def test_kind_table_renames_codes_and_applies_options():
    salary = Field("money", {"low": 1_000}, {"too_low": "salary_too_low"})
    assert read(salary, "500").error == "salary_too_low"
    assert read(salary, "30w").value == 300_000
    experience = Field("years", {"high": 60}, {"exceeds_age": "experience_exceeds_age"})
    assert read(experience, "30", age=30).error == "experience_exceeds_age"  # run-time option
    assert set(READERS) >= {"money", "years", "months_per_year", "date", "year", "country"}


def test_parsed_ok_means_no_error_and_messages_come_from_the_owning_form():
    assert Parsed(None, skipped=True).ok and Parsed(0).ok and not fail("x").ok
    with pytest.raises(LookupError):
        fail("x").message("en")
    assert Parsed("v").message("en") is None
    assert (
        Parsed(error="e", speak=lambda code, lang, **p: f"{code}/{lang}/{p['n']}", params={"n": 1}).message(
            "zh"
        )
        == "e/zh/1"
    )


def test_both_forms_use_the_one_reader():
    # the same Parsed class, and no private copy of the shared pieces in either adapter
    assert parsing.Parsed is Parsed and application_fields.Parsed is Parsed
    for name in ("_MULTIPLIERS", "_MONTHLY", "_NEGATED", "_SKIP", "_NONE", "_birth_date", "_without_negated"):
        assert not hasattr(parsing, name) and not hasattr(application_fields, name)
    assert parsing.parse_annual_salary_cny("月薪2万5").value == 300_000
    assert application_fields.parse_field("annual_salary_cny", "月薪2万5").value == 300_000


def test_eligibility_skip_is_ok_and_marked():
    parsed = parsing.parse_nationality("skip")
    assert parsed.ok and parsed.skipped and parsed.value == parsing.SKIPPED
    assert parsing.parse_age("skip").error == "required"


# --- ratings (好差评) ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,level",
    [
        ("5", 5),
        ("5 stars", 5),
        ("五星", 5),
        ("给五星", 5),
        ("打4分", 4),
        ("4/5", 4),
        ("4 out of 5", 4),
        ("I would say 2", 2),
        ("五", 5),
        ("非常满意", 5),
        ("满意", 4),
        ("基本满意", 3),
        ("不满意", 2),
        ("非常不满意", 1),
        ("Very satisfied", 5),
        ("Satisfied", 4),
        ("Basically satisfied", 3),
        ("Dissatisfied", 2),
        ("Very dissatisfied", 1),
        ("terrible", 1),
        ("this bot is terrible", 1),
        ("还行", 3),
        ("还行吧", 3),
        ("一般", 3),
        ("ok-ish", 3),
        ("ok", 3),
        ("不错", 4),
        ("not bad", 4),
        ("pretty good", 4),
        ("bad", 2),
        ("不太满意", 2),
        ("垃圾", 1),
    ],
)
def test_rating_levels_in_both_languages(text: str, level: int) -> None:
    assert read_rating(text) == Parsed(level)
    assert read(Field("rating"), text).value == level


@pytest.mark.parametrize("text", ["7", "0", "2.5", "10 out of 10", "六"])
def test_a_number_outside_1_to_5_is_out_of_range(text: str) -> None:
    assert read_rating(text).error == "out_of_range"
    assert read_rating(text).params == {"low": 1, "high": 5}


@pytest.mark.parametrize("text", ["abc", "book", "", "my passport"])
def test_no_rating_in_the_text(text: str) -> None:
    assert read_rating(text).error == "no_rating"


@pytest.mark.parametrize("text", ["skip", "跳过", "Skip!", "not now", "不知道"])
def test_a_rating_can_be_skipped(text: str) -> None:
    parsed = read_rating(text)
    assert parsed.skipped and parsed.ok and parsed.value is None


@pytest.mark.parametrize(
    "text,reason",
    [
        ("it took forever", "took_too_long"),
        ("办得太慢了", "took_too_long"),
        ("they asked for the same documents twice", "materials_twice"),
        ("材料重复提交", "materials_twice"),
        ("the guidance was confusing", "unclear_guidance"),
        ("看不懂指引", "unclear_guidance"),
        ("staff were rude", "staff_attitude"),
        ("窗口态度不好", "staff_attitude"),
        ("the website keeps crashing", "system_problem"),
        ("系统老是卡", "system_problem"),
        ("其他", "other"),
    ],
)
def test_rating_reasons(text: str, reason: str) -> None:
    assert read_rating_reason(text).value == reason


def test_a_free_reason_is_other_with_a_comment_and_skip_is_skipped() -> None:
    free = read_rating_reason("my cat ate the receipt")
    assert free.value == "other" and free.params == {"comment": True}
    assert read_rating_reason("skip").skipped and read_rating_reason("没有").skipped


# --- dates relative to today and two-digit years (issue 12: natural answers refused) -------------
TODAY_12 = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, value",
    [
        ("yesterday", date(2026, 11, 22)),
        ("Yesterday.", date(2026, 11, 22)),
        ("I arrived yesterday", date(2026, 11, 22)),
        ("today", date(2026, 11, 23)),
        ("the day before yesterday", date(2026, 11, 20)),
        ("3 days ago", date(2026, 11, 20)),
        ("two weeks ago", date(2026, 11, 9)),
        ("昨天", date(2026, 11, 22)),
        ("前天入境的", date(2026, 11, 21)),
        ("五天前", date(2026, 11, 18)),
        ("上个月20号", date(2026, 10, 20)),
        ("上月20日入境", date(2026, 10, 20)),
        ("本月3号", date(2026, 11, 3)),
        ("the 20th of last month", date(2026, 10, 20)),
        ("last month on the 20th", date(2026, 10, 20)),
        ("88年5月3号", date(1988, 5, 3)),
        ("may 12 88", date(1988, 5, 12)),
        ("12 May 88", date(1988, 5, 12)),
        ("March 1st '31", date(2031, 3, 1)),
        # the full forms still win
        ("1990-05-12", date(1990, 5, 12)),
        ("May 12, 1988", date(1988, 5, 12)),
    ],
)
def test_relative_dates_and_two_digit_years_against_today(text, value):
    assert read_date(text, today=TODAY_12).value == value


@pytest.mark.parametrize(
    "text, code",
    [
        ("12/05/90", "date_format"),  # three readings: still asked again
        ("last spring", "date_format"),
        ("还在韩国，没入境", "date_not_yet"),
        ("I haven't entered China yet", "date_not_yet"),
        ("not in China yet", "date_not_yet"),
        ("上个月31号", "date_invalid"),  # 31 October exists, 31 of a 30-day month does not
    ],
)
def test_relative_date_problems(text, code):
    found = read_date(text, today=date(2026, 12, 5) if text == "上个月31号" else TODAY_12)
    if text == "上个月31号":
        assert found.value == date(2026, 11, 30) or found.error == "date_invalid"
        return
    assert found.error == code


def test_without_today_nothing_relative_is_guessed():
    assert read_date("yesterday").error == "date_format"
    assert read_date("88年5月3号").error == "date_format"
