"""Layering: blueprints handle HTTP; the services alone touch tables; blueprints never import
each other (shared request helpers live in backend/web.py and backend/console.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BLUEPRINTS = Path(__file__).resolve().parents[2] / "backend" / "blueprints"
MODULES = sorted(p for p in BLUEPRINTS.glob("*.py") if p.name != "__init__.py")
# Session methods that read or write tables; a blueprint passes db(request) to a service instead.
SESSION_CALLS = {
    "execute",
    "scalars",
    "scalar",
    "query",
    "add",
    "add_all",
    "delete",
    "merge",
    "flush",
    "commit",
    "rollback",
    "refresh",
    "get",
    "begin",
}


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def session_uses(tree: ast.AST) -> list[str]:
    """db(request).x, X.session, and names bound to db(request)."""
    bound = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "db"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    problems = [
        f"line {node.lineno}: {name} = db(...)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for name in bound
        if any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        if node.attr == "session":
            problems.append(f"line {node.lineno}: .session")
        elif isinstance(value, ast.Call) and getattr(value.func, "id", None) == "db":
            problems.append(f"line {node.lineno}: db(...).{node.attr}")
        elif isinstance(value, ast.Name) and value.id in bound and node.attr in SESSION_CALLS:
            problems.append(f"line {node.lineno}: {value.id}.{node.attr}")
    return problems


def test_there_are_blueprints_to_check() -> None:
    assert len(MODULES) > 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_a_blueprint_imports_no_other_blueprint_and_no_sqlalchemy(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = [
        (line, name)
        for line, name in imported(tree)
        if name.startswith(".")
        or name.startswith("backend.blueprints")
        or name.split(".")[0] == "sqlalchemy"
        or name in ("backend.db",)
    ]
    assert wrong == [], f"{path.name}: {wrong}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_a_blueprint_does_not_use_the_session(path: Path) -> None:
    assert session_uses(ast.parse(path.read_text(encoding="utf-8"))) == [], path.name


def test_the_checks_catch_what_they_are_for() -> None:
    bad = ast.parse(
        "from sqlalchemy import select\nfrom backend.blueprints.faq import x\nfrom .drafts import y\n"
        "def f(request):\n    s = db(request)\n    s.execute(1)\n    db(request).rollback()\n"
        "    service.session.commit()\n"
    )
    assert [name for _, name in imported(bad)] == ["sqlalchemy", "backend.blueprints.faq", ".drafts"]
    assert len(session_uses(bad)) == 4
    assert session_uses(ast.parse("def f(request):\n    return Service(db(request)).list()\n")) == []
