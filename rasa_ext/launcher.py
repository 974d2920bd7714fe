"""`python -m rasa_ext <command> [arguments]`: the `rasa` command, set up for this project.

Same commands, arguments and behaviour as `rasa` (Rasa's own CLI runs them), plus:
`startup.prepare()` first, and, once Rasa has parsed the command line and set up its
logging and warning filters, `rasa_ext.install()` with the `rasa_ext` section of the
command's endpoints file (`--endpoints`, default endpoints.yml). The second step runs
from Rasa's own `configure_commandline` plugin hook, the last point before the command
runs: earlier, Rasa's "once" filter for UserWarnings would be put in front of ours.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, Sequence

import pluggy
import yaml

import rasa_ext
import startup

SECTION = "rasa_ext"
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
        rasa_ext.install(endpoint_settings(getattr(cmdline_arguments, "endpoints", None)))


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
