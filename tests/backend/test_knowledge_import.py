"""Importing knowledge-base YAML: idempotent, never silently overwrites console edits,
malformed files rejected whole with line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from sqlalchemy import func, select

from backend import migrate
from backend.db import make_engine, make_session_factory
from backend.errors import ApiError
from backend.models import FaqEntry, FaqRevision
from backend.services.content import EntryContent
from backend.services.index import KnowledgeIndex
from backend.services.kb_files import parse_kb_files, read_kb_dir
from backend.services.knowledge import KnowledgeService
from tests.backend.conftest import DATA, BackendServer, Client

SAMPLE = (DATA / "faq" / "sample.yml").read_bytes()
PROJECT_FAQ = Path(__file__).resolve().parents[2] / "knowledge" / "faq"


class _NullRetriever:
    def index(self, documents: list) -> None:
        self.documents = list(documents)

    def search(self, text: str, language: str, k: int = 3) -> list:
        return []

    def confident(self, hits: list) -> bool:
        return False


@pytest.fixture
def kb(database_urls: Any) -> Iterator[KnowledgeService]:
    engine = make_engine(database_urls())
    migrate.upgrade(engine)
    session = make_session_factory(engine)()
    service = KnowledgeService(session, KnowledgeIndex(retriever_factory=_NullRetriever))
    service.import_files([("sample.yml", SAMPLE)], "seed")
    yield service
    session.close()
    engine.dispose()


def _edited(text: bytes, old: str, new: str) -> bytes:
    assert old.encode() in text
    return text.replace(old.encode(), new.encode())


def _count(kb: KnowledgeService, model: Any) -> int:
    return kb.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_reimport_of_the_same_file_changes_nothing(kb: KnowledgeService) -> None:
    revisions = _count(kb, FaqRevision)
    report = kb.import_files([("sample.yml", SAMPLE)], "seed")
    assert report.created == [] and report.updated == [] and report.conflicts == []
    assert sorted(report.unchanged) == ["t-rp-deadline", "t-si-refund", "t-wp-fee"]
    assert _count(kb, FaqRevision) == revisions


def test_seed_entries_with_both_languages_are_published(kb: KnowledgeService) -> None:
    assert {e.status for e in kb.list_entries()} == {"published"}


def test_changed_file_updates_entries_nobody_edited(kb: KnowledgeService) -> None:
    changed = _edited(SAMPLE, "The work permit itself is free of charge.", "No fee is charged.")
    report = kb.import_files([("sample.yml", changed)], "seed")
    assert report.updated == ["t-wp-fee"]
    assert kb.get("t-wp-fee").answer_en == "No fee is charged."


def test_console_edit_survives_reimport_of_the_unchanged_file(kb: KnowledgeService) -> None:
    content = EntryContent.from_entry(kb.get("t-wp-fee"))
    content.answer_en = "Edited in the console."
    kb.update("t-wp-fee", content, "editor")
    report = kb.import_files([("sample.yml", SAMPLE)], "seed")
    assert report.kept_console_edits == ["t-wp-fee"]
    assert kb.get("t-wp-fee").answer_en == "Edited in the console."


def test_entry_changed_in_file_and_console_is_a_reported_conflict(kb: KnowledgeService) -> None:
    content = EntryContent.from_entry(kb.get("t-wp-fee"))
    content.answer_en = "Edited in the console."
    kb.update("t-wp-fee", content, "editor")
    changed = _edited(SAMPLE, "The work permit itself is free of charge.", "Changed in the file.")
    report = kb.import_files([("sample.yml", changed)], "seed")
    assert report.conflicts == ["t-wp-fee"]
    assert kb.get("t-wp-fee").answer_en == "Edited in the console."
    forced = kb.import_files([("sample.yml", changed)], "editor", overwrite=True)
    assert forced.overwritten == ["t-wp-fee"]
    assert kb.get("t-wp-fee").answer_en == "Changed in the file."
    snapshots = [r.snapshot["answer"]["en"] for r in kb.revisions("t-wp-fee")]
    assert "Edited in the console." in snapshots  # the overwritten edit can be rolled back to


def test_console_created_entry_is_not_replaced_by_a_file_with_the_same_id(kb: KnowledgeService) -> None:
    kb.create(
        EntryContent(
            id="t-new",
            topic="general",
            questions_en=["q?"],
            questions_zh=["问？"],
            answer_en="console",
            answer_zh="后台",
        ),
        "editor",
        publish=True,
    )
    file = (
        b"entries:\n  - id: t-new\n    topic: general\n    questions: {en: ['q?'], zh: [\xe9\x97\xae\xef\xbc\x9f]}\n"
        b"    answer: {en: from file, zh: from file}\n"
    )
    assert kb.import_files([("x.yml", file)], "seed").conflicts == ["t-new"]
    assert kb.get("t-new").answer_en == "console"


MALFORMED = {
    "syntax": ("entries:\n  - id: a\n    topic: [unclosed\n", [3, 4], "yaml_syntax"),
    "no_entries": ("items: []\n", [1], "yaml_no_entries"),
    "missing_field": (
        "entries:\n  - id: ok-1\n    topic: t\n    questions: {en: [a], zh: [b]}\n    answer: {en: a, zh: b}\n"
        "  - id: broken\n    topic: t\n    answer: {en: a, zh: b}\n",
        [6],
        "yaml_field_missing",
    ),
    "unknown_field": (
        "entries:\n  - id: a-1\n    topic: t\n    questions: {en: [a], zh: [b]}\n"
        "    answer: {en: a, zh: b}\n    anwser: typo\n",
        [6],
        "yaml_field_unknown",
    ),
    "duplicate_id": (
        "entries:\n  - id: dup\n    topic: t\n    questions: {en: [a], zh: [b]}\n    answer: {en: a, zh: b}\n"
        "  - id: dup\n    topic: t\n    questions: {en: [c], zh: [d]}\n    answer: {en: c, zh: d}\n",
        [6],
        "yaml_duplicate_id",
    ),
    "duplicate_key": (
        "entries:\n  - id: k-1\n    topic: t\n    topic: u\n    questions: {en: [a], zh: [b]}\n"
        "    answer: {en: a, zh: b}\n",
        [4],
        "yaml_duplicate_key",
    ),
    "bad_date": (
        "entries:\n  - id: d-1\n    topic: t\n    questions: {en: [a], zh: [b]}\n    answer: {en: a, zh: b}\n"
        "    checked: last tuesday\n",
        [6],
        "yaml_field_invalid",
    ),
    "bad_id": (
        "entries:\n  - id: Bad Id!\n    topic: t\n    questions: {en: [a], zh: [b]}\n    answer: {en: a, zh: b}\n",
        [2],
        "yaml_field_invalid",
    ),
    "published_half": (
        "entries:\n  - id: h-1\n    topic: t\n    questions: {en: [a], zh: []}\n    answer: {en: a}\n"
        "    status: published\n",
        [6],
        "yaml_field_invalid",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_is_rejected_whole_with_line_numbers(kb: KnowledgeService, case: str) -> None:
    text, lines, code = MALFORMED[case]
    before = _count(kb, FaqEntry), _count(kb, FaqRevision)
    with pytest.raises(ApiError) as raised:
        kb.import_files([("sample.yml", SAMPLE), ("bad.yml", text.encode())], "editor")
    error = raised.value
    assert error.code == "import_rejected" and error.status == 422
    found = [(p.file, p.line, p.code) for p in error.problems]
    assert any(f == "bad.yml" and line in lines and c == code for f, line, c in found), found
    assert (_count(kb, FaqEntry), _count(kb, FaqRevision)) == before
    assert error.problems[0].message("zh")  # every problem has a Chinese message too


def test_file_that_is_not_utf8_is_rejected(kb: KnowledgeService) -> None:
    with pytest.raises(ApiError) as raised:
        kb.import_files([("bin.yml", b"\xff\xfe\x00garbage")], "editor")
    assert raised.value.problems[0].code == "yaml_not_text"


def test_export_then_import_round_trips(kb: KnowledgeService) -> None:
    exported = kb.export_yaml()
    data = yaml.safe_load(exported)
    assert {e["status"] for e in data["entries"]} == {"published"}
    report = kb.import_files([("export.yml", exported.encode())], "editor")
    assert sorted(report.unchanged) == ["t-rp-deadline", "t-si-refund", "t-wp-fee"]


@pytest.mark.skipif(not PROJECT_FAQ.is_dir(), reason="knowledge/faq/ is not there")
def test_the_projects_knowledge_files_import_cleanly() -> None:
    entries = parse_kb_files(read_kb_dir(PROJECT_FAQ))
    assert len(entries) >= 60
    assert all(e.content.has_both_languages() for e in entries)


def test_console_upload_of_a_malformed_file_shows_line_numbers(editor: Client) -> None:
    bad = MALFORMED["missing_field"][0].encode()
    response = editor.post_multipart(
        "/console/kb/import", {"csrf_token": editor.csrf()}, {"file": ("bad.yml", bad)}
    )
    assert response.status == 422
    assert "bad.yml, line 6" in response.text
    assert "Nothing was changed." in response.text
    assert editor.get("/console/kb?q=ok-1").text.count('data-entry-id="ok-1"') == 0


def test_console_upload_creates_entries_that_answer_at_once(editor: Client, client: Client) -> None:
    new = (
        "entries:\n  - id: t-upload\n    topic: general\n    questions:\n      en:\n        - Where do I upload documents?\n"
        "      zh:\n        - 材料在哪里上传？\n    answer:\n      en: In the online system.\n      zh: 在网上系统上传。\n"
        "    source: https://example.org\n    checked: 2026-11-20\n"
    )
    response = editor.post_multipart(
        "/console/kb/import", {"csrf_token": editor.csrf()}, {"file": ("new.yml", new.encode())}
    )
    assert response.status == 200
    assert "Created: 1" in response.text
    answer = client.post_json(
        "/api/v1/faq/answer", {"question": "Where do I upload documents?", "language": "en"}
    )
    assert answer.json()["entry"]["id"] == "t-upload"
    no_csrf = editor.post_multipart("/console/kb/import", {}, {"file": ("new.yml", new.encode())})
    assert no_csrf.status == 403


def test_restart_on_the_same_database_keeps_console_edits(tmp_path: Path, database_urls: Any) -> None:
    from tests.backend.conftest import start_backend

    url = database_urls()
    first = start_backend(tmp_path / "a", url)
    try:
        c = Client(first.url)
        c.login("editor")
        from tests.backend.test_console import edit_fields

        assert (
            c.post_form("/console/kb/t-wp-fee/edit", edit_fields(c, "t-wp-fee", answer_en="Kept.")).status
            == 302
        )
    finally:
        first.stop()
    second: BackendServer = start_backend(tmp_path / "b", url)
    try:
        report = second.app.ctx.bootstrap["import"]
        assert report.kept_console_edits == ["t-wp-fee"] and report.created == []
        answer = Client(second.url).post_json(
            "/api/v1/faq/answer", {"question": "Is there a fee for the work permit?", "language": "en"}
        )
        assert answer.json()["entry"]["answer"] == "Kept."
    finally:
        second.stop()
