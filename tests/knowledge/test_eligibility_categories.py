"""Golden cases for every category route, the basic conditions and the input checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from knowledge.eligibility import DEFAULT_KNOWLEDGE_DIR, InvalidInput, assess, load_data, read_regions
from knowledge.eligibility.conditions import add_months

TODAY = date(2026, 11, 23)
DATA = load_data()
REGIONS = read_regions(DEFAULT_KNOWLEDGE_DIR / "regions")
# A region whose average wage is known, so the 6x / 4x salary routes can be decided.
WAGE_REGIONS = {
    **REGIONS,
    "testland": {"name": {"en": "Testland", "zh": "测试市"}, "average_annual_wage_cny": 100_000},
}
BASE: dict[str, Any] = {
    "age": 30,
    "highest_degree": "bachelor",
    "relevant_experience_years": 3,
    "annual_salary_cny": 200000,
    "months_in_china_per_year": 12,
    "hsk_level": 0,
}
# Fewer than 60 points and no B route: bachelor's route fails on experience.
LOW = {
    "age": 24,
    "highest_degree": "below_bachelor",
    "relevant_experience_years": 1,
    "annual_salary_cny": 60_000,
    "months_in_china_per_year": 3,
    "hsk_level": 0,
}


def run(regions_: dict[str, Any] | None = None, default_region_: str = "fujian", **answers: Any):
    return assess(
        {**BASE, **answers},
        data=DATA,
        today=TODAY,
        regions=regions_ or REGIONS,
        default_region=default_region_,
    )


def route(result, route_id: str) -> str:
    return next(r.status for r in result.category.routes if r.id == route_id)


def condition(result, condition_id: str) -> str:
    return next(c.status for c in result.conditions if c.id == condition_id)


# --- Category A -------------------------------------------------------------------------------
def test_talent_programme_is_category_a_whatever_the_points() -> None:
    result = run(**LOW, talent_programme=True)
    assert result.points.total < 60
    assert result.category.code == "A"
    assert result.category.met_routes == ("a_talent_programme",)


def test_85_points_is_category_a() -> None:
    # salary 20 + doctorate 20 + experience 17y 20 + months 15 + age 15 = 90
    result = run(age=35, highest_degree="doctorate", relevant_experience_years=17, annual_salary_cny=450_000)
    assert result.points.total == 90
    assert result.category.code == "A"
    assert route(result, "a_points") == "met"


def test_exactly_85_points_is_a_and_84_is_b() -> None:
    # 17 + 20 + 13 + 15 + 5 + 0 + 15 = 85
    answers = dict(
        age=35,
        highest_degree="doctorate",
        relevant_experience_years=10,
        annual_salary_cny=350_000,
        hsk_level=5,
    )
    assert run(**answers).points.total == 85
    assert run(**answers).category.code == "A"
    lower = run(**{**answers, "hsk_level": 4})
    assert lower.points.total == 84
    assert lower.category.code == "B"
    assert route(lower, "a_points") == "unmet"


def test_salary_of_6x_the_average_wage_is_category_a() -> None:
    result = run(WAGE_REGIONS, "testland", **{**LOW, "annual_salary_cny": 600_000})
    assert route(result, "a_salary") == "met"
    assert result.category.code == "A"
    text = DATA.messages.render(result.category.routes[1].reasons[0], "en")
    assert text == (
        "Your annual salary of CNY 600,000 is at least 6 times the local average annual wage of "
        "CNY 100,000 (that is, CNY 600,000), which qualifies for Category A."
    )


def test_salary_just_under_6x_is_not_a_but_4x_makes_it_b() -> None:
    result = run(WAGE_REGIONS, "testland", **{**LOW, "annual_salary_cny": 599_999})
    assert route(result, "a_salary") == "unmet"
    assert route(result, "b_salary") == "met"
    assert result.category.code == "B"


def test_salary_routes_are_unknown_while_the_region_has_no_average_wage() -> None:
    assert REGIONS["fujian"]["average_annual_wage_cny"] is None
    result = run(**{**LOW, "annual_salary_cny": 5_000_000})
    assert route(result, "a_salary") == "unknown"
    assert route(result, "b_salary") == "unknown"
    assert result.category.possibly_higher == "A"
    assert result.uncertain
    zh = DATA.messages.render(result.category.routes[1].reasons[0], "zh")
    assert zh.startswith("福建省的当地上年度平均工资尚未录入")
    assert result.to_json("en")["category"]["possibly_higher_text"].startswith(
        "You may still qualify for Category A"
    )


# --- Category B -------------------------------------------------------------------------------
def test_bachelor_with_two_years_and_age_60_or_under_is_b_even_below_60_points() -> None:
    result = run(
        age=30,
        highest_degree="bachelor",
        relevant_experience_years=2,
        annual_salary_cny=100_000,
        months_in_china_per_year=12,
    )
    assert result.points.total == 53
    assert result.category.code == "B"
    assert result.category.met_routes == ("b_degree_experience",)


def test_bachelor_route_needs_two_years_and_age_60_or_under() -> None:
    one_year = run(**{**LOW, "highest_degree": "bachelor", "relevant_experience_years": 1.9})
    assert route(one_year, "b_degree_experience") == "unmet"
    older = run(**{**LOW, "highest_degree": "bachelor", "age": 61, "relevant_experience_years": 30})
    assert route(older, "b_degree_experience") == "unmet"
    reasons = [
        DATA.messages.render(t, "en")
        for r in older.category.routes
        if r.id == "b_degree_experience"
        for t in r.reasons
    ]
    assert reasons == ["This route is in principle for applicants aged 60 or under; you are 61."]


def test_master_from_a_chinese_university_is_b_without_experience() -> None:
    result = run(
        **{**LOW, "highest_degree": "master", "relevant_experience_years": 0},
        degree_from_chinese_university=True,
    )
    assert result.points.total < 60
    assert result.category.code == "B"
    assert route(result, "b_master") == "met"


def test_master_from_a_top_overseas_university_is_b() -> None:
    result = run(
        **{**LOW, "highest_degree": "master", "relevant_experience_years": 0},
        extras=["top_overseas_university"],
    )
    assert route(result, "b_master") == "met"
    assert result.category.code == "B"


def test_master_of_unknown_origin_is_c_with_b_possible() -> None:
    result = run(**{**LOW, "highest_degree": "master", "relevant_experience_years": 0})
    assert route(result, "b_master") == "unknown"
    assert result.category.code == "C"
    assert result.category.possibly_higher == "A"  # the A salary route is unknown too (no wage)
    known_wage = run(
        WAGE_REGIONS, "testland", **{**LOW, "highest_degree": "master", "relevant_experience_years": 0}
    )
    assert known_wage.category.possibly_higher == "B"


def test_master_from_an_ordinary_overseas_university_does_not_use_the_master_route() -> None:
    result = run(
        **{**LOW, "highest_degree": "master", "relevant_experience_years": 0},
        degree_from_chinese_university=False,
    )
    assert route(result, "b_master") == "unmet"


@pytest.mark.parametrize(
    "extra",
    [
        {"teaching_experience_years": 2},
        {"teaching_qualification": "education_or_language_degree"},
        {"teaching_qualification": "home_teaching_certificate"},
        {"teaching_qualification": "tefl_120_hours"},
    ],
)
def test_native_language_teachers_with_a_bachelor_are_b(extra: dict[str, Any]) -> None:
    result = run(**{**LOW, "highest_degree": "bachelor"}, teaches_native_language=True, **extra)
    assert route(result, "b_language_teacher") == "met"
    assert result.category.code == "B"


def test_native_language_teachers_need_a_bachelor_and_experience_or_a_qualification() -> None:
    no_degree = run(**LOW, teaches_native_language=True, teaching_experience_years=5)
    assert route(no_degree, "b_language_teacher") == "unmet"
    short = run(
        **{**LOW, "highest_degree": "bachelor"}, teaches_native_language=True, teaching_experience_years=1
    )
    assert route(short, "b_language_teacher") == "unmet"
    assert short.category.code == "C"


def test_exactly_60_points_is_b_and_59_is_c() -> None:
    # 11 + 0 + 15 + 15 + 4 + 0 + 15 = 60, and no B route other than points
    answers = dict(
        age=30,
        highest_degree="below_bachelor",
        relevant_experience_years=12,
        annual_salary_cny=150_000,
        hsk_level=4,
    )
    sixty = run(**answers)
    assert sixty.points.total == 60
    assert sixty.category.code == "B"
    assert sixty.category.met_routes == ("b_points",)
    fifty_nine = run(**{**answers, "hsk_level": 3})
    assert fifty_nine.points.total == 59
    assert fifty_nine.category.code == "C"


def test_nothing_met_is_category_c() -> None:
    result = run(WAGE_REGIONS, "testland", **LOW)
    assert result.category.code == "C"
    assert result.category.possibly_higher is None
    assert all(r.status == "unmet" for r in result.category.routes)


# --- basic conditions -------------------------------------------------------------------------
def test_under_18_is_an_unmet_condition() -> None:
    result = run(age=17, relevant_experience_years=0)
    assert condition(result, "age_minimum") == "unmet"
    assert condition(run(age=18, relevant_experience_years=0), "age_minimum") == "met"


def test_category_b_over_60_is_flagged_and_a_has_no_age_limit() -> None:
    older_b = run(age=61, highest_degree="master", relevant_experience_years=30, annual_salary_cny=450_000)
    assert older_b.category.code == "B"
    assert condition(older_b, "age_limit") == "unmet"
    text = next(c.text for c in older_b.conditions if c.id == "age_limit")
    assert "guarantee letter" in DATA.messages.render(text, "en")
    older_a = run(age=70, relevant_experience_years=30, talent_programme=True)
    assert condition(older_a, "age_limit") == "met"
    assert condition(older_a, "degree_experience") == "met"


def test_b_by_another_route_does_not_need_degree_and_experience() -> None:
    result = run(
        **{**LOW, "highest_degree": "master", "relevant_experience_years": 0},
        degree_from_chinese_university=True,
    )
    text = next(c.text for c in result.conditions if c.id == "degree_experience")
    assert text.key == "cond.degree_experience.B.met_other_route"


@pytest.mark.parametrize(
    "issued, status",
    [
        (date(2026, 5, 23), "met"),  # exactly 6 months old today
        (date(2026, 5, 22), "unmet"),  # one day more
        (date(2026, 11, 1), "met"),
    ],
)
def test_certificates_are_valid_6_months(issued: date, status: str) -> None:
    result = run(
        criminal_record_certificate_date=issued.isoformat(), medical_certificate_date=issued.isoformat()
    )
    assert condition(result, "criminal_record") == status
    assert condition(result, "medical_certificate") == status


def test_certificates_without_a_date_are_unknown_and_say_what_is_needed() -> None:
    result = run()
    assert condition(result, "criminal_record") == "unknown"
    text = next(c.text for c in result.conditions if c.id == "criminal_record")
    assert DATA.messages.render(text, "zh") == "申请时无犯罪记录证明须为6个月内出具。"


@pytest.mark.parametrize(
    "expiry, status",
    [
        (date(2027, 5, 23), "met"),
        (date(2027, 5, 22), "unmet"),
        (date(2026, 1, 1), "unmet"),
    ],
)
def test_passport_needs_6_months_of_validity(expiry: date, status: str) -> None:
    assert condition(run(passport_expiry=expiry.isoformat()), "passport") == status


def test_application_date_moves_the_validity_checks() -> None:
    result = run(passport_expiry="2027-05-23", application_date="2026-12-01")
    assert condition(result, "passport") == "unmet"


def test_chinese_citizens_and_hong_kong_residents_are_flagged() -> None:
    assert condition(run(nationality="CN"), "foreign_national") == "unmet"
    assert condition(run(nationality="香港"), "foreign_national") == "unknown"
    assert all(c.id != "foreign_national" for c in run(nationality="DE").conditions)


def test_add_months_keeps_the_day_or_uses_the_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 5, 23), 6) == date(2026, 11, 23)


# --- input checks -----------------------------------------------------------------------------
def errors(**answers: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        run(**answers)
    return {e.field: e.code for e in caught.value.errors}


@pytest.mark.parametrize("age", [7, 15, 101, 200, -1, 30.5, "thirty", True])
def test_impossible_ages_are_refused(age: Any) -> None:
    assert errors(age=age) == {"age": "elig_age"}


def test_salary_must_be_a_plausible_non_negative_number() -> None:
    assert errors(annual_salary_cny=-1) == {"annual_salary_cny": "elig_salary_negative"}
    assert errors(annual_salary_cny=1e12) == {"annual_salary_cny": "elig_salary_too_high"}
    assert errors(annual_salary_cny="30w") == {"annual_salary_cny": "elig_salary"}
    assert errors(annual_salary_cny=float("nan")) == {"annual_salary_cny": "elig_salary"}


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        assess(
            {"age": 200, "annual_salary_cny": -5, "nationality": "Atlantis", "hsk_level": 9, "colour": "red"},
            data=DATA,
            today=TODAY,
            regions=REGIONS,
        )
    found = {e.field: e.code for e in caught.value.errors}
    assert found == {
        "colour": "elig_unknown_field",
        "age": "elig_age",
        "highest_degree": "elig_required",
        "relevant_experience_years": "elig_required",
        "annual_salary_cny": "elig_salary_negative",
        "months_in_china_per_year": "elig_required",
        "hsk_level": "elig_hsk",
        "nationality": "elig_nationality_unknown",
    }


def test_unknown_country_with_a_close_name_gets_a_suggestion() -> None:
    with pytest.raises(InvalidInput) as caught:
        run(nationality="Germny")
    error = caught.value.errors[0]
    assert error.code == "elig_nationality_suggest"
    assert error.params["suggestion"].alpha_2 == "DE"


def test_experience_cannot_exceed_the_working_life() -> None:
    assert errors(age=20, relevant_experience_years=10) == {
        "relevant_experience_years": "elig_experience_exceeds_age"
    }


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("highest_degree", "phd", "elig_highest_degree"),
        ("months_in_china_per_year", 13, "elig_months"),
        ("hsk_level", 2.5, "elig_hsk"),
        ("former_chinese_national", "yes", "elig_boolean"),
        ("work_location", "tibet", "elig_work_location"),
        ("extras", ["nobel_prize"], "elig_extras"),
        ("local_bonus", -1, "elig_local_bonus"),
        ("items", ["visa"], "elig_items"),
        ("items", ["residence_permit_cancellation"], "elig_item_type"),
        ("application_type", "renewal", "elig_application_type"),
        ("region", "mars", "elig_region"),
        ("points_table", "2030", "elig_points_table"),
        ("passport_expiry", "31/12/2027", "elig_date"),
        ("criminal_record_certificate_date", "2030-01-01", "elig_date_future"),
    ],
)
def test_each_field_is_checked(field: str, value: Any, code: str) -> None:
    assert errors(**{field: value}) == {field: code}


@pytest.mark.parametrize(
    "value", ["DE", "de", "DEU", "Germany", "germany", "德国", "德國", "Federal Republic of Germany"]
)
def test_nationality_accepts_codes_and_english_or_chinese_names(value: str) -> None:
    result = run(nationality=value)
    assert result.applicant.nationality.alpha_2 == "DE"
    assert result.social.has_agreement


def test_answers_are_echoed_normalised_for_the_application() -> None:
    result = run(
        nationality="德国",
        items=["work_permit_extension", "residence_permit"],
        application_type="extension",
        extras=["patent", "patent"],
    )
    answers = result.to_json("en")["answers"]
    assert answers["nationality"] == "DE"
    assert answers["items"] == ["work_permit", "residence_permit"]
    assert answers["extras"] == ["patent"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_b_result_below_60_points_is_not_told_the_points_to_reach_b(lang: str) -> None:
    """Issue 12: "再得11分即可达到B类" appeared on a result that is already B (by another route)."""
    result = run(
        age=30,
        highest_degree="bachelor",
        relevant_experience_years=2,
        annual_salary_cny=100_000,
        months_in_china_per_year=12,
    )
    assert result.category.code == "B" and result.points.total < 60
    said = "\n".join(result.to_json(lang)["points"]["improvements"])
    assert "Category B" not in said and "B类" not in said
    assert ("Category A" in said) or ("A类" in said)  # the next category up is still named
