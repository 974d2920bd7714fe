"""The shared secrets between the project's processes (docs/security.md).

RASA_TOKEN            Rasa's HTTP API (`--auth-token`): the backend's pushes, tests, benchmarks
ACTION_SERVER_TOKEN   the action server: Rasa sends it as the X-Action-Token header

Each has a development default, as the backend's secrets do (backend/config.py): usable on a
laptop, refused with APP_ENV=production, where each must be set and at least 16 characters.
"""

from __future__ import annotations

import os
from typing import Mapping

DEV_RASA_TOKEN = "dev-rasa-token-not-for-production"
DEV_ACTION_SERVER_TOKEN = "dev-action-server-token-not-for-production"
DEFAULTS = {"RASA_TOKEN": DEV_RASA_TOKEN, "ACTION_SERVER_TOKEN": DEV_ACTION_SERVER_TOKEN}
ACTION_TOKEN_HEADER = "X-Action-Token"
MIN_LENGTH = 16


class ConfigError(RuntimeError):
    """A secret is missing or the development default in production; the process refuses to start."""


def production(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("APP_ENV", "").strip().lower() == "production"


def secret(name: str, env: Mapping[str, str] | None = None) -> str:
    """The value of the secret `name` (a key of DEFAULTS): the environment's, else the development default.

    Raises ConfigError in production when it is unset, the default or too short."""
    env = os.environ if env is None else env
    value = env.get(name, "").strip() or DEFAULTS[name]
    if production(env) and (value == DEFAULTS[name] or len(value) < MIN_LENGTH):
        raise ConfigError(
            f"refusing to start: {name} is the development default or shorter than "
            f"{MIN_LENGTH} characters (APP_ENV=production)"
        )
    return value
