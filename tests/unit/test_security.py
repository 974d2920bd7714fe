"""The shared secrets' development defaults, refused in production, and the Rasa launcher's use of them."""

from __future__ import annotations

import argparse

import pytest

import security
from rasa_ext.launcher import DEFAULT_MAX_BODY_BYTES, harden


def test_development_defaults_and_the_environment() -> None:
    assert security.secret("RASA_TOKEN", {}) == security.DEV_RASA_TOKEN
    assert security.secret("ACTION_SERVER_TOKEN", {"ACTION_SERVER_TOKEN": " abc "}) == "abc"


@pytest.mark.parametrize("value", ["", security.DEV_RASA_TOKEN, "short"])
def test_production_refuses_a_missing_default_or_short_secret(value: str) -> None:
    with pytest.raises(security.ConfigError, match="RASA_TOKEN"):
        security.secret("RASA_TOKEN", {"APP_ENV": "production", "RASA_TOKEN": value})
    assert security.secret("RASA_TOKEN", {"APP_ENV": "production", "RASA_TOKEN": "r" * 16}) == "r" * 16


def test_rasa_run_gets_the_token_the_action_secret_and_a_body_limit() -> None:
    env: dict = {}
    arguments = argparse.Namespace(enable_api=True, auth_token=None)
    harden(arguments, env)
    assert arguments.auth_token == security.DEV_RASA_TOKEN
    assert env["ACTION_SERVER_TOKEN"] == security.DEV_ACTION_SERVER_TOKEN
    assert env["SANIC_REQUEST_MAX_SIZE"] == str(DEFAULT_MAX_BODY_BYTES)
    given = argparse.Namespace(enable_api=True, auth_token="from-the-command-line")
    harden(given, {"RASA_MAX_BODY_BYTES": "1000"})
    assert given.auth_token == "from-the-command-line"


def test_rasa_run_refuses_to_start_with_development_secrets_in_production() -> None:
    with pytest.raises(SystemExit) as raised:
        harden(argparse.Namespace(enable_api=True, auth_token=None), {"APP_ENV": "production"})
    assert raised.value.code == 2
    harden(argparse.Namespace(), {"APP_ENV": "production"})  # `rasa train`: no server, no secret needed


def test_the_action_server_refuses_to_start_with_the_default_secret_in_production() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "security.action_server", "--actions", "actions", "-p", "1"],
        cwd=root,
        env={"APP_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "ACTION_SERVER_TOKEN" in result.stderr
