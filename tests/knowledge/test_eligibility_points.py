"""Points tables (knowledge/points/): every band edge, the caps, and the data checks.

Band rule: lower bound inclusive, upper bound exclusive (350,000 CNY is in the 35-45 band).
The explicit tables below pin the interim (暂行版) values from policy-facts.md; the
data-driven test checks the rule at every edge of every table file.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.eligibility import DEFAULT_KNOWLEDGE_DIR, DataError, load_data, parse_applicant, read_data
from knowledge.eligibility.points import improvements, score

TODAY = date(2026, 11, 23)
DATA = load_data()
INTERIM = DATA.table("interim")
TRIAL = DATA.table("trial")
BASE: dict[str, Any] = {
    "age": 30,
    "highest_degree": "bachelor",
    "relevant_experience_years": 3,
    "annual_salary_cny": 200000,
    "months_in_china_per_year": 12,
    "hsk_level": 0,
}


def points(table=INTERIM, **answers: Any) -> dict[str, int]:
    applicant = parse_applicant({**BASE, **answers}, today=TODAY)
    result = score(applicant, table)
    assert result.total == sum(result.breakdown.values())
    return result.breakdown


def test_interim_is_the_active_table() -> None:
    assert DATA.active_table == "interim"
    assert DATA.table().id == "interim"
    assert INTERIM.thresholds == {"A": 85, "B": 60}


@pytest.mark.parametrize(
    "salary, expected",
    [
        (0, 0),
        (49_999, 0),
        (49_999.99, 0),
        (50_000, 5),
        (69_999, 5),
        (70_000, 8),
        (149_999, 8),
        (150_000, 11),
        (249_999, 11),
        (250_000, 14),
        (349_999, 14),
        (349_999.99, 14),
        (350_000, 17),
        (449_999, 17),
        (450_000, 20),
        (450_001, 20),
        (10_000_000, 20),
    ],
)
def test_salary_bands_include_the_lower_bound(salary: float, expected: int) -> None:
    assert points(annual_salary_cny=salary)["salary"] == expected


def test_salary_of_exactly_350000_is_in_the_35_to_45_band_and_scores_17() -> None:
    assert points(annual_salary_cny=350_000)["salary"] == 17


@pytest.mark.parametrize(
    "months, expected",
    [
        (0, 0),
        (2.9, 0),
        (3, 5),
        (5.9, 5),
        (6, 10),
        (8.99, 10),
        (9, 15),
        (12, 15),
    ],
)
def test_months_in_china_bands(months: float, expected: int) -> None:
    assert points(months_in_china_per_year=months)["months_in_china"] == expected


def test_exactly_six_months_a_year_in_china_scores_10() -> None:
    assert points(months_in_china_per_year=6)["months_in_china"] == 10


@pytest.mark.parametrize(
    "age, expected",
    [
        (16, 0),
        (17, 0),
        (18, 10),
        (25, 10),
        (26, 15),
        (45, 15),
        (46, 10),
        (55, 10),
        (56, 5),
        (60, 5),
        (61, 0),
        (100, 0),
    ],
)
def test_age_bands(age: int, expected: int) -> None:
    assert points(age=age, relevant_experience_years=0)["age"] == expected


@pytest.mark.parametrize(
    "years, expected",
    [
        (0, 0),
        (1, 0),
        (1.99, 0),
        (2, 5),
        (2.9, 5),
        (3, 6),
        (4, 7),
        (10, 13),
        (16, 19),
        (17, 20),
        (17.5, 20),
        (18, 20),
        (40, 20),
    ],
)
def test_experience_is_5_for_2_years_plus_1_per_further_whole_year_capped_at_20(
    years: float, expected: int
) -> None:
    assert points(age=60, relevant_experience_years=years)["experience"] == expected


@pytest.mark.parametrize(
    "degree, expected",
    [
        ("doctorate", 20),
        ("master", 15),
        ("bachelor", 10),
        ("below_bachelor", 0),
    ],
)
def test_education(degree: str, expected: int) -> None:
    assert points(highest_degree=degree)["education"] == expected


@pytest.mark.parametrize("hsk, expected", [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 5)])
def test_chinese_by_hsk_level(hsk: int, expected: int) -> None:
    assert points(hsk_level=hsk)["chinese"] == expected


def test_former_chinese_nationals_and_chinese_taught_degrees_score_the_chinese_maximum() -> None:
    assert points(former_chinese_national=True)["chinese"] == 5
    assert points(chinese_taught_degree=True, highest_degree="bachelor")["chinese"] == 5
    assert points(chinese_taught_degree=True, highest_degree="doctorate", hsk_level=2)["chinese"] == 5


def test_a_chinese_taught_degree_counts_only_from_bachelor_up() -> None:
    assert points(chinese_taught_degree=True, highest_degree="below_bachelor", hsk_level=2)["chinese"] == 2


@pytest.mark.parametrize(
    "location, expected",
    [
        ("western", 10),
        ("northeast", 10),
        ("poverty_county", 10),
        ("other", 0),
    ],
)
def test_work_location(location: str, expected: int) -> None:
    assert points(work_location=location)["location"] == expected


@pytest.mark.parametrize(
    "extras, expected",
    [
        ([], 0),
        (["patent"], 5),
        (["patent", "fortune500"], 5),
        (["top_overseas_university", "fortune500", "patent", "five_years_in_china"], 5),
    ],
)
def test_extras_are_5_each_capped_at_5(extras: list[str], expected: int) -> None:
    assert points(extras=extras)["extras"] == expected


@pytest.mark.parametrize("bonus, expected", [(0, 0), (3, 3), (10, 10), (15, 10), (100, 10)])
def test_local_bonus_is_capped_at_10(bonus: float, expected: int) -> None:
    assert points(local_bonus=bonus)["local_bonus"] == expected


def test_the_maximum_is_120_points() -> None:
    best = points(
        age=35,
        highest_degree="doctorate",
        relevant_experience_years=17,
        annual_salary_cny=1_000_000,
        months_in_china_per_year=12,
        hsk_level=6,
        work_location="western",
        extras=["patent"],
        local_bonus=10,
    )
    assert sum(best.values()) == 120
    assert best == {key: INTERIM.factors[key].max for key in best}


def test_breakdown_has_the_nine_factors_in_api_order() -> None:
    assert list(points()) == [
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


@pytest.mark.parametrize("table_id", ["interim", "trial"])
def test_every_band_edge_of_every_table(table_id: str) -> None:
    """At each band's lower bound the band's points apply; just below it, the band underneath."""
    table = DATA.table(table_id)
    for key, factor in table.factors.items():
        for lower, upper in zip(factor.bands, factor.bands[1:], strict=False):
            assert factor.band_for(upper.low).points == upper.points, (table_id, key, upper.low)
            just_below = upper.low - (1 if factor.whole_numbers else 0.001)
            assert factor.band_for(just_below).points == lower.points, (table_id, key, just_below)


def test_trial_table_caps_experience_at_15_and_chinese_at_10() -> None:
    assert points(TRIAL, age=60, relevant_experience_years=40)["experience"] == 15
    assert points(TRIAL, age=60, relevant_experience_years=12)["experience"] == 15
    assert points(TRIAL, age=60, relevant_experience_years=11)["experience"] == 14
    assert [points(TRIAL, hsk_level=level)["chinese"] for level in range(7)] == [0, 2, 4, 6, 8, 10, 10]
    assert points(TRIAL, former_chinese_national=True)["chinese"] == 10
    assert TRIAL.uncertain is True


def test_improvements_name_the_next_band_and_the_gap() -> None:
    applicant = parse_applicant({**BASE, "annual_salary_cny": 350_000, "hsk_level": 3}, today=TODAY)
    result = score(applicant, INTERIM)
    texts = [DATA.messages.render(t, "en") for t in improvements(result)]
    assert result.total == 66  # 17 + 10 + 6 + 15 + 3 + 0 + 15
    assert texts[0] == "You need 19 more points to reach 85 points, the threshold for Category A."
    assert "An annual salary of CNY 450,000 or more would give 20 points for salary (3 more)." in texts
    assert "Reaching HSK level 4 would give 4 points for Chinese (1 more)." in texts


def test_salary_explanation_names_the_band_in_both_languages() -> None:
    applicant = parse_applicant({**BASE, "annual_salary_cny": 350_000}, today=TODAY)
    explanation = score(applicant, INTERIM).factors["salary"].explanation
    assert DATA.messages.render(explanation, "en") == (
        "An annual salary of CNY 350,000 is in the band from CNY 350,000 up to CNY 450,000 (not included), "
        "which gives 17 of 20 points."
    )
    assert (
        DATA.messages.render(explanation, "zh")
        == "年薪35万元属于35万元（含）至45万元（不含）档，得17分（满分20分）。"
    )


# --- the table is data: switching and refusing broken edits ------------------------------------
def _copy_knowledge(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    for name in ("points", "materials"):
        shutil.copytree(DEFAULT_KNOWLEDGE_DIR / name, root / name)
    shutil.copy(DEFAULT_KNOWLEDGE_DIR / "agreements.yml", root / "agreements.yml")
    return root


def test_switching_the_active_table_is_a_data_edit(tmp_path: Path) -> None:
    root = _copy_knowledge(tmp_path)
    (root / "points" / "active.yml").write_text("active: trial\n", encoding="utf-8")
    assert load_data(root).table().id == "trial"


def _edit_salary_bands(root: Path, bands: list[dict[str, Any]]) -> None:
    path = root / "points" / "interim.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["factors"]["salary"]["bands"] = bands
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "bands, problem",
    [
        (
            [
                {"from": 45, "points": 20},
                {"from": 35, "to": 44, "points": 17},
                {"from": 0, "to": 35, "points": 0},
            ],
            "bands must touch",
        ),
        ([{"from": 45, "points": 20}, {"from": 5, "to": 45, "points": 5}], "must start at 0"),
        ([{"from": 0, "to": 45, "points": 5}], "open upwards"),
        ([{"from": 45, "points": 25}, {"from": 0, "to": 45, "points": 0}], "more than the factor's max"),
    ],
)
def test_a_broken_band_edit_is_refused_with_the_reason(
    tmp_path: Path, bands: list[dict[str, Any]], problem: str
) -> None:
    root = _copy_knowledge(tmp_path)
    _edit_salary_bands(root, bands)
    with pytest.raises(DataError, match=problem):
        read_data(root)


def test_an_unknown_active_table_is_refused(tmp_path: Path) -> None:
    root = _copy_knowledge(tmp_path)
    (root / "points" / "active.yml").write_text("active: draft\n", encoding="utf-8")
    with pytest.raises(DataError, match="not one of the tables"):
        read_data(root)
