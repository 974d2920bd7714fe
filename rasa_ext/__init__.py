"""Rasa extensions: in-process workarounds for Rasa 3.6's per-message overheads.

- `fast_action_validation`: action-server responses validated per event type, with
  validators built once (instead of the meta-schema check and the 23-way `oneOf`);
- `fast_graph_runner`: the model's graph run in an order worked out once, without dask.

Importing this package or its modules changes nothing in Rasa. `install(settings)` does,
once, at Rasa start: `python -m rasa_ext <rasa command> ...` (rasa_ext/launcher.py, used
by the Procfile, the Makefile, scripts/local_stack.py and so the tests and benchmarks)
calls it with the `rasa_ext` section of the endpoints file, where `false` keeps Rasa's
own code for that workaround (the benchmark baseline turns both off). Each workaround
is checked against Rasa's own code by tests, on the Rasa version in TESTED_RASA_VERSIONS
only: on any other version `install` leaves Rasa as it is.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, NamedTuple

log = logging.getLogger(__name__)

TESTED_RASA_VERSIONS = ("3.6.21",)
PATCHES = ("fast_action_validation", "fast_graph_runner")


class Patch(NamedTuple):
    owner: Any  # the class or module whose attribute is replaced
    attribute: str
    stock: Any  # Rasa's own value
    fast: Any  # ours


def patches() -> Dict[str, Patch]:
    """Every workaround by name; imported here, so that importing this package is free."""
    import rasa.core.processor
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner

    from rasa_ext.fast_action_validation import RASA_VALIDATION, validate_action_result
    from rasa_ext.fast_graph_runner import SequentialGraphRunner

    return {
        "fast_action_validation": Patch(
            RemoteAction, "_validate_action_result", RASA_VALIDATION, validate_action_result
        ),
        # the processor looks its runner class up when it loads a model
        "fast_graph_runner": Patch(
            rasa.core.processor, "DaskGraphRunner", DaskGraphRunner, SequentialGraphRunner
        ),
    }


def rasa_version() -> str:
    import rasa.version

    return rasa.version.__version__


def install(settings: Mapping[str, Any] | None = None) -> List[str]:
    """Install every workaround whose setting is not false; Rasa's own code for the others.

    Returns the names installed. On a Rasa version the workarounds were not tested on,
    logs one line and leaves (or puts back) Rasa's own code everywhere.
    """
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(PATCHES))
    if unknown:
        raise ValueError(f"rasa_ext: unknown settings {unknown}; known: {list(PATCHES)}")
    version = rasa_version()
    if version not in TESTED_RASA_VERSIONS:
        uninstall()
        log.warning(
            "rasa_ext: Rasa %s is not a version the workarounds were tested on (%s): running Rasa unpatched.",
            version,
            ", ".join(TESTED_RASA_VERSIONS),
        )
        return []
    installed = []
    for name, patch in patches().items():
        on = bool(settings.get(name, True))
        setattr(patch.owner, patch.attribute, patch.fast if on else patch.stock)
        if on:
            installed.append(name)
    log.info("rasa_ext: installed %s on Rasa %s.", ", ".join(installed) or "nothing", version)
    return installed


def uninstall() -> None:
    """Put Rasa's own code back everywhere."""
    for patch in patches().values():
        setattr(patch.owner, patch.attribute, patch.stock)


def installed() -> List[str]:
    """The workarounds in place now (read from Rasa's attributes, not from a flag)."""
    return [name for name, patch in patches().items() if getattr(patch.owner, patch.attribute) is patch.fast]
