"""Knowledge-base use cases: edit with revisions, import/export, answer, preview."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.errors import ApiError, Problem
from backend.models import FaqEntry, FaqFeedback, FaqRevision, UnansweredQuestion, utcnow
from backend.services.content import EntryContent, diff_snapshots, validate
from backend.services.index import KnowledgeIndex, bump_kb_version
from backend.services.kb_files import ImportRejected, dump_kb_yaml, parse_kb_files

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
UNANSWERED_TEXT_CHARS = 300  # what is kept of a question with no direct answer


def unanswered_key(text: str) -> str:
    """Groups repeats of one question: lower case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())[:UNANSWERED_TEXT_CHARS]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_console_edits: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items()}

    def summary(self) -> str:
        return ", ".join(f"{len(v)} {k}" for k, v in self.__dict__.items())


def _snapshot(entry: FaqEntry) -> dict[str, Any]:
    snap = EntryContent.from_entry(entry).snapshot()
    snap["status"] = entry.status
    return snap


def entry_to_json(entry: FaqEntry, language: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": entry.id,
        "topic": entry.topic,
        "status": entry.status,
        "source": entry.source,
        "checked": entry.checked.isoformat() if entry.checked else None,
        "uncertain": bool(entry.uncertain),
        "version": entry.version,
        "updated_at": entry.updated_at.isoformat() + "Z",
        "updated_by": entry.updated_by,
    }
    if language:
        questions = entry.questions_zh if language == "zh" else entry.questions_en
        data["question"] = (questions or [""])[0]
        data["answer"] = entry.answer_zh if language == "zh" else entry.answer_en
        data["language"] = language
    else:
        data["questions"] = {"en": list(entry.questions_en), "zh": list(entry.questions_zh)}
        data["answer"] = {"en": entry.answer_en, "zh": entry.answer_zh}
    return data


