"""Policy is data: a changed threshold or an extra item is a data edit, and a bad edit is refused
with the file, the place and the line (knowledge/schema.py)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

import actions.application as form
from actions.application import commands, render
from knowledge.application import DataError as ApplicationDataError
from knowledge.application import load_catalogue
from knowledge.application.catalogue import APPLICATION_DIR, MATERIALS_CATALOGUE
from knowledge.eligibility import DEFAULT_KNOWLEDGE_DIR, DataError, assess, load_data, read_data, read_regions
from knowledge.schema import DataError as SchemaDataError
from stores.redaction import _flags_only, sensitive_fields

TODAY = date(2026, 11, 23)
REGIONS = {
    **read_regions(DEFAULT_KNOWLEDGE_DIR / "regions"),
    "testland": {"name": {"en": "Testland", "zh": "测试市"}, "average_annual_wage_cny": 100_000},
}
LOW = {
    "age": 24,
    "highest_degree": "below_bachelor",
    "relevant_experience_years": 1,
    "annual_salary_cny": 60_000,
    "months_in_china_per_year": 3,
    "hsk_level": 0,
}


def test_there_is_one_data_error() -> None:
    assert DataError is ApplicationDataError is SchemaDataError


# --- thresholds --------------------------------------------------------------------------------------
def _knowledge_copy(tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    root = tmp_path / "knowledge"
    for name in ("points", "materials", "eligibility"):
        shutil.copytree(
            DEFAULT_KNOWLEDGE_DIR / name, root / name, ignore=shutil.ignore_patterns("*.py", "__pycache__")
        )
    shutil.copy(DEFAULT_KNOWLEDGE_DIR / "agreements.yml", root / "agreements.yml")
    if change:
        path = root / "eligibility" / "categories.yml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(doc)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return root


def _run(root: Path | None, **answers: Any):
    data = load_data(root) if root else load_data()
    return data, assess(
        {**LOW, **answers}, data=data, today=TODAY, regions=REGIONS, default_region="testland"
    )


def _route(result, route_id: str):
    return next(r for r in result.category.routes if r.id == route_id)


def test_a_lower_salary_multiple_is_a_data_edit_and_the_sentence_follows(tmp_path: Path) -> None:
    data, shipped = _run(None, annual_salary_cny=550_000)
    assert _route(shipped, "a_salary").status == "unmet"
    assert shipped.category.code == "B"
    root = _knowledge_copy(tmp_path, lambda d: d["categories"]["A"].update(salary_multiple=5))
    data, changed = _run(root, annual_salary_cny=550_000)
    route = _route(changed, "a_salary")
    assert route.status == "met"
    assert changed.category.code == "A"
    assert data.messages.render(route.reasons[0], "en") == (
        "Your annual salary of CNY 550,000 is at least 5 times the local average annual wage of CNY 100,000 "
        "(that is, CNY 500,000), which qualifies for Category A."
    )
    assert "的5倍（即50万元）" in data.messages.render(route.reasons[0], "zh")


def test_a_lower_age_limit_and_longer_experience_change_the_b_route(tmp_path: Path) -> None:
    answers = {"highest_degree": "bachelor", "age": 58, "relevant_experience_years": 3}
    _, shipped = _run(None, **answers)
    assert _route(shipped, "b_degree_experience").status == "met"
    root = _knowledge_copy(tmp_path, lambda d: d["categories"]["B"].update(age_limit=55, experience_years=4))
    data, changed = _run(root, **answers)
    route = _route(changed, "b_degree_experience")
    assert route.status == "unmet"
    assert [data.messages.render(t, "en") for t in route.reasons] == [
        "This route needs at least 4 years of relevant work experience; you have 3.",
        "This route is in principle for applicants aged 55 or under; you are 58.",
    ]


def test_certificate_and_passport_months_are_data(tmp_path: Path) -> None:
    answers = {"passport_expiry": "2027-03-01", "application_date": "2026-11-23"}
    _, shipped = _run(None, **answers)
    assert next(c for c in shipped.conditions if c.id == "passport").status == "unmet"
    root = _knowledge_copy(tmp_path, lambda d: d["conditions"].update(passport_months=3))
    data, changed = _run(root, **answers)
    passport = next(c for c in changed.conditions if c.id == "passport")
    assert passport.status == "met"
    assert (
        data.messages.render(passport.text, "en")
        == "Your passport is valid until 2027-03-01, at least 3 months after 2026-11-23."
    )


def test_the_shipped_numbers_render_the_sentences_as_before() -> None:
    data, result = _run(None)
    texts = {c.id: data.messages.render(c.text, "en") for c in result.conditions}
    assert (
        texts["criminal_record"]
        == "The criminal-record certificate must be no more than 6 months old when you apply."
    )
    assert (
        texts["passport"] == "Your passport must have at least 6 months' remaining validity when you apply."
    )
    assert texts["age_minimum"] == "You are 24, so you meet the minimum age of 18."
    teacher = _route(
        _run(None, teaches_native_language=True, highest_degree="bachelor")[1], "b_language_teacher"
    )
    assert data.messages.render(teacher.reasons[0], "zh") == (
        "语言教师须有2年以上教学经历；具有教育类或语言类专业学位、本国教师资格证书或不少于120学时TEFL证书的除外。"
    )


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda d: d["categories"]["B"].update(salary_multiple=7),
            "the B salary multiple must be below the A one",
        ),
        (
            lambda d: d["categories"]["B"].update(age_limt=60),
            "categories.B.age_limt: extra fields not permitted",
        ),
        (lambda d: d["conditions"].update(not_covered=["CN"]), "conditions.not_covered"),
        (
            lambda d: d["conditions"].update(minimum_age="adult"),
            "conditions.minimum_age: value is not a valid integer",
        ),
    ],
)
def test_a_bad_threshold_edit_is_refused_with_the_file_and_the_place(
    tmp_path: Path, change, problem: str
) -> None:
    root = _knowledge_copy(tmp_path, change)
    with pytest.raises(DataError, match=re.escape(problem)) as caught:
        read_data(root)
    assert str(caught.value).startswith(str(root / "eligibility" / "categories.yml"))


def test_a_band_error_names_its_line(tmp_path: Path) -> None:
    root = _knowledge_copy(tmp_path)
    path = root / "points" / "interim.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["factors"]["salary"]["bands"] = [{"from": 45, "points": 20}, {"from": 5, "to": 45, "points": 5}]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(
        DataError, match=r"factors\.salary\.bands: the lowest band must start at 0 \(line \d+\)"
    ):
        read_data(root)


# --- an extra item ---------------------------------------------------------------------------------
def _application_copy(tmp_path: Path) -> tuple[Path, Path]:
    """knowledge/application and knowledge/materials copies with a new service and item: a talent visa
    decided by exit-entry, named "talent visa" / "人才签证"."""
    directory, materials = tmp_path / "application", tmp_path / "materials"
    directory.mkdir()
    materials.mkdir()
    for name in ("items.yml", "fields.yml", "departments.yml", "consent.yml"):
        shutil.copy(APPLICATION_DIR / name, directory / name)
    shutil.copy(MATERIALS_CATALOGUE, materials / "catalogue.yml")
    engine = yaml.safe_load((MATERIALS_CATALOGUE.parent / "items.yml").read_text(encoding="utf-8"))
    engine["items"]["talent_visa"] = {"name": {"en": "Talent visa", "zh": "人才签证"}}
    (materials / "items.yml").write_text(yaml.safe_dump(engine, allow_unicode=True), encoding="utf-8")

    items = yaml.safe_load((directory / "items.yml").read_text(encoding="utf-8"))
    items["services"]["talent_visa"] = {
        "synonyms": {"en": [r"talent[\s-]*visa", r"\br visa\b"], "zh": ["人才签证"]}
    }
    items["items"]["talent_visa"] = {
        "name": {"en": "Talent visa (R visa)", "zh": "外国人才签证（R字签证）"},
        "service": "talent_visa",
        "kind": "default",
        "departments": ["exit_entry"],
        "fields": ["surname", "given_names", "passport_number"],
        "materials": ["passport"],
        "excludes": [],
    }
    (directory / "items.yml").write_text(
        yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    departments = yaml.safe_load((directory / "departments.yml").read_text(encoding="utf-8"))
    departments["departments"]["exit_entry"]["services"].append("talent_visa")
    (directory / "departments.yml").write_text(
        yaml.safe_dump(departments, allow_unicode=True), encoding="utf-8"
    )
    return directory, materials / "catalogue.yml"


def test_an_extra_item_is_offered_recognised_and_split_without_code(tmp_path: Path, monkeypatch) -> None:
    directory, materials = _application_copy(tmp_path)
    cat = load_catalogue(directory, materials)
    assert list(cat.items)[-1] == "talent_visa"
    assert cat.check_items(["talent_visa", "work_permit_new"]) == []
    assert cat.fields_for(["talent_visa"]) == ["surname", "given_names", "passport_number"]
    assert cat.departments_for(["work_permit_new", "talent_visa"]) == {
        "science_technology": ["work_permit_new"],
        "exit_entry": ["talent_visa"],
    }
    for module in (commands, render):  # the form reads the catalogue where it parses and writes items
        monkeypatch.setattr(module, "catalogue", lambda: cat)
    assert form.parse_items("work permit and talent visa") == ["work_permit_new", "talent_visa"]
    assert form.parse_items("我要办人才签证") == ["talent_visa"]
    assert "talent_visa" in form.parse_items("all")
    assert render.item_names(["talent_visa"], "zh") == ["外国人才签证（R字签证）"]


def test_the_shipped_synonyms_read_items_as_before() -> None:
    assert form.parse_items("工作许可延期和居留许可延期") == [
        "work_permit_extension",
        "residence_permit_extension",
    ]
    assert form.parse_items("e-social security card and social insurance") == [
        "social_insurance",
        "e_social_security_card",
    ]
    assert form.parse_items("社保") == ["social_insurance"]
    assert form.parse_items("all, renewal") == [
        key for key in load_catalogue().items if key.endswith("_extension") or "_permit_" not in key
    ]


@pytest.mark.parametrize(
    "edit, problem",
    [
        (
            lambda items, depts: items["services"]["talent_visa"]["synonyms"].update(en=["talent[visa"]),
            "is not a regular expression",
        ),
        (
            lambda items, depts: items["services"].pop("talent_visa"),
            "items.talent_visa.service: service must be one of",
        ),
        (
            lambda items, depts: depts["departments"]["exit_entry"]["services"].remove("talent_visa"),
            "items must be exactly the items departments.yml assigns",
        ),
        (lambda items, depts: items["items"]["talent_visa"].update(kind="renewal"), "kind one of"),
        (
            lambda items, depts: items["items"]["talent_visa"].update(fields=[]),
            "ensure this value has at least 1 items",
        ),
    ],
)
def test_a_bad_item_edit_is_refused_with_the_place(tmp_path: Path, edit, problem: str) -> None:
    directory, materials = _application_copy(tmp_path)
    items = yaml.safe_load((directory / "items.yml").read_text(encoding="utf-8"))
    depts = yaml.safe_load((directory / "departments.yml").read_text(encoding="utf-8"))
    edit(items, depts)
    (directory / "items.yml").write_text(
        yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (directory / "departments.yml").write_text(yaml.safe_dump(depts, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(problem)):
        load_catalogue(directory, materials)


def test_a_shape_error_names_the_file_the_place_and_the_line(tmp_path: Path) -> None:
    directory, materials = _application_copy(tmp_path)
    path = directory / "fields.yml"
    text = path.read_text(encoding="utf-8").replace("    optional: false\n", "    optinal: false\n", 1)
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip().startswith("optinal:"))
    with pytest.raises(
        DataError,
        match=re.escape(f"fields.yml: fields.surname.optinal: extra fields not permitted (line {line})"),
    ):
        load_catalogue(directory, materials)


# --- sensitivity ------------------------------------------------------------------------------------
def test_redaction_takes_sensitivity_from_fields_yml(tmp_path: Path) -> None:
    cat = load_catalogue()
    marked = {key for key, spec in cat.fields.items() if spec.sensitive}
    assert sensitive_fields() == marked | set(cat.other_sensitive_slots) | set(cat.masked_in_conversation)
    assert {"status_verified", "age", "surname", "given_names"} <= sensitive_fields()
    doc = yaml.safe_load((APPLICATION_DIR / "fields.yml").read_text(encoding="utf-8"))
    doc["fields"]["position"]["sensitive"] = True
    path = tmp_path / "fields.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert _flags_only(path) == sensitive_fields() | {"position"}


# --- the eligibility files' schemas -------------------------------------------------------------
def _edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    "name, change, problem",
    [
        (
            "materials/items.yml",
            lambda d: d["items"]["work_permit"]["variants"]["new"]["materials"].append("golden_ticket"),
            "items.work_permit.variants.new.materials[",
        ),
        (
            "materials/items.yml",
            lambda d: d["items"]["work_permit"]["variants"]["new"]["materials"].append(
                {"id": "passport", "when": {"moon_phase": "full"}}
            ),
            "when.moon_phase: extra fields not permitted",
        ),
        (
            "materials/catalogue.yml",
            lambda d: d["materials"]["passport"].update(authentication="maybe"),
            "materials.passport.authentication: must be one of required, not_required, ask_office",
        ),
        (
            "materials/deadlines.yml",
            lambda d: d["deadlines"][next(iter(d["deadlines"]))].update(counts_from="never"),
            "unknown event 'never'",
        ),
        (
            "agreements.yml",
            lambda d: d["agreements"][0].update(exempt=["pension", "luck"]),
            "agreements[0].exempt: must be null or a list of",
        ),
        ("points/interim.yml", lambda d: d["thresholds"].update(B=90), "thresholds: B must be below A"),
    ],
)
def test_a_bad_eligibility_edit_is_refused_with_the_place(
    tmp_path: Path, name: str, change, problem: str
) -> None:
    root = _knowledge_copy(tmp_path)
    _edit_yaml(root / name, change)
    with pytest.raises(DataError, match=re.escape(problem) + r".*\(line \d+\)"):
        read_data(root)
