"""Basic conditions ("Basic conditions" in policy-facts.md): met, unmet or unknown, with the reason.

Certificates and the passport are checked against the application date (today unless
the caller gives one): the criminal-record and medical certificates are valid for 6
months from their date; the passport needs at least 6 more months. Without the date
the condition is "unknown" and the text says what is required. These numbers, the ages and
the nationalities are data (knowledge/eligibility/categories.yml), given as `policy`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from knowledge.eligibility.categories import MET, UNKNOWN, UNMET, CategoryResult
from knowledge.eligibility.data import CategoryPolicy
from knowledge.eligibility.inputs import Applicant
from knowledge.eligibility.texts import Day, Text


@dataclass(frozen=True)
class Condition:
    id: str
    status: str
    text: Text


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _certificate(cid: str, issued: date | None, as_of: date, months: int) -> Condition:
    if issued is None:
        return Condition(cid, UNKNOWN, Text(f"cond.{cid}.unknown", {"months": months}))
    until = add_months(issued, months)
    status = MET if as_of <= until else UNMET
    return Condition(
        cid,
        status,
        Text(
            f"cond.{cid}.{status}",
            {"issued": Day(issued), "until": Day(until), "as_of": Day(as_of), "months": months},
        ),
    )


def _passport(expiry: date | None, as_of: date, months: int) -> Condition:
    if expiry is None:
        return Condition("passport", UNKNOWN, Text("cond.passport.unknown", {"months": months}))
    status = MET if expiry >= add_months(as_of, months) else UNMET
    return Condition(
        "passport",
        status,
        Text(f"cond.passport.{status}", {"expiry": Day(expiry), "as_of": Day(as_of), "months": months}),
    )


def check_conditions(
    a: Applicant, category: CategoryResult, today: date, policy: CategoryPolicy
) -> list[Condition]:
    as_of = a.application_date or today
    rules, b = policy.conditions, policy.categories.B
    found: list[Condition] = []
    if a.nationality is not None and a.nationality.alpha_2 in rules.not_foreign:
        found.append(Condition("foreign_national", UNMET, Text("cond.foreign_national.unmet")))
    elif a.nationality is not None and a.nationality.alpha_2 in rules.not_covered:
        found.append(Condition("foreign_national", UNKNOWN, Text("cond.foreign_national.unknown")))
    status = MET if a.age >= rules.minimum_age else UNMET
    found.append(
        Condition(
            "age_minimum",
            status,
            Text(f"cond.age_minimum.{status}", {"age": a.age, "minimum_age": rules.minimum_age}),
        )
    )
    if category.code == "A":
        found.append(Condition("age_limit", MET, Text("cond.age_limit.A.met")))
        found.append(Condition("degree_experience", MET, Text("cond.degree_experience.A.met")))
    elif category.code == "B":
        status = MET if a.age <= b.age_limit else UNMET
        found.append(
            Condition(
                "age_limit",
                status,
                Text(f"cond.age_limit.B.{status}", {"age": a.age, "age_limit": b.age_limit}),
            )
        )
        limits = {"min_years": b.experience_years}
        if a.at_least("bachelor") and a.relevant_experience_years >= b.experience_years:
            found.append(Condition("degree_experience", MET, Text("cond.degree_experience.B.met", limits)))
        else:
            found.append(
                Condition("degree_experience", MET, Text("cond.degree_experience.B.met_other_route", limits))
            )
    found.append(
        _certificate("criminal_record", a.criminal_record_certificate_date, as_of, rules.certificate_months)
    )
    found.append(
        _certificate("medical_certificate", a.medical_certificate_date, as_of, rules.certificate_months)
    )
    found.append(_passport(a.passport_expiry, as_of, rules.passport_months))
    found.append(Condition("employer", UNKNOWN, Text("cond.employer.unknown")))
    return found