class KnowledgeService:
    def __init__(self, session: Session, index: KnowledgeIndex) -> None:
        self.session = session
        self.index = index
        self._dirty = False

    # --- reading -----------------------------------------------------------------
    def get(self, entry_id: str) -> FaqEntry:
        entry = self.session.get(FaqEntry, entry_id)
        if entry is None:
            raise ApiError("entry_not_found", 404, id=entry_id)
        return entry

    def list_entries(
        self, query: str = "", status: str | None = None, topic: str | None = None
    ) -> list[FaqEntry]:
        stmt = select(FaqEntry).order_by(FaqEntry.topic, FaqEntry.id)
        if status:
            stmt = stmt.where(FaqEntry.status == status)
        if topic:
            stmt = stmt.where(FaqEntry.topic == topic)
        entries = list(self.session.execute(stmt).scalars())
        needle = query.strip().lower()
        if not needle:
            return entries

        def matches(e: FaqEntry) -> bool:
            haystack = [e.id, e.topic, e.answer_en, e.answer_zh, e.source, *e.questions_en, *e.questions_zh]
            return any(needle in (text or "").lower() for text in haystack)

        return [e for e in entries if matches(e)]

    def topics(self) -> list[str]:
        return list(
            self.session.execute(select(FaqEntry.topic).distinct().order_by(FaqEntry.topic)).scalars()
        )

    def revisions(self, entry_id: str) -> list[FaqRevision]:
        self.get(entry_id)
        stmt = (
            select(FaqRevision).where(FaqRevision.entry_id == entry_id).order_by(FaqRevision.version.desc())
        )
        return list(self.session.execute(stmt).scalars())

    def revision(self, entry_id: str, version: int) -> FaqRevision:
        rev = self.session.execute(
            select(FaqRevision).where(FaqRevision.entry_id == entry_id, FaqRevision.version == version)
        ).scalar_one_or_none()
        if rev is None:
            raise ApiError("revision_not_found", 404, version=version)
        return rev

    def diff(self, entry_id: str, version: int) -> list[str]:
        """What revision `version` changed compared with the one before it."""
        rev = self.revision(entry_id, version)
        previous = self.session.execute(
            select(FaqRevision)
            .where(FaqRevision.entry_id == entry_id, FaqRevision.version < version)
            .order_by(FaqRevision.version.desc())
            .limit(1)
        ).scalar_one_or_none()
        return diff_snapshots(
            previous.snapshot if previous else None,
            rev.snapshot,
            f"v{previous.version}" if previous else "(new)",
            f"v{rev.version}",
        )

    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        rows = self.session.execute(
            select(FaqFeedback.entry_id, FaqFeedback.helpful, func.count()).group_by(
                FaqFeedback.entry_id, FaqFeedback.helpful
            )
        ).all()
        counts: dict[str, list[int]] = {}
        for entry_id, helpful, n in rows:
            counts.setdefault(entry_id, [0, 0])[0 if helpful else 1] += n
        return {k: (v[0], v[1]) for k, v in counts.items()}

    # --- writing -----------------------------------------------------------------
    def _record(self, entry: FaqEntry, action: str, author: str, comment: str = "") -> None:
        self.session.add(
            FaqRevision(
                entry_id=entry.id,
                version=entry.version,
                action=action,
                author=author,
                comment=comment[:500],
                snapshot=_snapshot(entry),
                created_at=utcnow(),
            )
        )
        self._dirty = True

    def _commit(self) -> None:
        if self._dirty:
            bump_kb_version(self.session)  # once per transaction: every worker re-indexes
            self._dirty = False
        try:
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise
        try:  # update the index now so the next question is fast; a failure here only
            self.index.refresh(self.session)  # delays it to the next answer (which reports it)
        except Exception:
            log.exception("knowledge index refresh failed after a write")

    def _check_version(self, entry: FaqEntry, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != entry.version:
            raise ApiError("entry_version_conflict", 409, version=entry.version)

    def create(self, content: EntryContent, author: str, *, publish: bool = False) -> FaqEntry:
        content = content.normalised()
        problems = validate(content, publish=publish)
        if problems:
            raise ApiError("entry_invalid", 422, problems=problems)
        if self.session.get(FaqEntry, content.id) is not None:
            raise ApiError(
                "entry_id_taken",
                409,
                problems=[Problem("entry_id_taken", {"id": content.id}, field="id")],
                id=content.id,
            )
        now = utcnow()
        entry = FaqEntry(
            id=content.id,
            status="published" if publish else "draft",
            version=1,
            created_at=now,
            updated_at=now,
            updated_by=author,
        )
        content.apply_to(entry)
        self.session.add(entry)
        self.session.flush()
        self._record(entry, "create", author)
        self._commit()
        return entry

    def update(
        self,
        entry_id: str,
        content: EntryContent,
        author: str,
        *,
        expected_version: int | None = None,
        status: str | None = None,
        comment: str = "",
    ) -> FaqEntry:
        """Save new content; `status` "published"/"draft" changes the status too."""
        entry = self.get(entry_id)
        self._check_version(entry, expected_version)
        content = content.normalised()
        content.id = entry.id
        new_status = status or entry.status
        problems = validate(content, publish=new_status == "published")
        if problems:
            raise ApiError("entry_invalid", 422, problems=problems)
        before = (EntryContent.from_entry(entry).snapshot(), entry.status)
        if before == (content.snapshot(), new_status):
            return entry
        content.apply_to(entry)
        action = "publish" if new_status == "published" and entry.status != "published" else "edit"
        entry.status = new_status
        self._touch(entry, author)
        self._record(entry, action, author, comment)
        self._commit()
        return entry

    def _touch(self, entry: FaqEntry, author: str) -> None:
        entry.version += 1
        entry.updated_at = utcnow()
        entry.updated_by = author

    def set_status(
        self, entry_id: str, status: str, author: str, *, expected_version: int | None = None
    ) -> FaqEntry:
        entry = self.get(entry_id)
        self._check_version(entry, expected_version)
        if status == entry.status:
            return entry
        if status == "published":
            problems = validate(EntryContent.from_entry(entry), publish=True)
            if problems:
                raise ApiError("entry_invalid", 422, problems=problems)
        entry.status = status
        self._touch(entry, author)
        self._record(entry, {"published": "publish", "retired": "retire"}.get(status, "edit"), author)
        self._commit()
        return entry

    def rollback(
        self, entry_id: str, version: int, author: str, *, expected_version: int | None = None
    ) -> FaqEntry:
        """Restore the content of revision `version` as a new revision (status unchanged)."""
        entry = self.get(entry_id)
        self._check_version(entry, expected_version)
        rev = self.revision(entry_id, version)
        content = EntryContent.from_snapshot(rev.snapshot)
        problems = validate(content, publish=entry.status == "published")
        if problems:
            raise ApiError("entry_invalid", 422, problems=problems)
        content.apply_to(entry)
        self._touch(entry, author)
        self._record(entry, "rollback", author, f"v{version}")
        self._commit()
        return entry

    # --- files -------------------------------------------------------------------
    def import_files(
        self, files: list[tuple[str, bytes]], author: str, *, overwrite: bool = False
    ) -> ImportReport:
        """Import whole files or nothing. Console edits are never overwritten silently:
        an entry changed both in the file and in the console since the last import is a
        conflict, left as it is unless `overwrite` is given (and then a revision keeps
        the console version for rollback)."""
        try:
            parsed = parse_kb_files(files)
        except ImportRejected as exc:
            raise ApiError("import_rejected", 422, problems=exc.problems, count=len(exc.problems)) from exc
        report = ImportReport()
        existing = {e.id: e for e in self.session.execute(select(FaqEntry)).scalars()}
        now = utcnow()
        try:
            for item in parsed:
                content, file_hash = item.content, item.content.content_hash()
                entry = existing.get(content.id)
                if entry is None:
                    status = item.status or ("published" if content.has_both_languages() else "draft")
                    entry = FaqEntry(
                        id=content.id,
                        status=status,
                        version=1,
                        seed_hash=file_hash,
                        created_at=now,
                        updated_at=now,
                        updated_by=author,
                    )
                    content.apply_to(entry)
                    self.session.add(entry)
                    self.session.flush()
                    self._record(entry, "import", author, item.file)
                    report.created.append(content.id)
                    continue
                db_hash = EntryContent.from_entry(entry).content_hash()
                if db_hash == file_hash:
                    entry.seed_hash = file_hash
                    report.unchanged.append(content.id)
                    continue
                if entry.seed_hash == file_hash:  # file unchanged since last import; console is newer
                    report.kept_console_edits.append(content.id)
                    continue
                untouched = entry.seed_hash == db_hash
                if not untouched and not overwrite:
                    report.conflicts.append(content.id)
                    continue
                if entry.status == "published" and not content.has_both_languages():
                    entry.status = "draft"
                content.apply_to(entry)
                entry.seed_hash = file_hash
                self._touch(entry, author)
                self._record(entry, "import", author, item.file)
                (report.updated if untouched else report.overwritten).append(content.id)
        except Exception:
            self.session.rollback()
            raise
        self._commit()
        if report.conflicts:
            log.warning(
                "knowledge import: %d conflict(s) kept as edited in the console: %s",
                len(report.conflicts),
                ", ".join(report.conflicts),
            )
        return report

    def export_yaml(self, status: str | None = None) -> str:
        entries = self.list_entries(status=status)
        header = (
            "# Exported from the policy staff console. Re-import with the console or\n"
            "# `python -m backend import-kb FILE`. Format: docs/backend.md\n"
        )
        return dump_kb_yaml([(EntryContent.from_entry(e), e.status) for e in entries], header)

    # --- answering ---------------------------------------------------------------
    def _clean_question(self, question: Any) -> str:
        if not isinstance(question, str) or not question.strip():
            raise ApiError("question_empty", 400)
        if len(question) > MAX_QUESTION_CHARS:
            raise ApiError("question_too_long", 400, max=MAX_QUESTION_CHARS)
        return question.strip()

    def decide(
        self, question: Any, language: str, k: int = 3
    ) -> tuple[list[tuple[Any, FaqEntry]], str, list[str]]:
        """Published hits, the retriever's decision ("answer", "ambiguous", "no_match") and
        the ids to offer as related questions under a direct answer."""
        text = self._clean_question(question)
        try:
            ranked = self.index.decide(self.session, text, language, k=k)
        except ImportError as exc:
            log.error("retrieval engine not importable: %s", exc)
            raise ApiError("retrieval_unavailable", 503) from exc
        found = []
        for hit in ranked.hits:
            entry = self.session.get(FaqEntry, hit.id)
            if entry is not None and entry.status == "published":
                found.append((hit, entry))
        decision = ranked.decision
        if not found:
            decision = "no_match"
        elif decision == "answer" and found[0][0] is not ranked.hits[0]:
            decision = "ambiguous"  # the best hit is no longer published: offer what is left
        return found, decision, ranked.related

    def search(self, question: Any, language: str, k: int = 3) -> tuple[list[tuple[Any, FaqEntry]], bool]:
        found, decision, _ = self.decide(question, language, k=k)
        return found, decision == "answer"

    def answer(self, question: Any, language: str) -> dict[str, Any]:
        """The bot's first reply, decided by the retriever: "answer" (the best entry, with up
        to 2 related entries to offer under it), "ambiguous" (status "candidates": up to 3
        to choose from) or "no_match" (off-topic: nothing to offer)."""
        found, decision, related_ids = self.decide(question, language)
        if decision != "answer":
            self.record_unanswered(str(question), language, decision, found[0][1].id if found else None)
        if decision == "no_match":
            return {
                "status": "no_match",
                "decision": "no_match",
                "language": language,
                "entry": None,
                "candidates": [],
                "related": [],
            }
        candidates = [
            {**entry_to_json(entry, language), "score": hit.score, "confidence": hit.confidence}
            for hit, entry in found
        ]
        if decision == "answer":
            best = candidates[0]
            related = [c for c in candidates[1:] if c["id"] in related_ids][:2]
            return {
                "status": "answer",
                "decision": "answer",
                "language": language,
                "entry": best,
                "confidence": best["confidence"],
                "candidates": candidates[1:],
                "related": related,
            }
        return {
            "status": "candidates",
            "decision": "ambiguous",
            "language": language,
            "entry": None,
            "candidates": candidates,
            "related": [],
        }

    # --- questions with no direct answer (policy console) -------------------------
    def record_unanswered(
        self, question: str, language: str, decision: str, top_entry_id: str | None
    ) -> None:
        """Keep a question that got "did you mean" or no match; never fails the answer."""
        text = " ".join(question.split())[:UNANSWERED_TEXT_CHARS]
        key = unanswered_key(text)
        if not key:
            return
        try:
            self.session.add(
                UnansweredQuestion(
                    key=key,
                    text=text,
                    language=language,
                    decision=decision,
                    top_entry_id=top_entry_id,
                    created_at=utcnow(),
                )
            )
            self.session.commit()
        except Exception:
            self.session.rollback()
            log.exception("could not record an unanswered question")

    def unanswered_groups(self, limit: int = 100) -> list[dict[str, Any]]:
        """Open unanswered questions grouped by (key, language), most asked first."""
        rows = self.session.execute(
            select(UnansweredQuestion)
            .where(UnansweredQuestion.resolved_at.is_(None))
            .order_by(UnansweredQuestion.created_at.desc())
            .limit(5000)
        ).scalars()
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:  # newest first: the first row of a group gives its text and last time
            group = groups.setdefault(
                (row.key, row.language),
                {
                    "key": row.key,
                    "language": row.language,
                    "text": row.text,
                    "count": 0,
                    "last_asked": row.created_at,
                    "no_match": 0,
                    "suggested": Counter(),
                },
            )
            group["count"] += 1
            group["no_match"] += row.decision == "no_match"
            if row.top_entry_id:
                group["suggested"][row.top_entry_id] += 1
        result = []
        for group in groups.values():
            suggested = group.pop("suggested")
            group["suggested"] = suggested.most_common(1)[0][0] if suggested else None
            result.append(group)
        result.sort(key=lambda g: (-g["count"], -g["last_asked"].timestamp()))
        return result[:limit]

    def _open_unanswered(self, key: str, language: str) -> list[UnansweredQuestion]:
        rows = list(
            self.session.execute(
                select(UnansweredQuestion)
                .where(
                    UnansweredQuestion.key == key,
                    UnansweredQuestion.language == language,
                    UnansweredQuestion.resolved_at.is_(None),
                )
                .order_by(UnansweredQuestion.created_at.desc())
            ).scalars()
        )
        if not rows:
            raise ApiError("unanswered_not_found", 404)
        return rows

    def add_unanswered_as_phrasing(self, key: str, language: str, entry_id: str, author: str) -> FaqEntry:
        """Add the question as an example question of `entry_id` (a new revision, answering
        it from the next question on) and close its group."""
        rows = self._open_unanswered(key, language)
        entry = self.get(entry_id)
        content = EntryContent.from_entry(entry)
        questions = content.questions_zh if language == "zh" else content.questions_en
        if rows[0].text not in questions:
            questions.append(rows[0].text)
        now = utcnow()
        for row in rows:
            row.resolved_at, row.resolved_as = now, entry.id
        try:
            entry = self.update(entry_id, content, author, comment="phrasing from an unanswered question")
            self.session.commit()  # when the text was already there, update() committed nothing
        except Exception:
            self.session.rollback()
            raise
        return entry

    def dismiss_unanswered(self, key: str, language: str, resolved_as: str | None = None) -> None:
        """Close a group: not a policy question, or answered by a new entry (`resolved_as`)."""
        now = utcnow()
        for row in self._open_unanswered(key, language):
            row.resolved_at, row.resolved_as = now, resolved_as
        self.session.commit()
