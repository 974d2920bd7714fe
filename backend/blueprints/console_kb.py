"""Policy staff console for the knowledge base (server-rendered; policy_editor and admin)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect, text

from backend.errors import ApiError, Problem
from backend.i18n import LANGUAGES
from backend.services.content import STATUSES, EntryContent, parse_date
from backend.services.knowledge import KnowledgeService
from backend.web import console_auth, console_language, current_login, discard, knowledge, render

bp = Blueprint("console_kb", url_prefix="/console/kb")
EDITORS = ("policy_editor",)


def _author(request: Request) -> str:
    login = current_login(request)
    return login.user.username if login else "?"


def _form_content(request: Request, entry_id: str) -> tuple[EntryContent, list[Problem]]:
    form = request.form or {}
    problems: list[Problem] = []
    try:
        checked = parse_date(form.get("checked", ""))
    except ValueError:
        checked = None
        problems.append(Problem("date_invalid", field="checked"))
    content = EntryContent(
        id=entry_id,
        topic=form.get("topic", ""),
        questions_en=(form.get("questions_en") or "").splitlines(),
        questions_zh=(form.get("questions_zh") or "").splitlines(),
        answer_en=form.get("answer_en", ""),
        answer_zh=form.get("answer_zh", ""),
        source=form.get("source", ""),
        checked=checked,
        uncertain=form.get("uncertain") == "on",
    ).normalised()
    return content, problems


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _editor(
    request: Request,
    *,
    content: EntryContent,
    entry: Any = None,
    status: int = 200,
    error: ApiError | None = None,
    extra: list[Problem] | None = None,
    version: int | None = None,
    unanswered: tuple[str, str] | None = None,
) -> HTTPResponse:
    lang = console_language(request)
    problems = list(extra or []) + (error.problems if error else [])
    field_errors: dict[str, list[str]] = {}
    for problem in problems:
        field_errors.setdefault(problem.field or "", []).append(problem.message(lang))
    return render(
        request,
        "console/kb_edit.html",
        status=status,
        content=content,
        entry=entry,
        version=version if version is not None else (entry.version if entry else None),
        error=error.message(lang) if error else "",
        field_errors=field_errors,
        done=request.args.get("done", ""),
        unanswered=unanswered,
    )


@bp.get("/")
@console_auth(*EDITORS)
async def list_entries(request: Request) -> HTTPResponse:
    service = knowledge(request)
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    q = request.args.get("q", "")[:200]
    topic = request.args.get("topic") or None
    entries = service.list_entries(q, status=status, topic=topic)
    return render(
        request,
        "console/kb_list.html",
        entries=entries,
        q=q,
        status_filter=status or "",
        topic=topic or "",
        topics=service.topics(),
        statuses=STATUSES,
        feedback=service.feedback_counts(),
    )


@bp.get("/new")
@console_auth(*EDITORS)
async def new_entry_form(request: Request) -> HTTPResponse:
    """A blank entry; from the unanswered list (?key=&language=), with that question filled in."""
    content = EntryContent(id="", topic="")
    unanswered = _unanswered_args(request.args)
    if unanswered:
        group = next(
            (
                g
                for g in knowledge(request).unanswered_groups(limit=1000)
                if (g["key"], g["language"]) == unanswered
            ),
            None,
        )
        if group:
            (content.questions_zh if group["language"] == "zh" else content.questions_en).append(
                group["text"]
            )
        else:
            unanswered = None
    return _editor(request, content=content, unanswered=unanswered)


def _unanswered_args(values: Any) -> tuple[str, str] | None:
    key, language = (values.get("key") or "").strip(), values.get("language")
    return (key, language) if key and language in LANGUAGES else None


@bp.post("/new")
@console_auth(*EDITORS)
async def create_entry(request: Request) -> HTTPResponse:
    form = request.form or {}
    content, problems = _form_content(request, (form.get("id") or "").strip())
    unanswered = _unanswered_args(form)
    if problems:
        return _editor(request, content=content, status=422, extra=problems, unanswered=unanswered)
    service = knowledge(request)
    try:
        entry = service.create(content, _author(request), publish=form.get("action") == "publish")
    except ApiError as exc:
        return _editor(request, content=content, status=exc.status, error=exc, unanswered=unanswered)
    if unanswered:  # made from an unanswered question: that group is done
        try:
            service.dismiss_unanswered(*unanswered, resolved_as=entry.id)
        except ApiError:
            pass  # closed meanwhile by someone else
    return redirect(f"/console/kb/{entry.id}/edit?done=saved")


@bp.get("/<entry_id>/edit")
@console_auth(*EDITORS)
async def edit_form(request: Request, entry_id: str) -> HTTPResponse:
    entry = knowledge(request).get(entry_id)
    return _editor(request, content=EntryContent.from_entry(entry), entry=entry)


@bp.post("/<entry_id>/edit")
@console_auth(*EDITORS)
async def save_entry(request: Request, entry_id: str) -> HTTPResponse:
    service = knowledge(request)
    entry = service.get(entry_id)
    form = request.form or {}
    content, problems = _form_content(request, entry_id)
    expected = _int(form.get("version"))
    if problems:
        return _editor(request, content=content, entry=entry, status=422, extra=problems, version=expected)
    status = {"publish": "published", "draft": "draft"}.get(form.get("action", ""))
    try:
        service.update(
            entry_id,
            content,
            _author(request),
            expected_version=expected,
            status=status,
            comment=(form.get("comment") or "").strip(),
        )
    except ApiError as exc:
        discard(request)
        return _editor(
            request,
            content=content,
            entry=service.get(entry_id),
            status=exc.status,
            error=exc,
            version=expected,
        )
    return redirect(f"/console/kb/{entry_id}/edit?done=saved")


@bp.post("/<entry_id>/status")
@console_auth(*EDITORS)
async def change_status(request: Request, entry_id: str) -> HTTPResponse:
    service = knowledge(request)
    form = request.form or {}
    status = form.get("status", "")
    if status not in STATUSES:
        raise ApiError("status_invalid", 400)
    try:
        service.set_status(entry_id, status, _author(request), expected_version=_int(form.get("version")))
    except ApiError as exc:
        if exc.status == 404:
            raise
        discard(request)
        entry = service.get(entry_id)
        return _editor(
            request, content=EntryContent.from_entry(entry), entry=entry, status=exc.status, error=exc
        )
    return redirect(f"/console/kb/{entry_id}/edit?done=status")


@bp.get("/<entry_id>/history")
@console_auth(*EDITORS)
async def history(request: Request, entry_id: str) -> HTTPResponse:
    service = knowledge(request)
    entry = service.get(entry_id)
    revisions = [(rev, service.diff(entry_id, rev.version)) for rev in service.revisions(entry_id)]
    return render(
        request,
        "console/kb_history.html",
        entry=entry,
        revisions=revisions,
        done=request.args.get("done", ""),
        rolled_to=request.args.get("v", ""),
    )


@bp.post("/<entry_id>/rollback")
@console_auth(*EDITORS)
async def rollback(request: Request, entry_id: str) -> HTTPResponse:
    form = request.form or {}
    version = _int(form.get("to_version"))
    if version is None:
        raise ApiError("revision_not_found", 404, version="?")
    knowledge(request).rollback(
        entry_id, version, _author(request), expected_version=_int(form.get("version"))
    )
    return redirect(f"/console/kb/{entry_id}/history?done=rollback&v={version}")


@bp.get("/preview")
@console_auth(*EDITORS)
async def preview(request: Request) -> HTTPResponse:
    question = request.args.get("q", "")
    language = (
        request.args.get("language")
        if request.args.get("language") in LANGUAGES
        else console_language(request)
    )
    result: dict[str, Any] | None = None
    error = ""
    if question:
        try:
            found, confident = knowledge(request).search(question, language)
            result = {"hits": found, "confident": confident}
        except ApiError as exc:
            error = exc.message(console_language(request))
    return render(
        request, "console/kb_preview.html", question=question, language=language, result=result, error=error
    )


@bp.get("/import")
@console_auth(*EDITORS)
async def import_form(request: Request) -> HTTPResponse:
    return render(request, "console/kb_import.html", report=None, error="", problems=[])


@bp.post("/import")
@console_auth(*EDITORS)
async def import_file(request: Request) -> HTTPResponse:
    lang = console_language(request)
    upload = request.files.get("file") if request.files else None
    if upload is None or not upload.body:
        error = ApiError(
            "import_rejected", 400, problems=[Problem("yaml_no_entries", line=1, file="-")], count=1
        )
    else:
        service: KnowledgeService = knowledge(request)
        try:
            report = service.import_files(
                [(upload.name or "upload.yml", upload.body)],
                _author(request),
                overwrite=(request.form or {}).get("overwrite") == "on",
            )
            return render(request, "console/kb_import.html", report=report, error="", problems=[])
        except ApiError as exc:
            error = exc
    problems = [(p.where(lang), p.message(lang)) for p in error.problems]
    return render(
        request,
        "console/kb_import.html",
        status=422,
        report=None,
        error=error.message(lang),
        problems=problems,
    )


@bp.get("/export")
@console_auth(*EDITORS)
async def export(request: Request) -> HTTPResponse:
    body = knowledge(request).export_yaml()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return text(
        body,
        content_type="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="knowledge-{stamp}.yml"'},
    )


@bp.get("/unanswered")
@console_auth(*EDITORS)
async def unanswered(request: Request) -> HTTPResponse:
    """Questions that got "did you mean" or no match, grouped, most asked first."""
    service = knowledge(request)
    return render(
        request,
        "console/kb_unanswered.html",
        groups=service.unanswered_groups(),
        entries=service.list_entries(status="published"),
        done=request.args.get("done", ""),
    )


@bp.post("/unanswered/phrasing")
@console_auth(*EDITORS)
async def add_as_phrasing(request: Request) -> HTTPResponse:
    form = request.form or {}
    group = _unanswered_args(form)
    entry_id = (form.get("entry_id") or "").strip()
    if not group or not entry_id:
        raise ApiError("unanswered_not_found", 404)
    knowledge(request).add_unanswered_as_phrasing(*group, entry_id, _author(request))
    return redirect("/console/kb/unanswered?done=phrasing")


@bp.post("/unanswered/dismiss")
@console_auth(*EDITORS)
async def dismiss(request: Request) -> HTTPResponse:
    group = _unanswered_args(request.form or {})
    if not group:
        raise ApiError("unanswered_not_found", 404)
    knowledge(request).dismiss_unanswered(*group)
    return redirect("/console/kb/unanswered?done=dismissed")
