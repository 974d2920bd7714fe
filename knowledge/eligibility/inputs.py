"""The applicant's answers: checked field by field into an `Applicant`.

Every problem becomes a `FieldError(field, code, params)`; `code` is a message key in
texts/backend.yml (the API renders it in the caller's language), so the engine itself
never writes an error sentence. All problems are collected, not just the first, so a
form can show them all at once.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Collection, Literal, Mapping, overload

from knowledge.countries import Country, resolve, suggest

DEGREES = ("doctorate", "master", "bachelor", "below_bachelor")
DEGREE_RANK = {"below_bachelor": 0, "bachelor": 1, "master": 2, "doctorate": 3}
LOCATIONS = ("western", "northeast", "poverty_county", "other")
EXTRAS = ("top_overseas_university", "fortune500", "patent", "five_years_in_china")
# The items of knowledge/materials/items.yml as shipped; parse_applicant is given the loaded
# data's keys (assess.py), so an item added there is accepted without a code change.
ITEMS = (
    "work_permit",
    "residence_permit",
    "social_insurance",
    "professional_title",
    "e_social_security_card",
)
APPLICATION_TYPES = ("new", "change", "extension", "cancellation")
TEACHING_QUALIFICATIONS = ("education_or_language_degree", "home_teaching_certificate", "tefl_120_hours")

AGE_MIN, AGE_MAX = 16, 100  # outside this, the answer is a mistake, not an applicant
SALARY_MAX_CNY = 100_000_000  # 1亿元 a year: anything above is a typo (wrong unit)
YEARS_MAX = 80
BONUS_MAX_INPUT = 100  # the table caps the bonus; above this is a mistake
WORKING_AGE_START = 14  # experience cannot start before this age

# Items usually needed for each kind of application, when the caller names none.
DEFAULT_ITEMS = {
    "new": ("work_permit", "residence_permit", "social_insurance", "e_social_security_card"),
    "change": ("work_permit", "residence_permit"),
    "extension": ("work_permit", "residence_permit"),
    "cancellation": ("work_permit",),
}

REQUIRED = (
    "age",
    "highest_degree",
    "relevant_experience_years",
    "annual_salary_cny",
    "months_in_china_per_year",
    "hsk_level",
)
OPTIONAL = (
    "former_chinese_national",
    "chinese_taught_degree",
    "work_location",
    "extras",
    "local_bonus",
    "talent_programme",
    "nationality",
    "in_china",
    "items",
    "application_type",
    "region",
    "points_table",
    "degree_from_chinese_university",
    "teaches_native_language",
    "teaching_experience_years",
    "teaching_qualification",
    "passport_expiry",
    "criminal_record_certificate_date",
    "medical_certificate_date",
    "application_date",
)
FIELDS = REQUIRED + OPTIONAL
BOOLEAN_FIELDS = (
    "former_chinese_national",
    "chinese_taught_degree",
    "talent_programme",
    "in_china",
    "degree_from_chinese_university",
    "teaches_native_language",
)
DATE_FIELDS = (
    "passport_expiry",
    "criminal_record_certificate_date",
    "medical_certificate_date",
    "application_date",
)


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    # dataclasses.field: mypy reads the bare name as the `field: str` attribute above
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class InvalidInput(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Applicant:
    age: int
    highest_degree: str
    relevant_experience_years: float
    annual_salary_cny: float
    months_in_china_per_year: float
    hsk_level: int
    former_chinese_national: bool = False
    chinese_taught_degree: bool = False
    work_location: str = "other"
    extras: tuple[str, ...] = ()
    local_bonus: float = 0
    talent_programme: bool = False
    nationality: Country | None = None
    in_china: bool | None = None
    items: tuple[tuple[str, str], ...] = ()
    items_given: bool = False
    application_type: str = "new"
    region: str | None = None
    points_table: str | None = None
    degree_from_chinese_university: bool | None = None
    teaches_native_language: bool = False
    teaching_experience_years: float | None = None
    teaching_qualification: str | None = None
    passport_expiry: date | None = None
    criminal_record_certificate_date: date | None = None
    medical_certificate_date: date | None = None
    application_date: date | None = None

    def at_least(self, degree: str) -> bool:
        return DEGREE_RANK[self.highest_degree] >= DEGREE_RANK[degree]

    def to_json(self) -> dict[str, Any]:
        """The answers as understood (nationality as its alpha-2 code), to carry into the application."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if name == "nationality":
                value = value.alpha_2 if value else None
            elif isinstance(value, date):
                value = value.isoformat()
            elif name == "items":
                value = [item if kind == self.application_type else f"{item}_{kind}" for item, kind in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            out[name] = value
        return out


class _Checker:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: list[FieldError] = []

    def error(self, name: str, code: str, **params: Any) -> None:
        self.errors.append(FieldError(name, code, params))

    def present(self, name: str) -> bool:
        return self.data.get(name) is not None

    @overload
    def number(
        self, name: str, code: str, *, low: float, high: float, whole: Literal[True], **params: Any
    ) -> int | None: ...
    @overload
    def number(
        self, name: str, code: str, *, low: float, high: float, whole: Literal[False] = False, **params: Any
    ) -> float | None: ...
    def number(
        self, name: str, code: str, *, low: float, high: float, whole: bool = False, **params: Any
    ) -> float | None:
        value = self.data.get(name)
        if value is None:
            if name in REQUIRED:
                self.error(name, "elig_required")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.error(name, code, low=low, high=high, **params)
            return None
        if whole and not float(value).is_integer():
            self.error(name, code, low=low, high=high, **params)
            return None
        if not low <= value <= high:
            self.error(name, code, low=low, high=high, **params)
            return None
        return int(value) if whole else float(value)

    def choice(
        self, name: str, code: str, choices: tuple[str, ...], default: str | None = None
    ) -> str | None:
        value = self.data.get(name)
        if value is None:
            if name in REQUIRED:
                self.error(name, "elig_required")
            return default
        if not isinstance(value, str) or value.strip().lower() not in choices:
            self.error(name, code, choices=", ".join(choices))
            return default
        return value.strip().lower()

    def boolean(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(name, "elig_boolean")
            return None
        return value

    def day(self, name: str) -> date | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(name, "elig_date")
        return None

    def choices(self, name: str, code: str, choices: tuple[str, ...]) -> tuple[str, ...] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v.strip().lower() in choices for v in value
        ):
            self.error(name, code, choices=", ".join(choices))
            return None
        seen: list[str] = []
        for v in value:
            if v.strip().lower() not in seen:
                seen.append(v.strip().lower())
        return tuple(seen)


def _items(
    check: _Checker, application_type: str, known: Collection[str] = ITEMS
) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(item, application type) pairs. An item is named plainly ("work_permit": the request's
    application_type) or with its own type ("work_permit_extension"). No items: the usual set."""
    raw = check.data.get("items")
    if raw is None:
        return tuple((i, application_type) for i in DEFAULT_ITEMS[application_type]), False
    if isinstance(raw, str):
        raw = [v for v in raw.split(",") if v.strip()]
    if not isinstance(raw, list) or not raw:
        check.error("items", "elig_items", choices=", ".join(known))
        return (), True
    pairs: list[tuple[str, str]] = []
    for value in raw:
        name = value.strip().lower() if isinstance(value, str) else ""
        pair: tuple[str, str] | None = (name, application_type)
        if name not in known:
            pair = next(
                (
                    (i, name[len(i) + 1 :])
                    for i in known
                    if name.startswith(i + "_") and name[len(i) + 1 :] in APPLICATION_TYPES
                ),
                None,
            )
        if pair is None:
            check.error("items", "elig_items", choices=", ".join(known))
            return (), True
        if pair == ("residence_permit", "cancellation"):
            check.error("items", "elig_item_type", item="residence_permit", type="cancellation")
            return (), True
        if pair not in pairs:
            pairs.append(pair)
    return tuple(pairs), True


def parse_applicant(
    data: Mapping[str, Any],
    *,
    today: date,
    regions: Collection[str] = (),
    tables: Collection[str] = (),
    items: Collection[str] = ITEMS,
) -> Applicant:
    """Check the answers; raise InvalidInput with every problem found."""
    if not isinstance(data, Mapping):
        raise InvalidInput([FieldError("", "elig_not_object")])
    check = _Checker(data)
    for name in data:
        if name not in FIELDS:
            check.error(str(name), "elig_unknown_field")

    age = check.number("age", "elig_age", low=AGE_MIN, high=AGE_MAX, whole=True)
    degree = check.choice("highest_degree", "elig_highest_degree", DEGREES)
    experience = check.number("relevant_experience_years", "elig_experience", low=0, high=YEARS_MAX)
    salary = data.get("annual_salary_cny")
    if (
        salary is not None
        and not isinstance(salary, bool)
        and isinstance(salary, (int, float))
        and math.isfinite(salary)
        and salary < 0
    ):
        check.error("annual_salary_cny", "elig_salary_negative")
        salary_value = None
    elif (
        salary is not None
        and not isinstance(salary, bool)
        and isinstance(salary, (int, float))
        and math.isfinite(salary)
        and salary > SALARY_MAX_CNY
    ):
        check.error("annual_salary_cny", "elig_salary_too_high", value=salary, high=SALARY_MAX_CNY)
        salary_value = None
    else:
        salary_value = check.number("annual_salary_cny", "elig_salary", low=0, high=SALARY_MAX_CNY)
    months = check.number("months_in_china_per_year", "elig_months", low=0, high=12)
    hsk = check.number("hsk_level", "elig_hsk", low=0, high=6, whole=True)
    if age is not None and experience is not None and experience > max(age - WORKING_AGE_START, 0):
        check.error("relevant_experience_years", "elig_experience_exceeds_age", years=experience, age=age)
        experience = None

    booleans = {name: check.boolean(name) for name in BOOLEAN_FIELDS}
    location = check.choice("work_location", "elig_work_location", LOCATIONS, "other")
    extras = check.choices("extras", "elig_extras", EXTRAS) or ()
    bonus = check.number("local_bonus", "elig_local_bonus", low=0, high=BONUS_MAX_INPUT) or 0.0
    teaching_years = check.number(
        "teaching_experience_years", "elig_teaching_experience", low=0, high=YEARS_MAX
    )
    qualification = check.choice(
        "teaching_qualification", "elig_teaching_qualification", TEACHING_QUALIFICATIONS
    )

    nationality: Country | None = None
    raw_country = data.get("nationality")
    if raw_country is not None:
        nationality = resolve(raw_country) if isinstance(raw_country, str) else None
        if nationality is None:
            text = raw_country if isinstance(raw_country, str) else str(raw_country)
            close = suggest(text, 1)
            if close:
                check.error("nationality", "elig_nationality_suggest", value=text[:60], suggestion=close[0])
            else:
                check.error("nationality", "elig_nationality_unknown", value=text[:60])

    application_type = check.choice("application_type", "elig_application_type", APPLICATION_TYPES, "new")
    pairs, items_given = _items(check, application_type or "new", tuple(items) or ITEMS)

    region = data.get("region")
    if region is not None:
        if not isinstance(region, str) or region.strip().lower() not in regions:
            check.error("region", "elig_region", value=str(region)[:60], choices=", ".join(sorted(regions)))
            region = None
        else:
            region = region.strip().lower()
    table = data.get("points_table")
    if table is not None and (not isinstance(table, str) or table not in tables):
        check.error(
            "points_table", "elig_points_table", value=str(table)[:60], choices=", ".join(sorted(tables))
        )
        table = None

    dates = {name: check.day(name) for name in DATE_FIELDS}
    application_date = dates["application_date"]
    for name in ("criminal_record_certificate_date", "medical_certificate_date"):
        issued = dates[name]
        if issued is not None and issued > today:
            check.error(name, "elig_date_future")
            dates[name] = None

    if check.errors:
        raise InvalidInput(check.errors)
    # no error: every REQUIRED answer was given (a missing one is an elig_required error above)
    assert age is not None and degree is not None and experience is not None and salary_value is not None
    assert months is not None and hsk is not None
    return Applicant(
        age=age,
        highest_degree=degree,
        relevant_experience_years=experience,
        annual_salary_cny=salary_value,
        months_in_china_per_year=months,
        hsk_level=hsk,
        former_chinese_national=bool(booleans["former_chinese_national"]),
        chinese_taught_degree=bool(booleans["chinese_taught_degree"]),
        work_location=location or "other",
        extras=extras,
        local_bonus=bonus,
        talent_programme=bool(booleans["talent_programme"]),
        nationality=nationality,
        in_china=booleans["in_china"],
        items=pairs,
        items_given=items_given,
        application_type=application_type or "new",
        region=region,
        points_table=table,
        degree_from_chinese_university=booleans["degree_from_chinese_university"],
        teaches_native_language=bool(booleans["teaches_native_language"]),
        teaching_experience_years=teaching_years,
        teaching_qualification=qualification,
        passport_expiry=dates["passport_expiry"],
        criminal_record_certificate_date=dates["criminal_record_certificate_date"],
        medical_certificate_date=dates["medical_certificate_date"],
        application_date=application_date,
    )
