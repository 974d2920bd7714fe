"""The content of a knowledge-base entry: normalising, validating, hashing, diffing."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.errors import Problem

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
TOPIC_RE = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_QUESTIONS = 30
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 5000
MAX_SOURCE_CHARS = 500
STATUSES = ("draft", "published", "retired")


def clean_lines(values: Any) -> list[str]:
    """Questions as a list of non-empty stripped strings (keeps order, drops duplicates)."""
    if isinstance(values, str):
        values = values.splitlines()
    out: list[str] = []
    for value in values or []:
        text = str(value).strip()
        if text and text not in out:
            out.append(text)
    return out


def parse_date(value: Any) -> date | None:
    """A date from a date object or an ISO string; None for empty; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


@dataclass
class EntryContent:
    id: str
    topic: str = "general"
    questions_en: list[str] = field(default_factory=list)
    questions_zh: list[str] = field(default_factory=list)
    answer_en: str = ""
    answer_zh: str = ""
    source: str = ""
    checked: date | None = None
    uncertain: bool = False

    def normalised(self) -> EntryContent:
        return EntryContent(
            id=self.id.strip(),
            topic=(self.topic or "").strip(),
            questions_en=clean_lines(self.questions_en),
            questions_zh=clean_lines(self.questions_zh),
            answer_en=(self.answer_en or "").strip(),
            answer_zh=(self.answer_zh or "").strip(),
            source=(self.source or "").strip(),
            checked=self.checked,
            uncertain=bool(self.uncertain),
        )

    def has_both_languages(self) -> bool:
        return bool(self.questions_en and self.questions_zh and self.answer_en and self.answer_zh)

    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable, canonical form (also the revision snapshot's content part)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "questions": {"en": list(self.questions_en), "zh": list(self.questions_zh)},
            "answer": {"en": self.answer_en, "zh": self.answer_zh},
            "source": self.source,
            "checked": self.checked.isoformat() if self.checked else None,
            "uncertain": self.uncertain,
        }

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> EntryContent:
        return cls(
            id=snap["id"],
            topic=snap.get("topic", "general"),
            questions_en=list(snap.get("questions", {}).get("en", [])),
            questions_zh=list(snap.get("questions", {}).get("zh", [])),
            answer_en=snap.get("answer", {}).get("en", ""),
            answer_zh=snap.get("answer", {}).get("zh", ""),
            source=snap.get("source", ""),
            checked=parse_date(snap.get("checked")),
            uncertain=bool(snap.get("uncertain", False)),
        )

    @classmethod
    def from_entry(cls, entry: Any) -> EntryContent:
        return cls(
            id=entry.id,
            topic=entry.topic,
            questions_en=list(entry.questions_en or []),
            questions_zh=list(entry.questions_zh or []),
            answer_en=entry.answer_en,
            answer_zh=entry.answer_zh,
            source=entry.source,
            checked=entry.checked,
            uncertain=bool(entry.uncertain),
        )

    def apply_to(self, entry: Any) -> None:
        entry.topic = self.topic
        entry.questions_en = list(self.questions_en)
        entry.questions_zh = list(self.questions_zh)
        entry.answer_en = self.answer_en
        entry.answer_zh = self.answer_zh
        entry.source = self.source
        entry.checked = self.checked
        entry.uncertain = self.uncertain

    def content_hash(self) -> str:
        payload = json.dumps(self.snapshot(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def validate(content: EntryContent, *, publish: bool = False) -> list[Problem]:
    """Field problems of a normalised entry; `publish` adds the both-languages rule."""
    problems: list[Problem] = []
    if not ID_RE.match(content.id):
        problems.append(Problem("id_invalid", field="id"))
    if not TOPIC_RE.match(content.topic):
        problems.append(Problem("topic_invalid", field="topic"))
    for name in ("questions_en", "questions_zh"):
        questions = getattr(content, name)
        if len(questions) > MAX_QUESTIONS:
            problems.append(Problem("too_many_questions", {"max": MAX_QUESTIONS}, field=name))
        if any(len(q) > MAX_QUESTION_CHARS for q in questions):
            problems.append(Problem("field_too_long", {"max": MAX_QUESTION_CHARS}, field=name))
    for name in ("answer_en", "answer_zh"):
        if len(getattr(content, name)) > MAX_ANSWER_CHARS:
            problems.append(Problem("field_too_long", {"max": MAX_ANSWER_CHARS}, field=name))
    if len(content.source) > MAX_SOURCE_CHARS:
        problems.append(Problem("field_too_long", {"max": MAX_SOURCE_CHARS}, field="source"))
    if publish and not content.has_both_languages():
        problems.append(Problem("publish_needs_both_languages", field="publish"))
        for name in ("questions_en", "questions_zh", "answer_en", "answer_zh"):
            if not getattr(content, name):
                problems.append(Problem("field_required", field=name))
    return problems


def render_for_diff(snapshot: dict[str, Any]) -> list[str]:
    """A revision snapshot as lines of text, one fact per line, for a readable diff."""
    lines = [
        f"topic: {snapshot.get('topic', '')}",
        f"status: {snapshot.get('status', '')}",
        f"uncertain: {str(bool(snapshot.get('uncertain'))).lower()}",
        f"checked: {snapshot.get('checked') or ''}",
        f"source: {snapshot.get('source', '')}",
    ]
    for lang in ("en", "zh"):
        for question in snapshot.get("questions", {}).get(lang, []):
            lines.append(f"question ({lang}): {question}")
    for lang in ("en", "zh"):
        lines.append(f"answer ({lang}):")
        lines.extend(f"  {line}" for line in snapshot.get("answer", {}).get(lang, "").splitlines())
    return lines


def diff_snapshots(
    old: dict[str, Any] | None, new: dict[str, Any], old_label: str, new_label: str
) -> list[str]:
    before = render_for_diff(old) if old else []
    after = render_for_diff(new)
    return list(difflib.unified_diff(before, after, old_label, new_label, lineterm="", n=2))
