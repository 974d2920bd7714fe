"""The processes `make run` starts are set up as the benchmark figures assume.

Rasa runs with rasa_ext's workarounds installed (started by `python -m rasa_ext run`), and
neither Rasa nor the backend loads jax (startup.prepare blocks it, so bm25s uses numpy).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_rasa_starts_with_the_workarounds_installed(stack):
    log = stack.rasa_log.read_text(encoding="utf-8", errors="replace")
    assert "rasa_ext: installed fast_action_validation, fast_graph_runner on Rasa 3.6.21." in log


@pytest.mark.parametrize("process", ["rasa", "backend"])
def test_no_process_loads_jax(stack, process):
    maps = Path(f"/proc/{stack.pids[process]}/maps")
    if not maps.exists():
        pytest.skip("needs /proc (Linux)")
    deadline = time.time() + 120  # the backend loads the retriever (bm25s, numpy) just after start
    while "numpy" not in (mapped := maps.read_text()) and time.time() < deadline:
        time.sleep(0.5)
    assert "numpy" in mapped  # the check can see the libraries the process loaded
    assert "jaxlib" not in mapped
