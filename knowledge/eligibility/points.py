"""Score an applicant on a points table (knowledge/points/<id>.yml).

Band rule: a band covers from <= value < to (lower bound inclusive, upper exclusive),
so a salary of exactly 350,000 CNY is in the 35-45 (万元) band. Every factor is capped
at its `max`. Each factor also gets a sentence explaining the score, and the engine
lists what would raise it (the next band up, the next HSK level, more experience).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from knowledge.eligibility.data import FACTOR_KEYS, Band, Factor, PointsTable
from knowledge.eligibility.inputs import Applicant
from knowledge.eligibility.texts import Money, Text


@dataclass(frozen=True)
class FactorScore:
    points: int
    max: int
    explanation: Text
    improvement: Text | None = None


@dataclass(frozen=True)
class PointsResult:
    table: PointsTable
    total: int
    factors: dict[str, FactorScore]

    @property
    def breakdown(self) -> dict[str, int]:
        return {key: self.factors[key].points for key in FACTOR_KEYS}


def _band_text(
    factor: Factor,
    band: Band,
    key: str,
    value_param: str,
    value: object,
    show: Callable[[float], object],
    points: int,
) -> Text:
    """The explanation for a value in `band`: "top", "bottom" or a middle band."""
    shared = {value_param: value, "points": points, "max": factor.max}
    if band.high is None:
        return Text(f"pts.{key}.top", {**shared, "low": show(band.low)})
    if band.low == 0:
        return Text(f"pts.{key}.bottom", {**shared, "high": show(band.high)})
    high = band.high - 1 if factor.whole_numbers else band.high
    return Text(f"pts.{key}.band", {**shared, "low": show(band.low), "high": show(high)})


def _bands(
    factor: Factor,
    value: float,
    key: str,
    value_param: str,
    shown_value: object,
    show: Callable[[float], object],
    improve_key: str | None,
) -> FactorScore:
    band = factor.band_for(value / factor.unit_cny)
    points = min(band.points, factor.max)
    improvement = None
    above = factor.band_above(band)
    if improve_key and above is not None and above.points > points:
        improvement = Text(
            improve_key,
            {
                "low": show(above.low),
                "points": min(above.points, factor.max),
                "gain": min(above.points, factor.max) - points,
            },
        )
    return FactorScore(
        points, factor.max, _band_text(factor, band, key, value_param, shown_value, show, points), improvement
    )


def _salary(factor: Factor, a: Applicant) -> FactorScore:
    return _bands(
        factor,
        a.annual_salary_cny,
        "salary",
        "salary",
        Money(a.annual_salary_cny),
        lambda v: Money(v * factor.unit_cny),
        "imp.salary",
    )


def _months(factor: Factor, a: Applicant) -> FactorScore:
    return _bands(
        factor,
        a.months_in_china_per_year,
        "months_in_china",
        "months",
        a.months_in_china_per_year,
        lambda v: v,
        "imp.months_in_china",
    )


def _age(factor: Factor, a: Applicant) -> FactorScore:
    return _bands(factor, a.age, "age", "age", a.age, lambda v: v, None)


def _education(factor: Factor, a: Applicant) -> FactorScore:
    points = min(factor.points.get(a.highest_degree, 0), factor.max)
    return FactorScore(
        points, factor.max, Text(f"pts.education.{a.highest_degree}", {"points": points, "max": factor.max})
    )


def _location(factor: Factor, a: Applicant) -> FactorScore:
    points = min(factor.points.get(a.work_location, 0), factor.max)
    return FactorScore(
        points, factor.max, Text(f"pts.location.{a.work_location}", {"points": points, "max": factor.max})
    )


def _experience(factor: Factor, a: Applicant) -> FactorScore:
    years = a.relevant_experience_years
    whole = math.floor(years + 1e-9)
    per = factor.points_per_further_year
    improvement = Text("imp.experience", {"per": per, "max": factor.max})
    if whole < factor.from_years:
        return FactorScore(
            0,
            factor.max,
            Text("pts.experience.none", {"from_years": factor.from_years, "points": 0, "max": factor.max}),
            improvement,
        )
    raw = factor.points_at_start + per * (whole - math.floor(factor.from_years))
    points = min(raw, factor.max)
    if raw >= factor.max:
        return FactorScore(
            points,
            factor.max,
            Text("pts.experience.capped", {"years": years, "points": points, "max": factor.max}),
        )
    return FactorScore(
        points,
        factor.max,
        Text(
            "pts.experience.some",
            {
                "years": years,
                "points": points,
                "max": factor.max,
                "start": factor.points_at_start,
                "from_years": factor.from_years,
                "per": per,
            },
        ),
        improvement,
    )


def _chinese(factor: Factor, a: Applicant) -> FactorScore:
    band = factor.band_for(a.hsk_level)
    hsk_points = min(band.points, factor.max)
    qualifying = min(factor.qualifying_points, factor.max)
    shared = {"max": factor.max}
    if a.former_chinese_national and qualifying >= hsk_points:
        return FactorScore(
            qualifying,
            factor.max,
            Text("pts.chinese.former_chinese_national", {**shared, "points": qualifying}),
        )
    if a.chinese_taught_degree and a.at_least("bachelor") and qualifying >= hsk_points:
        return FactorScore(
            qualifying,
            factor.max,
            Text("pts.chinese.chinese_taught_degree", {**shared, "points": qualifying}),
        )
    improvement = None
    above = factor.band_above(band)
    if above is not None and above.points > hsk_points:
        improvement = Text(
            "imp.chinese",
            {
                "level": int(above.low),
                "points": min(above.points, factor.max),
                "gain": min(above.points, factor.max) - hsk_points,
            },
        )
    if a.hsk_level == 0:
        return FactorScore(
            hsk_points, factor.max, Text("pts.chinese.none", {**shared, "points": hsk_points}), improvement
        )
    return FactorScore(
        hsk_points,
        factor.max,
        Text("pts.chinese.hsk", {**shared, "points": hsk_points, "level": a.hsk_level}),
        improvement,
    )


def _extras(factor: Factor, a: Applicant) -> FactorScore:
    raw = sum(factor.points.get(extra, 0) for extra in a.extras)
    points = min(raw, factor.max)
    if raw == 0:
        return FactorScore(0, factor.max, Text("pts.extras.none", {"points": 0, "max": factor.max}))
    return FactorScore(
        points, factor.max, Text("pts.extras.some", {"raw": raw, "points": points, "max": factor.max})
    )


def _local_bonus(factor: Factor, a: Applicant) -> FactorScore:
    raw = a.local_bonus
    points = int(min(math.floor(raw + 1e-9), factor.max))
    if raw <= 0:
        return FactorScore(0, factor.max, Text("pts.local_bonus.none", {"points": 0, "max": factor.max}))
    if raw > factor.max:
        return FactorScore(
            points,
            factor.max,
            Text("pts.local_bonus.capped", {"raw": raw, "points": points, "max": factor.max}),
        )
    return FactorScore(
        points, factor.max, Text("pts.local_bonus.some", {"points": points, "max": factor.max})
    )


SCORERS = {
    "salary": _salary,
    "education": _education,
    "experience": _experience,
    "months_in_china": _months,
    "chinese": _chinese,
    "location": _location,
    "age": _age,
    "extras": _extras,
    "local_bonus": _local_bonus,
}


def score(applicant: Applicant, table: PointsTable) -> PointsResult:
    factors = {key: SCORERS[key](table.factors[key], applicant) for key in FACTOR_KEYS}
    return PointsResult(table=table, total=sum(f.points for f in factors.values()), factors=factors)


# Categories from the highest; a result already in one is never told the points to reach it.
CATEGORY_ORDER = ("A", "B", "C")


def improvements(result: PointsResult, category: str | None = None) -> list[Text]:
    """What would raise the points: the gap to the next category above `category` (the assessed
    one, reached by points or by another route), then factor by factor."""
    found: list[Text] = []
    thresholds = result.table.thresholds
    reached = CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)
    for category_code in ("B", "A"):
        if CATEGORY_ORDER.index(category_code) >= reached:
            continue  # already B (e.g. by the salary route): "11 more points to reach B" is wrong
        if result.total < thresholds[category_code]:
            found.append(
                Text(
                    f"imp.gap.{category_code}",
                    {"gap": thresholds[category_code] - result.total, "threshold": thresholds[category_code]},
                )
            )
            break
    found.extend(f.improvement for f in result.factors.values() if f.improvement is not None)
    return found
