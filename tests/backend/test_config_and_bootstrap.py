"""Settings from the environment, the production guard, first admin, migrations, languages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backend import migrate
from backend.app import ADMIN_HINT, create_app
from backend.config import DEV_SECRET_KEY, DEV_SERVICE_TOKEN, ConfigError, Settings
from backend.db import make_engine
from backend.i18n import NAMESPACE, negotiate
from backend.services.staff import StaffService
from tests.backend.conftest import make_knowledge_dir
from texts import entries

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_come_from_the_environment_only() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.endswith("var/backend.db")
    assert (settings.region, settings.rasa_url, settings.port) == ("fujian", "http://127.0.0.1:5005", 8000)
    custom = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://x/y",
            "REGION": "Weihai",
            "BACKEND_PORT": "9001",
            "RASA_URL": "http://rasa:5005/",
        }
    )
    assert (custom.database_url, custom.region, custom.port, custom.rasa_url) == (
        "postgresql://x/y",
        "weihai",
        9001,
        "http://rasa:5005",
    )


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"APP_ENV": "production"}).check()
    assert "SERVICE_TOKEN" in str(raised.value) and "SECRET_KEY" in str(raised.value)
    assert "RASA_TOKEN" in str(raised.value)
    Settings.from_env(
        {
            "APP_ENV": "production",
            "SERVICE_TOKEN": "s" * 32,
            "SECRET_KEY": "k" * 40,
            "FIELD_ENCRYPTION_KEY": "x" * 43 + "=",
            "HASH_KEY": "h" * 32,
            "RASA_TOKEN": "r" * 32,
        }
    ).check()
    Settings.from_env({}).check()  # development defaults are fine in development
    assert DEV_SERVICE_TOKEN and DEV_SECRET_KEY


def test_python_m_backend_refuses_to_start_in_production_with_defaults(tmp_path: Path) -> None:
    env = {"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "backend", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "refusing to start" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_first_admin_comes_from_the_environment(tmp_path: Path, database_urls: Any) -> None:
    settings = Settings(
        database_url=database_urls(),
        knowledge_dir=make_knowledge_dir(tmp_path / "k"),
        admin_username="chief",
        admin_password="a long enough password",
    )
    app = create_app(settings, name="bootstrap_admin")
    assert app.ctx.bootstrap["admin_created"] == "chief"
    with app.ctx.session_factory() as session:
        user = StaffService(session).authenticate("chief", "a long enough password")
        assert user is not None and user.role == "admin"
        assert user.password_hash.startswith("$argon2")
    again = create_app(settings, name="bootstrap_admin_again")
    assert "admin_created" not in again.ctx.bootstrap
    app.ctx.engine.dispose()
    again.ctx.engine.dispose()


def test_without_admin_settings_the_instructions_are_printed(
    tmp_path: Path, database_urls: Any, capsys: pytest.CaptureFixture
) -> None:
    settings = Settings(database_url=database_urls(), knowledge_dir=make_knowledge_dir(tmp_path / "k"))
    app = create_app(settings, name="bootstrap_hint")
    assert ADMIN_HINT in capsys.readouterr().out
    assert "python -m backend create-user" in ADMIN_HINT
    app.ctx.engine.dispose()


def test_migrations_apply_twice_and_downgrade_cleanly(database_urls: Any) -> None:
    from alembic import command

    engine = make_engine(database_urls())
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"faq_entries", "faq_revisions", "faq_feedback", "users", "login_sessions", "kb_state"} <= tables
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


@pytest.mark.parametrize(
    "header,expected",
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh;q=0.8", "en"),
        ("fr-FR, zh;q=0.5", "zh"),
        ("en;q=0.1, zh-TW;q=0.9", "zh"),
        ("de", "en"),
        ("zh;q=0", "en"),
    ],
)
def test_accept_language_picks_english_or_chinese(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_every_backend_message_exists_in_both_languages() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in entries(NAMESPACE).items():
        assert set(texts) == {"en", "zh"} and texts["en"] and texts["zh"], key
        assert fields(texts["en"]) == fields(texts["zh"]), key


def test_missing_retrieval_engine_is_a_clear_503_not_a_crash(tmp_path: Path, database_urls: Any) -> None:
    from tests.backend.conftest import Client, start_backend

    def broken() -> Any:
        raise ImportError("No module named 'bm25s'")

    server = start_backend(tmp_path, database_urls(), retriever_factory=broken)
    try:
        response = Client(server.url).post_json(
            "/api/v1/faq/answer", {"question": "fee?", "language": "zh"}, headers={"Accept-Language": "zh"}
        )
    finally:
        server.stop()
    assert response.status == 503
    assert response.json()["error"] == {"code": "retrieval_unavailable", "message": "答案检索暂时不可用。"}
