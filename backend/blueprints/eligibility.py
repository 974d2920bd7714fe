"""Eligibility check (一次告知): POST /api/v1/eligibility/assess and the printable GET /checklist.

The API needs the service token (or a staff login) like every /api/v1 call. The
checklist page is public: it stores nothing and recomputes the checklist from the
answers in its address, which the API hands out as `checklist_path`.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, text

from backend.errors import ApiError
from backend.i18n import LANGUAGES, t
from backend.services.eligibility import answers_from_query, checklist_path, run_assessment
from backend.web import api_auth, api_language, console_language, json_body, render

bp = Blueprint("eligibility")

FACTOR_LABELS = {key: f"checklist_factor_{key}" for key in (
    "salary", "education", "experience", "months_in_china", "chinese", "location", "age", "extras", "local_bonus")}

# Print-friendly layout for the checklist page (CSP allows only same-origin stylesheets).
CHECKLIST_CSS = """
body.checklist { background: #fff; }
.checklist main { max-width: 60rem; margin: 0 auto; }
.checklist .langs { display: flex; gap: 1rem; margin: .5rem 0 1rem; }
.checklist section { margin: 1.2rem 0; page-break-inside: auto; }
.checklist h1 { font-size: 1.5rem; margin-bottom: .3rem; }
.checklist h2 { font-size: 1.15rem; border-bottom: 2px solid #12324f; padding-bottom: .2rem; }
.checklist h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
.checklist table { border-collapse: collapse; width: 100%; }
.checklist th, .checklist td { border: 1px solid #c4ccd5; padding: .3rem .45rem; vertical-align: top;
  text-align: left; font-size: .9rem; }
.checklist .total { font-size: 1.1rem; font-weight: 600; }
.checklist .st-met { color: #116329; font-weight: 600; }
.checklist .st-unmet { color: #b42318; font-weight: 600; }
.checklist .st-unknown { color: #8a5a00; font-weight: 600; }
.checklist .box { display: inline-block; width: .9rem; height: .9rem; border: 1px solid #1d2733; margin-right: .4rem; }
.checklist .language-block + .language-block { border-top: 3px double #12324f; margin-top: 2rem; padding-top: 1rem; }
@media print {
  .checklist .langs, .checklist .print-hint { display: none; }
  .checklist .language-block + .language-block { page-break-before: always; border: none; }
  .checklist th, .checklist td { font-size: 9pt; }
}
"""




@bp.post("/api/v1/eligibility/assess")
@api_auth("helpdesk", "officer", "policy_editor")
async def assess_eligibility(request: Request) -> HTTPResponse:
    lang = api_language(request)
    assessment = run_assessment(request.app.ctx.settings, json_body(request), lang)
    result = assessment.to_json(lang)
    result["checklist_path"] = checklist_path(assessment, lang)
    return json(result, ensure_ascii=False)


@bp.get("/checklist")
async def checklist_page(request: Request) -> HTTPResponse:
    lang = console_language(request)
    both = request.args.get("both") in ("1", "true", "yes")
    languages = [lang, "zh" if lang == "en" else "en"] if both else [lang]
    settings = request.app.ctx.settings
    answers = answers_from_query(request.args)
    try:
        assessment = run_assessment(settings, answers, lang)
    except ApiError as error:
        if error.status != 422:
            raise
        return render(request, "checklist.html", status=422, error=error,
                      problems=[p.to_json(lang) for p in error.problems], blocks=[], links={}, tl=t)
    base = [(k, v) for k, vs in request.args.items() if k not in ("lang", "both") for v in vs]
    links = {code: f"/checklist?{urlencode(base + [('lang', code)])}" for code in LANGUAGES}
    links["both"] = f"/checklist?{urlencode(base + [('lang', lang), ('both', '1')])}"
    blocks = [{"lang": code, "result": assessment.to_json(code)} for code in languages]
    return render(request, "checklist.html", blocks=blocks, error=None, problems=[], links=links,
                  factor_labels=FACTOR_LABELS, generated=date.today().isoformat(), tl=t)


@bp.get("/checklist/print.css")
async def checklist_css(request: Request) -> HTTPResponse:
    return text(CHECKLIST_CSS, content_type="text/css; charset=utf-8",
                headers={"Cache-Control": "public, max-age=3600"})


# --- OpenAPI (merged into /api/v1/openapi.json by backend/blueprints/openapi.py) ---------
def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


_TEXT = {"type": "string"}
_FACTORS = list(FACTOR_LABELS)
OPENAPI_SCHEMAS: dict[str, Any] = {
    "EligibilityRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["age", "highest_degree", "relevant_experience_years", "annual_salary_cny",
                     "months_in_china_per_year", "hsk_level"],
        "properties": {
            "age": {"type": "integer", "minimum": 16, "maximum": 100},
            "highest_degree": {"type": "string", "enum": ["doctorate", "master", "bachelor", "below_bachelor"]},
            "relevant_experience_years": {"type": "number", "minimum": 0, "maximum": 80,
                                          "description": "at most age - 14"},
            "annual_salary_cny": {"type": "number", "minimum": 0, "maximum": 100000000,
                                  "description": "yearly salary from the Chinese employer, in yuan"},
            "months_in_china_per_year": {"type": "number", "minimum": 0, "maximum": 12},
            "hsk_level": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0: none"},
            "former_chinese_national": {"type": "boolean"},
            "chinese_taught_degree": {"type": "boolean",
                                      "description": "a bachelor's or higher degree taught in Chinese"},
            "work_location": {"type": "string", "enum": ["western", "northeast", "poverty_county", "other"],
                              "default": "other"},
            "extras": {"type": "array", "items": {"type": "string", "enum": [
                "top_overseas_university", "fortune500", "patent", "five_years_in_china"]}},
            "local_bonus": {"type": "number", "minimum": 0, "maximum": 100,
                            "description": "capped by the points table (10 in the interim table)"},
            "talent_programme": {"type": "boolean",
                                 "description": "selected by a national or provincial talent programme"},
            "nationality": {"type": "string", "example": "DE",
                            "description": "ISO 3166-1 alpha-2 or alpha-3, or an English or Chinese name"},
            "in_china": {"type": "boolean", "description": "applying from inside China; default: outside for new "
                         "applications, inside for change/extension/cancellation"},
            "items": {"type": "array", "items": {"type": "string"}, "example": ["work_permit", "residence_permit"],
                      "description": "work_permit, residence_permit, social_insurance, professional_title, "
                      "e_social_security_card; an item may carry its own type: work_permit_extension. "
                      "Default: the usual items for the application type"},
            "application_type": {"type": "string", "enum": ["new", "change", "extension", "cancellation"],
                                 "default": "new"},
            "region": {"type": "string", "example": "fujian",
                       "description": "region profile (knowledge/regions/<id>.yml); default REGION"},
            "points_table": {"type": "string", "example": "interim",
                             "description": "default: knowledge/points/active.yml"},
            "degree_from_chinese_university": {"type": "boolean"},
            "teaches_native_language": {"type": "boolean"},
            "teaching_experience_years": {"type": "number", "minimum": 0},
            "teaching_qualification": {"type": "string", "enum": [
                "education_or_language_degree", "home_teaching_certificate", "tefl_120_hours"]},
            "passport_expiry": {"type": "string", "format": "date"},
            "criminal_record_certificate_date": {"type": "string", "format": "date"},
            "medical_certificate_date": {"type": "string", "format": "date"},
            "application_date": {"type": "string", "format": "date", "description": "default: today"},
        },
    },
    "EligibilityResult": {
        "type": "object",
        "description": "Every text is in the Accept-Language language.",
        "properties": {
            "language": {"$ref": "#/components/schemas/Language"},
            "answers": {"type": "object", "description": "the answers as understood (nationality as alpha-2)"},
            "nationality": {"type": "object", "nullable": True, "properties": {
                "alpha_2": _TEXT, "alpha_3": _TEXT, "name": _TEXT}},
            "region": {"type": "object", "properties": {"id": {"type": "string", "nullable": True}, "name": _TEXT}},
            "category": {"type": "object", "properties": {
                "code": {"type": "string", "enum": ["A", "B", "C"]}, "name": _TEXT, "summary": _TEXT,
                "met_routes": {"type": "array", "items": _TEXT},
                "possibly_higher": {"type": "string", "nullable": True, "enum": ["A", "B", None]},
                "possibly_higher_text": {"type": "string", "nullable": True},
                "routes": {"type": "array", "items": {"type": "object", "properties": {
                    "id": _TEXT, "category": _TEXT, "status": {"type": "string", "enum": ["met", "unmet", "unknown"]},
                    "text": _TEXT}}}}},
            "points": {"type": "object", "properties": {
                "total": {"type": "integer"},
                "breakdown": {"type": "object", "required": _FACTORS,
                              "properties": {k: {"type": "integer"} for k in _FACTORS}},
                "maximums": {"type": "object", "properties": {k: {"type": "integer"} for k in _FACTORS}},
                "explanations": {"type": "object", "properties": {k: _TEXT for k in _FACTORS}},
                "improvements": {"type": "array", "items": _TEXT},
                "thresholds": {"type": "object", "properties": {"A": {"type": "integer"}, "B": {"type": "integer"}}},
                "table": {"type": "object"}, "note": {"type": "string", "nullable": True}}},
            "conditions": {"type": "array", "items": {"type": "object", "properties": {
                "id": _TEXT, "status": {"type": "string", "enum": ["met", "unmet", "unknown"]}, "text": _TEXT}}},
            "acceptance": {"type": "object", "properties": {
                "mode": {"type": "string", "enum": ["standard", "materials_to_follow"]}, "text": _TEXT}},
            "in_china": {"type": "boolean"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "id": _TEXT, "key": _TEXT, "application_type": _TEXT, "name": _TEXT, "title": _TEXT,
                "office": {"type": "string", "nullable": True}, "steps": {"type": "array"}, "notes": {"type": "array"},
                "materials": {"type": "array", "items": _TEXT}, "deadlines": {"type": "array", "items": _TEXT},
                "fees": {"type": "array", "items": _TEXT}}}},
            "materials": {"type": "array", "items": {"type": "object", "properties": {
                "id": _TEXT, "items": {"type": "array", "items": _TEXT}, "name": _TEXT, "what": _TEXT, "issuer": _TEXT,
                "validity": {"type": "string", "nullable": True},
                "authentication": {"type": "string", "enum": ["required", "not_required", "ask_office"]},
                "authentication_text": _TEXT, "uncertain": {"type": "boolean"}, "source": _TEXT, "checked": _TEXT}}},
            "deadlines": {"type": "array", "items": {"type": "object", "properties": {
                "id": _TEXT, "items": {"type": "array", "items": _TEXT}, "text": _TEXT,
                "who": {"type": "string", "enum": ["applicant", "employer", "authority"]}, "who_text": _TEXT,
                "days": {"type": "integer", "nullable": True},
                "unit": {"type": "string", "enum": ["days", "working_days", "months"]},
                "direction": {"type": "string", "enum": ["after", "before"]}, "counts_from": _TEXT,
                "counts_from_text": _TEXT, "uncertain": {"type": "boolean"}}}},
            "fees": {"type": "array", "items": {"type": "object", "properties": {
                "id": _TEXT, "items": {"type": "array", "items": _TEXT}, "text": _TEXT,
                "amounts": {"type": "array", "nullable": True, "items": {"type": "object", "properties": {
                    "cny": {"type": "number"}, "validity": {"type": "string", "nullable": True}}}},
                "uncertain": {"type": "boolean"}}}},
            "social_insurance": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["agreement", "no_agreement", "unconfirmed", "no_country",
                                                      "not_foreign"]},
                "agreement": {"type": "boolean"}, "country": {"type": "object", "nullable": True},
                "exempt": {"type": "array", "nullable": True, "items": {"type": "object"}},
                "must_join": {"type": "array", "nullable": True, "items": {"type": "object"}},
                "coverage_certificate": {"type": "boolean"}, "text": _TEXT, "uncertain": {"type": "boolean"}}},
            "notes": {"type": "array", "items": _TEXT},
            "assumptions": {"type": "array", "items": _TEXT},
            "uncertain": {"type": "boolean"},
            "offer_human": {"type": "boolean"},
            "checklist_path": {"type": "string", "example": "/checklist?age=34&highest_degree=master&lang=en"},
        },
    },
}
OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/eligibility/assess": {"post": {
        "summary": "Category, points, basic conditions and the complete checklist (一次告知) for one applicant",
        "security": [{"serviceToken": []}, {"staffSession": []}],
        "parameters": [{"name": "Accept-Language", "in": "header", "required": False,
                        "description": "Language of every text and error: en or zh (default en).",
                        "schema": {"type": "string", "example": "zh-CN,zh;q=0.9"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/EligibilityRequest"}}}},
        "responses": {
            "200": {"description": "the assessment", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/EligibilityResult"}}}},
            "400": _error("body is not a JSON object (code: invalid_json)"),
            "401": _error("No valid service token or staff login (code: unauthorized)"),
            "403": _error("Wrong role or missing CSRF token (code: forbidden, csrf_failed)"),
            "422": _error("invalid answers (code: eligibility_invalid); details: one {field, code, message} per "
                          "problem"),
            "503": _error("the eligibility data files are broken (code: eligibility_unavailable)"),
        },
    }},
    "/checklist": {"get": {
        "summary": "Printable checklist page (HTML) for the answers in the query string (same names as "
                   "EligibilityRequest; lists comma-separated); lang=en|zh, both=1 for both languages",
        "security": [],
        "responses": {"200": {"description": "HTML page"}, "422": {"description": "HTML page listing invalid answers"}},
    }},
}
