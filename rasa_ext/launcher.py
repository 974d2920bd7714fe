"""`python -m rasa_ext <command> [arguments]`: the `rasa` command, set up for this project.

Same commands, arguments and behaviour as `rasa` (Rasa's own CLI runs them), plus:
`startup.prepare()` first, and, once Rasa has parsed the command line and set up its
logging and warning filters, `rasa_ext.install()` with the `rasa_ext` section of the
command's endpoints file (`--endpoints`, default endpoints.yml). The second step runs
from Rasa's own `configure_commandline` plugin hook, the last point before the command
runs: earlier, Rasa's "once" filter for UserWarnings would be put in front of ours.

The same hook applies the project's hardening (docs/security.md): `run` gets
`--auth-token` from RASA_TOKEN unless given (so the HTTP API never runs open), the
action server's shared secret is put in the environment for endpoints.yml's
`${ACTION_SERVER_TOKEN}`, and sanic's request body limit defaults to RASA_MAX_BODY_BYTES.
It also takes message bodies out of Rasa's log events (security/logs.py).
Both secrets have development defaults that refuse to start with APP_ENV=production.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, MutableMapping, Sequence

import pluggy
import yaml

import rasa_ext
import security
import security.logs
import startup

SECTION = "rasa_ext"
# Rasa's channels take small JSON bodies (a message is capped at MAX_MESSAGE_CHARS by
# connectors.rest); sanic's default of 100 MB lets one request tie up the event loop.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
hookimpl = pluggy.HookimplMarker("rasa")


def endpoint_settings(endpoints_file: str | None) -> Dict[str, Any]:
    """The `rasa_ext` section of an endpoints file ({} when there is no file or section)."""
    if not endpoints_file or not Path(endpoints_file).is_file():
        return {}
    content = yaml.safe_load(Path(endpoints_file).read_text(encoding="utf-8")) or {}
    return dict(content.get(SECTION) or {})


class Plugin:
    """Rasa plugin registered by `main` (Rasa's CLI calls the hook before the command)."""

    @hookimpl
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> None:
        startup.quiet_known_warnings()  # again: Rasa has just put its own filters in front
        security.logs.install()  # before Rasa configures structlog: no message body is logged
        harden(cmdline_arguments)
        from rasa_ext import guards, handoff  # import Rasa's processor: only once Rasa runs

        guards.install()
        handoff.install()
        rasa_ext.install(endpoint_settings(getattr(cmdline_arguments, "endpoints", None)))


def harden(arguments: argparse.Namespace, environ: MutableMapping[str, str] | None = None) -> None:
    """Token for the HTTP API, action server secret, body limit (exits with 2 on unsafe settings)."""
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    serving = hasattr(arguments, "enable_api")  # `rasa run` (and `rasa shell`): a server starts
    try:
        if serving:
            env["ACTION_SERVER_TOKEN"] = security.secret("ACTION_SERVER_TOKEN", env)
            if not getattr(arguments, "auth_token", None):
                arguments.auth_token = security.secret("RASA_TOKEN", env)
        else:  # train, test, validate: no server, but endpoints.yml names the variable
            env.setdefault("ACTION_SERVER_TOKEN", security.DEV_ACTION_SERVER_TOKEN)
    except security.ConfigError as exc:
        print(f"rasa_ext: {exc}", file=sys.stderr)
        sys.exit(2)
    # Read by sanic when Rasa creates its app (SANIC_ prefixed settings).
    env.setdefault("SANIC_REQUEST_MAX_SIZE", env.get("RASA_MAX_BODY_BYTES") or str(DEFAULT_MAX_BODY_BYTES))


def main(argv: Sequence[str] | None = None) -> None:
    startup.prepare()
    from rasa import __main__ as rasa_cli
    from rasa.plugin import plugin_manager

    if argv is not None:
        sys.argv = ["rasa", *argv]
    else:
        sys.argv[0] = "rasa"
    plugin_manager().register(Plugin(), name=SECTION)
    rasa_cli.main()
