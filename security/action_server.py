"""`python -m security.action_server [rasa-sdk arguments]`: rasa-sdk's action server, hardened.

The same server, arguments and logging as `python -m rasa_sdk` (rasa-sdk's own main runs
it), with two differences (docs/security.md):

- it listens on 127.0.0.1 unless SANIC_HOST says otherwise (rasa-sdk's default is 0.0.0.0);
- every request but `/health` must carry the X-Action-Token header with ACTION_SERVER_TOKEN
  (Rasa sends it: endpoints.yml), else 403 before any action runs. The middleware is added
  through rasa-sdk's own `attach_sanic_app_extensions` plugin hook.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Sequence

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

import security
import startup

logger = logging.getLogger("security.action_server")  # not __main__ under -m
hookimpl = pluggy.HookimplMarker("rasa_sdk")
OPEN_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> None:
    """Refuse (403) every request to `app` outside OPEN_PATHS without the right X-Action-Token."""
    expected = token.encode("utf-8")

    @app.middleware("request")
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(security.ACTION_TOKEN_HEADER, "").encode("utf-8")
        if hmac.compare_digest(given, expected):
            return None
        logger.warning(
            "refused %s %s from %s: missing or wrong %s",
            request.method,
            request.path,
            request.ip,
            security.ACTION_TOKEN_HEADER,
        )
        return response.json({"error": "forbidden"}, status=403)


class Plugin:
    """Registered with rasa-sdk's plugin manager; rasa-sdk calls it once its app exists."""

    def __init__(self, token: str) -> None:
        self.token = token

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        require_token(app, self.token)


def main(argv: Sequence[str] | None = None) -> None:
    startup.prepare()
    try:
        token = security.secret("ACTION_SERVER_TOKEN")
    except security.ConfigError as exc:
        print(f"action server: {exc}", file=sys.stderr)
        sys.exit(2)
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")
    from rasa_sdk import __main__ as sdk_main
    from rasa_sdk.plugin import plugin_manager

    plugin_manager().register(Plugin(token), name="security")
    if argv is not None:
        sys.argv = ["rasa_sdk", *argv]
    sdk_main.main()


if __name__ == "__main__":
    main()
