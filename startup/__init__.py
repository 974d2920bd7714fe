"""What every process of the project sets up before it imports its libraries.

`prepare()` is called first by each entry point (the Rasa launcher `python -m rasa_ext`,
`python -m backend`, the benchmarks, `python -m knowledge.calibration`, the tests'
conftest), never as a side effect of importing a module.
"""

from __future__ import annotations

import sys
import warnings

# (message start, category) of warnings that are expected and say nothing useful here.
KNOWN_WARNINGS = [
    # Rasa's recipe validator looks for RulePolicy itself (`==`, not `issubclass`) and
    # would warn at training that default intents (restart, back) go unhandled;
    # dialogue.fast_rule_policy.FastRulePolicy handles them as RulePolicy does.
    ("'RulePolicy' is not included in the model's policy configuration", UserWarning),
]


def block_jax() -> None:
    """Make `import jax` fail in this process, so bm25s ranks with numpy.

    bm25s imports jax for its top-k when jax is installed (it is, as a TensorFlow
    dependency of Rasa): that costs the backend about a second and a few hundred MB at
    start for no gain on a small index. Must run before anything imports bm25s.
    """
    if "jax" not in sys.modules:
        sys.modules["jax"] = None  # type: ignore[assignment]


def quiet_known_warnings() -> None:
    """Filter KNOWN_WARNINGS, in front of any filter already set (idempotent)."""
    for message, category in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)


def prepare() -> None:
    """The process-wide settings every entry point of the project starts with."""
    block_jax()
    quiet_known_warnings()
