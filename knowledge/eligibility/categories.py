"""Category A / B / C from the routes in policy-facts.md ("Work permit categories").

Every route is reported met, unmet or unknown with its reasons, so the answer can say
why. A route is "unknown" when the answer depends on something nobody has entered yet:
the region's average wage (the 6x and 4x salary routes) while the region profile's
`average_annual_wage_cny` is null, or where a master's degree was obtained. The category
is the highest one with a met route; when a higher category has an unknown route the
result says it may still be possible.

The numbers (salary multiples, the age limit, years of experience) are data:
knowledge/eligibility/categories.yml, given as `policy`; the sentences take them as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.eligibility.data import CategoryPolicy
from knowledge.eligibility.inputs import Applicant
from knowledge.eligibility.points import PointsResult
from knowledge.eligibility.texts import Local, Money, Text

MET, UNMET, UNKNOWN = "met", "unmet", "unknown"
RANK = {"A": 0, "B": 1, "C": 2}  # lower is higher


@dataclass(frozen=True)
class Route:
    id: str
    category: str
    status: str
    reasons: tuple[Text, ...]


@dataclass(frozen=True)
class CategoryResult:
    code: str
    routes: tuple[Route, ...]
    possibly_higher: str | None = None
    met_routes: tuple[str, ...] = field(default=())


def _salary_route(
    route_id: str, category: str, multiple: float, salary: float, wage: float | None, region_name: Local
) -> Route:
    key = f"route.{route_id}"
    if wage is None:
        return Route(
            route_id,
            category,
            UNKNOWN,
            (Text(f"{key}.unknown", {"region": region_name, "multiple": multiple}),),
        )
    threshold = wage * multiple
    params = {
        "salary": Money(salary),
        "wage": Money(wage),
        "threshold": Money(threshold),
        "multiple": multiple,
    }
    status = MET if salary >= threshold else UNMET
    return Route(route_id, category, status, (Text(f"{key}.{status}", params),))


def _points_route(route_id: str, category: str, total: int, threshold: int) -> Route:
    status = MET if total >= threshold else UNMET
    return Route(
        route_id,
        category,
        status,
        (Text(f"route.{route_id}.{status}", {"total": total, "threshold": threshold}),),
    )


def _degree_experience(a: Applicant, policy: CategoryPolicy) -> Route:
    key = "route.b_degree_experience"
    b = policy.categories.B
    limits = {"min_years": b.experience_years, "age_limit": b.age_limit}
    reasons = []
    if not a.at_least("bachelor"):
        reasons.append(Text(f"{key}.no_degree"))
    if a.relevant_experience_years < b.experience_years:
        reasons.append(Text(f"{key}.short_experience", {"years": a.relevant_experience_years, **limits}))
    if a.age > b.age_limit:
        reasons.append(Text(f"{key}.over_age", {"age": a.age, **limits}))
    if reasons:
        return Route("b_degree_experience", "B", UNMET, tuple(reasons))
    return Route("b_degree_experience", "B", MET, (Text(f"{key}.met", limits),))


def _master(a: Applicant) -> Route:
    key = "route.b_master"
    if not a.at_least("master"):
        return Route("b_master", "B", UNMET, (Text(f"{key}.no_master"),))
    if a.degree_from_chinese_university:
        return Route("b_master", "B", MET, (Text(f"{key}.met_chinese"),))
    if "top_overseas_university" in a.extras:
        return Route("b_master", "B", MET, (Text(f"{key}.met_top"),))
    if a.degree_from_chinese_university is False:
        return Route("b_master", "B", UNMET, (Text(f"{key}.not_chinese_or_top"),))
    return Route("b_master", "B", UNKNOWN, (Text(f"{key}.unknown"),))


def _language_teacher(a: Applicant, policy: CategoryPolicy) -> Route:
    key = "route.b_teacher"
    years = policy.categories.B.teaching_experience_years
    limits = {"teaching_years": years}
    if not a.teaches_native_language:
        return Route("b_language_teacher", "B", UNMET, (Text(f"{key}.not_teacher"),))
    if not a.at_least("bachelor"):
        return Route("b_language_teacher", "B", UNMET, (Text(f"{key}.no_degree"),))
    if a.teaching_qualification:
        return Route("b_language_teacher", "B", MET, (Text(f"{key}.met_{a.teaching_qualification}", limits),))
    if (a.teaching_experience_years or 0) >= years:
        return Route("b_language_teacher", "B", MET, (Text(f"{key}.met_experience", limits),))
    return Route("b_language_teacher", "B", UNMET, (Text(f"{key}.no_experience", limits),))


def categorise(
    a: Applicant, points: PointsResult, average_wage: float | None, region_name: Local, policy: CategoryPolicy
) -> CategoryResult:
    thresholds = points.table.thresholds
    numbers = policy.categories
    talent = Route(
        "a_talent_programme",
        "A",
        MET if a.talent_programme else UNMET,
        (Text("route.a_talent_programme." + ("met" if a.talent_programme else "unmet")),),
    )
    routes = (
        talent,
        _salary_route(
            "a_salary", "A", numbers.A.salary_multiple, a.annual_salary_cny, average_wage, region_name
        ),
        _points_route("a_points", "A", points.total, thresholds["A"]),
        _degree_experience(a, policy),
        _master(a),
        _language_teacher(a, policy),
        _salary_route(
            "b_salary", "B", numbers.B.salary_multiple, a.annual_salary_cny, average_wage, region_name
        ),
        _points_route("b_points", "B", points.total, thresholds["B"]),
    )
    code = "C"
    for category in ("B", "A"):
        if any(r.category == category and r.status == MET for r in routes):
            code = category
    possibly_higher = None
    for category in ("A", "B"):
        if RANK[category] < RANK[code] and any(
            r.category == category and r.status == UNKNOWN for r in routes
        ):
            possibly_higher = category
            break
    met = tuple(r.id for r in routes if r.status == MET and r.category == code)
    return CategoryResult(code=code, routes=routes, possibly_higher=possibly_higher, met_routes=met)
