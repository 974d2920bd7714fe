"""Eligibility check (一次告知): POST /api/v1/eligibility/assess and the printable GET /checklist.

The API needs the service token (or a staff login) like every /api/v1 call. The
checklist page is public: it stores nothing and recomputes the checklist from the
answers in its address, which the API hands out as `checklist_path`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, text

from backend.errors import ApiError
from backend.i18n import LANGUAGES, t
from backend.services.eligibility import answers_from_query, checklist_path, run_assessment
from backend.web import api_auth, api_language, console_language, json_body, render
from knowledge.eligibility.data import FACTOR_KEYS

bp = Blueprint("eligibility")

FACTOR_LABELS = {key: f"checklist_factor_{key}" for key in FACTOR_KEYS}

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
        return render(
            request,
            "checklist.html",
            status=422,
            error=error,
            problems=[p.to_json(lang) for p in error.problems],
            blocks=[],
            links={},
            tl=t,
        )
    base = [(k, v) for k, vs in request.args.items() if k not in ("lang", "both") for v in vs]
    links = {code: f"/checklist?{urlencode(base + [('lang', code)])}" for code in LANGUAGES}
    links["both"] = f"/checklist?{urlencode(base + [('lang', lang), ('both', '1')])}"
    blocks = [{"lang": code, "result": assessment.to_json(code)} for code in languages]
    return render(
        request,
        "checklist.html",
        blocks=blocks,
        error=None,
        problems=[],
        links=links,
        factor_labels=FACTOR_LABELS,
        generated=date.today().isoformat(),
        tl=t,
    )


@bp.get("/checklist/print.css")
async def checklist_css(request: Request) -> HTTPResponse:
    return text(
        CHECKLIST_CSS,
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )
