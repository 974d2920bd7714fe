"""The text layer (texts/): every catalogue is complete, used, and every lookup finds its key.

How a key counts as used (see docs/texts.md):
- its full name ("faq.no_match") is a string literal anywhere in the sources, or
- its short name ("no_match") is a string literal in the sources of its consumer (CONSUMERS:
  the scoped lookups `message = scoped("faq")`, the backend's `t`, the engines' message codes), or
- it belongs to a declared family (FAMILIES: a prefix and the exact list of its expansions,
  taken from the code that builds the key), or
- an f-string or a template concatenation in its consumer's sources can produce it
  (f"{key}.met", 'cc_event_' ~ state); the families above are the checked ones.
And the other way round: every literal key passed to a lookup (t, text, message, Text, ApiError,
Problem, ...) exists, every family expansion exists, and domain.yml's responses are bilingual.
"""

from __future__ import annotations

import ast
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Iterator

import pytest
import yaml

import texts
from actions import parsing
from actions.eligibility import VALUE_KEYS
from actions.messages import MENU_INTENTS, staff_button
from backend.services.audit import ACTIONS as AUDIT_ACTIONS
from backend.services.cases import CASE_STATES, ITEM_STATES
from backend.services.handoffs import CLOSE_REASONS
from backend.services.ratings import LEVELS as RATING_LEVELS
from backend.services.ratings import REASONS as RATING_REASONS
from backend.services.ratings import STATES as FOLLOWUP_STATES

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("actions", "backend", "connectors", "knowledge", "nlu", "rasa_ext", "texts")
CONSUMERS = {
    "faq": ("actions/faq.py", "actions/policy_answer.py"),
    "status": ("actions/status.py",),
    "eligibility": ("actions/eligibility.py", "actions/parsing.py"),  # the readers return the error codes
    "application": ("actions/application",),
    "backend": ("backend",),
    "application_engine": ("knowledge/application",),
    "eligibility_engine": ("knowledge/eligibility",),
    "common": (),
    "case_states": (),
    "channels": ("connectors",),
    "widget": ("backend/blueprints/chat.py",),  # served to widget/src/widget.js
    "ratings": ("actions/ratings.py",),
    "handoff": ("actions/handoff.py",),
    "canned_replies": ("backend/services/helpdesk.py",),
}
FAMILIES = {
    "case_states.item.": ITEM_STATES,
    "case_states.case.": CASE_STATES,
    "case_states.in_sentence.": ITEM_STATES + CASE_STATES,
    "common.button.": MENU_INTENTS,
    "eligibility.field.": tuple(parsing.PARSERS),
    "eligibility.value.": tuple(VALUE_KEYS.values()),
    "backend.cc_audit_action_": AUDIT_ACTIONS,
    "ratings.level.": tuple(str(level) for level in RATING_LEVELS),
    "ratings.reason.": RATING_REASONS,
    "backend.rt_state_": FOLLOWUP_STATES,
    "backend.hd_reason_": CLOSE_REASONS,
    "backend.rt_level_": tuple(str(level) for level in RATING_LEVELS),
    "backend.rt_reason_": RATING_REASONS,
}
# Lookup calls whose first argument is a key, by the namespace their short keys live in
# (None: a full key). Resolved per module from its imports (see `lookups`).
BACKEND_CALLS = ("ApiError", "CaseError", "Problem", "FormProblem")
# domain.yml buttons with a shared title (texts/common.yml button.<intent>) that say something
# else on purpose: the answer to a question the response asks.
DOMAIN_BUTTON_ANSWERS = {("utter_offer_human", "/request_human")}


def source_files(root: str) -> Iterator[Path]:
    path = ROOT / root
    if path.is_file():
        yield path
        return
    for pattern in ("*.py", "*.html", "*.yml"):
        yield from (p for p in path.rglob(pattern) if ".venv" not in p.parts and "__pycache__" not in p.parts)


@cache
def literals(path: Path) -> tuple[set[str], list[re.Pattern[str]]]:
    """The string literals of a file, and the key templates (f-strings, `'x_' ~ y`) as regexes."""
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                parts = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values]
                if any(isinstance(v, ast.Constant) for v in node.values):
                    patterns.append(re.compile("".join(parts)))
    elif path.suffix == ".html":
        found.update(re.findall(r"'([^'\n]*)'", text) + re.findall(r'"([^"\n]*)"', text))
        patterns += [re.compile(re.escape(p) + ".+") for p in re.findall(r"'([^'\n]+)'\s*~", text)]
    else:

        def walk(value: object) -> None:
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(k)
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(yaml.safe_load(text))
    return found, patterns


def everything() -> tuple[set[str], list[re.Pattern[str]]]:
    found: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for root in SOURCE_DIRS:
        for path in source_files(root):
            if path.parent.name == "texts" and path.suffix == ".yml":
                continue  # the catalogues themselves
            f, p = literals(path)
            found |= f
            patterns += p
    return found, patterns


def lookups(path: Path) -> Iterator[tuple[str, int]]:
    """(full key, line) of every lookup with a literal key in a Python module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    scope: dict[str, str | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("texts", "backend.i18n"):
            for alias in node.names:
                if alias.name in ("t", "render", "text"):
                    name = alias.asname or alias.name
                    scope[name] = "backend" if node.module == "backend.i18n" and alias.name == "t" else None
        elif isinstance(node, ast.ImportFrom) and node.module == "knowledge.application.messages":
            scope.update(
                {a.asname or a.name: "application_engine" for a in node.names if a.name == "message"}
            )
        elif isinstance(node, ast.ImportFrom) and node.module == "knowledge.eligibility.texts":
            scope.update({a.asname or a.name: "eligibility_engine" for a in node.names if a.name == "Text"})
        elif isinstance(node, ast.ImportFrom) and node.module in ("backend.errors", "backend.services.cases"):
            scope.update({a.asname or a.name: "backend" for a in node.names if a.name in BACKEND_CALLS})
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "scoped"
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value.args[0], ast.Constant)
        ):
            scope[node.targets[0].id] = node.value.args[0].value  # type: ignore[attr-defined]
    if path.name in ("errors.py",):
        scope.update({name: "backend" for name in BACKEND_CALLS})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "texts":
            name, namespace = func.attr, None
            if name not in ("t", "render"):
                continue
        elif isinstance(func, ast.Name) and func.id in scope:
            name, namespace = func.id, scope[func.id]
        else:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            yield (f"{namespace}.{arg.value}" if namespace else arg.value), node.lineno


def template_lookups(path: Path) -> Iterator[tuple[str, int]]:
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"\b(t|text)\('([^'\n]+)'\s*[,)]", text):
        key = f"backend.{match.group(2)}" if match.group(1) == "t" else match.group(2)
        yield key, text.count("\n", 0, match.start()) + 1


# --- the catalogues ------------------------------------------------------------------------------
def test_every_entry_has_both_languages_and_the_same_placeholders() -> None:
    catalogue = texts.catalogue()
    assert catalogue, "no catalogue found"
    for key, entry in catalogue.items():
        assert set(entry) == set(texts.LANGUAGES), key
        assert entry["en"].strip() and entry["zh"].strip(), key
        assert texts.placeholders(entry["en"]) == texts.placeholders(entry["zh"]), key


def test_every_key_is_used() -> None:
    catalogue = texts.catalogue()
    found_anywhere, _ = everything()
    unused = []
    for key in catalogue:
        namespace, short = key.split(".", 1)
        assert namespace in CONSUMERS, f"texts/{namespace}.yml has no consumer declared in this test"
        if key in found_anywhere or any(key.startswith(prefix) for prefix in FAMILIES):
            continue
        found, patterns = set(), []
        for root in CONSUMERS[namespace]:
            for path in source_files(root):
                f, p = literals(path)
                found |= f
                patterns += p
        if short in found or any(p.fullmatch(short) or p.fullmatch(key) for p in patterns):
            continue
        unused.append(key)
    assert not unused, f"keys no code uses (delete them, or declare their family): {unused}"


@pytest.mark.parametrize("prefix", sorted(FAMILIES))
def test_every_family_is_exactly_its_expansions(prefix: str) -> None:
    keys = {key[len(prefix) :] for key in texts.catalogue() if key.startswith(prefix)}
    assert keys == {str(e) for e in FAMILIES[prefix]}, prefix


def test_every_literal_lookup_finds_its_key() -> None:
    catalogue = texts.catalogue()
    missing = []
    for root in SOURCE_DIRS:
        for path in source_files(root):
            found = (
                lookups(path)
                if path.suffix == ".py"
                else template_lookups(path)
                if path.suffix == ".html"
                else []
            )
            missing += [
                f"{path.relative_to(ROOT)}:{line}: {key}" for key, line in found if key not in catalogue
            ]
    assert not missing, missing


def test_the_lookup_scan_sees_the_lookups() -> None:
    # The scan is only worth something if it finds lookups of every kind.
    keys = {
        key
        for root in SOURCE_DIRS
        for path in source_files(root)
        if path.suffix == ".py"
        for key, _ in lookups(path)
    }
    for expected in (
        "faq.no_match",
        "status.no_cases",
        "backend.unauthorized",
        "application.delete_unavailable",
        "backend.yaml_file",
    ):
        assert expected in keys, expected
    assert any(k.startswith("application_engine.") for k in keys)
    assert any(k.startswith("eligibility_engine.") for k in keys)
    html = {key for path in source_files("backend/templates") for key, _ in template_lookups(path)}
    assert "backend.checklist_title" in html


# --- t() -----------------------------------------------------------------------------------------
def test_unknown_key_raises() -> None:
    with pytest.raises(KeyError, match="faq.no_such_key"):
        texts.t("faq.no_such_key", "en")


def test_missing_parameter_raises() -> None:
    with pytest.raises(KeyError, match="source"):
        texts.t("faq.source_only", "en")


def test_languages_and_scoped_lookup() -> None:
    assert texts.t("faq.source_only", "zh", source="X") == "来源：X。"
    assert texts.t("faq.source_only", "fr", source="X") == "Source: X."  # anything else: English
    assert texts.scoped("faq")("source_only", "zh-CN", source="X") == "来源：X。"
    assert texts.lang_of("zh-Hans") == "zh" and texts.lang_of(None) == "en"


def test_a_bad_catalogue_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "demo.yml"
    bad.write_text("hello: {en: 'Hi {name}', zh: 你好}\n", encoding="utf-8")
    with pytest.raises(texts.CatalogueError, match=r"texts/demo.yml: hello: placeholders differ"):
        texts.load_file(bad)
    bad.write_text("hello: {en: Hi}\n", encoding="utf-8")
    with pytest.raises(texts.CatalogueError, match=r"texts/demo.yml: hello: needs exactly an en and a zh"):
        texts.load_file(bad)


def test_formatters_per_language() -> None:
    assert texts.number(2.0) == "2" and texts.number(2.5) == "2.5"
    assert texts.money(300_000, "en") == "CNY 300,000" and texts.money(300_000, "zh") == "30万元"
    assert texts.money(5_000, "zh") == "5,000元"
    assert texts.day(date(1990, 5, 12), "en") == "12 May 1990"
    assert texts.day(date(1990, 5, 12), "zh") == "1990年5月12日"
    assert texts.day_iso(date(1990, 5, 12), "en") == "1990-05-12"
    assert texts.day_iso(date(1990, 5, 12), "zh") == "1990年5月12日"
    assert texts.param({"en": "Fuzhou", "zh": "福州"}, "zh") == "福州"
    assert texts.param(texts.Local("Fuzhou", "福州"), "en") == "Fuzhou"
    assert texts.param({"cny": 12_000}, "en") == "CNY 12,000"
    assert texts.param(texts.Money(12_000), "zh") == "1.2万元"
    assert texts.param(texts.Day(date(2026, 1, 2)), "en") == "2026-01-02"
    assert texts.param("2026-01-02", "en") == "2 January 2026"
    assert texts.param(["a", "b"], "en") == "a, b" and texts.param(["a", "b"], "zh") == "a、b"
    assert texts.param(True, "en") == "true"


# --- domain.yml ----------------------------------------------------------------------------------
def domain_responses() -> dict[str, list[dict]]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def variant_language(variant: dict) -> str | None:
    for condition in variant.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None


def test_domain_responses_are_bilingual_with_the_same_placeholders() -> None:
    for name, variants in domain_responses().items():
        by_lang = {variant_language(v): v for v in variants}
        assert set(by_lang) == set(texts.LANGUAGES) and len(variants) == 2, name
        en, zh = (str(by_lang[lang].get("text") or "") for lang in texts.LANGUAGES)
        assert en.strip() and zh.strip(), name
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", zh)), name
        assert len(by_lang["en"].get("buttons") or []) == len(by_lang["zh"].get("buttons") or []), name


def test_domain_buttons_use_the_shared_titles() -> None:
    shared = {
        f"/{key.split('.', 2)[2]}": key for key in texts.catalogue() if key.startswith("common.button.")
    }
    checked = 0
    for name, variants in domain_responses().items():
        for variant in variants:
            lang = variant_language(variant)
            for button in variant.get("buttons") or []:
                key = shared.get(button.get("payload"))
                if key is None or (name, button["payload"]) in DOMAIN_BUTTON_ANSWERS:
                    continue
                assert button["title"] == texts.t(key, lang), (name, lang, button)
                checked += 1
    assert checked, "no shared button found in domain.yml"
    assert staff_button("zh") == {
        "title": texts.t("common.button.request_human", "zh"),
        "payload": "/request_human",
    }
