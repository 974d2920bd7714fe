"""The eligibility check for the API and the printable checklist page.

The engine (knowledge/eligibility) does the work; this layer finds its data (the
KNOWLEDGE_DIR when it has the eligibility files, else the repository's knowledge/), the
region profiles and the default region, and turns field errors into a 422 ApiError with
one message per field in the caller's language.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlencode

from backend.config import Settings
from backend.errors import ApiError, Problem
from knowledge.countries import Country
from knowledge.eligibility import (
    DEFAULT_KNOWLEDGE_DIR,
    FIELDS,
    Assessment,
    DataError,
    EligibilityData,
    InvalidInput,
    assess,
    load_data,
    read_regions,
)
from knowledge.eligibility.inputs import BOOLEAN_FIELDS
from knowledge.eligibility.texts import number

log = logging.getLogger("backend.eligibility")

NUMBER_FIELDS = (
    "age",
    "relevant_experience_years",
    "annual_salary_cny",
    "months_in_china_per_year",
    "hsk_level",
    "local_bonus",
    "teaching_experience_years",
)
CHECKLIST_PATH = "/checklist"

_regions_cache: dict[Path, tuple[tuple[tuple[str, int], ...], dict[str, dict[str, Any]]]] = {}


def data_dir(settings: Settings) -> Path:
    """KNOWLEDGE_DIR if it holds the eligibility data, else the repository's knowledge/."""
    if (settings.knowledge_dir / "points" / "active.yml").is_file():
        return settings.knowledge_dir
    return DEFAULT_KNOWLEDGE_DIR


def eligibility_data(settings: Settings) -> EligibilityData:
    try:
        return load_data(data_dir(settings))
    except DataError as exc:
        log.error("eligibility data rejected: %s", exc)
        raise ApiError("eligibility_unavailable", 503) from exc


def region_profiles(settings: Settings) -> dict[str, dict[str, Any]]:
    """knowledge/regions/*.yml by id, re-read when a file changes."""
    regions_dir = settings.knowledge_dir / "regions"
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(regions_dir.glob("*.yml")))
    cached = _regions_cache.get(regions_dir)
    if cached and cached[0] == stamp:
        return cached[1]
    profiles = read_regions(regions_dir)
    _regions_cache[regions_dir] = (stamp, profiles)
    return profiles


def _param(value: Any, lang: str) -> Any:
    if isinstance(value, Country):
        return value.name(lang)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{int(value):,}" if float(value).is_integer() and abs(value) >= 10000 else number(value)
    if isinstance(value, str) and value.startswith("@"):
        return "@" + value  # Problem.message reads "@key" as a message key; keep the user's text as typed
    return value


def invalid(exc: InvalidInput, lang: str) -> ApiError:
    """422 with one problem per field; parameters formatted for `lang` (the error is rendered in it)."""
    problems = [
        Problem(e.code, {k: _param(v, lang) for k, v in e.params.items()}, field=e.field or None)
        for e in exc.errors
    ]
    return ApiError("eligibility_invalid", 422, problems=problems)


def run_assessment(
    settings: Settings, answers: Mapping[str, Any], lang: str, today: date | None = None
) -> Assessment:
    data = eligibility_data(settings)
    try:
        return assess(
            answers,
            data=data,
            today=today or date.today(),
            regions=region_profiles(settings),
            default_region=settings.region,
        )
    except InvalidInput as exc:
        raise invalid(exc, lang) from exc


def checklist_query(assessment: Assessment) -> dict[str, str]:
    """The answers as query parameters: only what was given or differs from the default."""
    applicant = assessment.applicant
    answers = applicant.to_json()
    query: dict[str, str] = {}
    for name in FIELDS:
        value = answers.get(name)
        if value is None or value is False or value == [] or (name == "local_bonus" and value == 0):
            continue
        if name == "work_location" and value == "other":
            continue
        if name == "application_type" and value == "new":
            continue
        if name == "items" and not applicant.items_given:
            continue
        if isinstance(value, list):
            value = ",".join(value)
        query[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return query


def checklist_path(assessment: Assessment, lang: str) -> str:
    return f"{CHECKLIST_PATH}?{urlencode({**checklist_query(assessment), 'lang': lang})}"


def answers_from_query(args: Mapping[str, list[str]]) -> dict[str, Any]:
    """Query-string answers (all text) typed like the JSON API's, for the same checks.

    Parameters that are not answers (lang, both, anything a link tracker adds) are ignored."""
    answers: dict[str, Any] = {}
    for name, values in args.items():
        if name not in FIELDS:
            continue
        raw = values[-1] if values else ""
        value: Any = raw
        if name in NUMBER_FIELDS:
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
        elif name in BOOLEAN_FIELDS:
            lowered = raw.strip().lower()
            value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(
                lowered, raw
            )
        elif name in ("extras", "items"):
            value = [v for part in values for v in part.split(",") if v.strip()]
        answers[name] = value
    return answers
