"""Knowledge-base YAML files: strict parsing with line numbers, and export.

A file is accepted whole or rejected whole: `parse_kb_files` returns every problem it
finds (with file and line) before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backend.errors import Problem
from backend.services.content import STATUSES, EntryContent, clean_lines, parse_date, validate

REQUIRED_FIELDS = ("id", "topic", "questions", "answer")
OPTIONAL_FIELDS = ("source", "checked", "uncertain", "status")
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class ParsedEntry:
    content: EntryContent
    status: str | None  # as given in the file, if any
    file: str
    line: int


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _duplicate_keys(node: yaml.Node, file: str) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    problems.append(
                        Problem(
                            "yaml_duplicate_key", {"key": key.value}, line=key.start_mark.line + 1, file=file
                        )
                    )
                seen.add(key.value)
            problems.extend(_duplicate_keys(value, file))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems.extend(_duplicate_keys(item, file))
    return problems


def _load(text: str, file: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, [Problem("yaml_no_entries", line=1, file=file)]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = str(exc.problem or exc.context or "syntax error")
        return None, None, [Problem("yaml_syntax", {"problem": problem}, line=line, file=file)]
    except yaml.YAMLError as exc:
        return None, None, [Problem("yaml_syntax", {"problem": str(exc)}, line=1, file=file)]
    finally:
        loader.dispose()
    return node, data, _duplicate_keys(node, file)


def _key_lines(node: yaml.MappingNode) -> dict[str, int]:
    return {k.value: v.start_mark.line + 1 for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _entry(item_node: yaml.Node, item: Any, file: str) -> tuple[ParsedEntry | None, list[Problem]]:
    line = item_node.start_mark.line + 1
    if not isinstance(item_node, yaml.MappingNode) or not isinstance(item, dict):
        return None, [Problem("yaml_entry_not_mapping", line=line, file=file)]
    lines = _key_lines(item_node)
    entry_id = str(item.get("id", "?"))
    problems: list[Problem] = []

    def bad(field_name: str, reason: str) -> None:
        problems.append(
            Problem(
                "yaml_field_invalid",
                {"id": entry_id, "field": field_name, "reason": f"@backend.{reason}"},
                field=field_name,
                line=lines.get(field_name.split(".")[0], line),
                file=file,
            )
        )

    for name in item:
        if name not in REQUIRED_FIELDS + OPTIONAL_FIELDS:
            problems.append(
                Problem(
                    "yaml_field_unknown",
                    {"id": entry_id, "field": name},
                    line=lines.get(str(name), line),
                    file=file,
                )
            )
    for name in REQUIRED_FIELDS:
        if name not in item:
            problems.append(
                Problem("yaml_field_missing", {"id": entry_id, "field": name}, line=line, file=file)
            )
    if problems:
        return None, problems

    def text(value: Any, field_name: str) -> str:
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            bad(field_name, "field_type_text")
            return ""
        return str(value)

    def by_language(value: Any, field_name: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not set(value) <= {"en", "zh"}:
            bad(field_name, "field_type_languages")
            return {}
        return value

    questions = by_language(item["questions"], "questions")
    answer = by_language(item["answer"], "answer")
    q = {}
    for lang in ("en", "zh"):
        value = questions.get(lang) or []
        if not isinstance(value, list):
            bad(f"questions.{lang}", "field_type_list")
            value = []
        q[lang] = clean_lines(text(v, f"questions.{lang}") for v in value)
    checked = None
    try:
        checked = parse_date(item.get("checked"))
    except (TypeError, ValueError):
        bad("checked", "date_invalid")
    uncertain = item.get("uncertain", False)
    if not isinstance(uncertain, bool):
        bad("uncertain", "field_type_bool")
    status = item.get("status")
    if status is not None and status not in STATUSES:
        bad("status", "status_invalid")
    content = EntryContent(
        id=text(item["id"], "id"),
        topic=text(item["topic"], "topic"),
        questions_en=q["en"],
        questions_zh=q["zh"],
        answer_en=text(answer.get("en"), "answer.en"),
        answer_zh=text(answer.get("zh"), "answer.zh"),
        source=text(item.get("source"), "source"),
        checked=checked,
        uncertain=bool(uncertain),
    ).normalised()
    for problem in validate(content, publish=status == "published"):
        name = {
            "questions_en": "questions.en",
            "questions_zh": "questions.zh",
            "answer_en": "answer.en",
            "answer_zh": "answer.zh",
            "publish": "status",
        }.get(problem.field or "", problem.field or "")
        if problem.params:
            problems.append(
                Problem(
                    problem.code,
                    problem.params,
                    field=name,
                    line=lines.get(name.split(".")[0], line),
                    file=file,
                )
            )
        else:
            bad(name, problem.code)
    if problems:
        return None, problems
    return ParsedEntry(content, status, file, line), []


def parse_kb_text(text: str, file: str) -> tuple[list[ParsedEntry], list[Problem]]:
    """Entries of one file and the problems found in it (line numbers are 1-based)."""
    node, data, problems = _load(text, file)
    if node is None:
        return [], problems
    if (
        not isinstance(node, yaml.MappingNode)
        or not isinstance(data, dict)
        or set(data) != {"entries"}
        or not isinstance(data["entries"], list)
    ):
        return [], problems + [Problem("yaml_no_entries", line=node.start_mark.line + 1, file=file)]
    entries_node = next(v for k, v in node.value if getattr(k, "value", None) == "entries")
    parsed: list[ParsedEntry] = []
    for item_node, item in zip(entries_node.value, data["entries"], strict=True):
        entry, entry_problems = _entry(item_node, item, file)
        problems.extend(entry_problems)
        if entry:
            parsed.append(entry)
    return parsed, problems


def parse_kb_files(files: list[tuple[str, bytes]]) -> list[ParsedEntry]:
    """Parse several files as one import; raise ImportRejected listing every problem."""
    entries: list[ParsedEntry] = []
    problems: list[Problem] = []
    for name, raw in files:
        if len(raw) > MAX_FILE_BYTES:
            problems.append(Problem("payload_too_large", line=1, file=name))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem("yaml_not_text", line=1, file=name))
            continue
        parsed, found = parse_kb_text(text, name)
        entries.extend(parsed)
        problems.extend(found)
    first: dict[str, ParsedEntry] = {}
    for entry in entries:
        earlier = first.get(entry.content.id)
        if earlier:
            problems.append(
                Problem(
                    "yaml_duplicate_id",
                    {"id": entry.content.id, "first_line": f"{earlier.line} ({earlier.file})"},
                    line=entry.line,
                    file=entry.file,
                )
            )
        else:
            first[entry.content.id] = entry
    if problems:
        raise ImportRejected(problems)
    return entries


def read_kb_dir(directory: Path) -> list[tuple[str, bytes]]:
    """The seed files knowledge/faq/*.yml, in a stable order."""
    return [
        (p.name, p.read_bytes()) for p in sorted(directory.glob("*.yml")) + sorted(directory.glob("*.yaml"))
    ]


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_kb_yaml(items: list[tuple[EntryContent, str]], header: str = "") -> str:
    """Entries (with their status) in the same format as knowledge/faq/*.yml."""
    entries = []
    for content, status in items:
        snap = content.snapshot()
        entries.append(
            {
                "id": snap["id"],
                "topic": snap["topic"],
                "questions": snap["questions"],
                "answer": {lang: text + "\n" if text else "" for lang, text in snap["answer"].items()},
                "source": snap["source"],
                "checked": content.checked,
                "uncertain": snap["uncertain"],
                "status": status,
            }
        )
    body = yaml.dump({"entries": entries}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return (header + body) if header else body
