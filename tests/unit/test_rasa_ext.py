"""rasa_ext patches Rasa only when `install()` is called, and only on the tested Rasa version.

Also: the launcher installs from the endpoints file's `rasa_ext` section, and the process
set-up (startup.prepare) keeps jax out of the backend and of Rasa.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
import rasa.core.processor
import rasa.version
from rasa.core.actions.action import RemoteAction
from rasa.engine.runner.dask import DaskGraphRunner

import rasa_ext
from rasa_ext import launcher
from rasa_ext.fast_action_validation import RASA_VALIDATION, validate_action_result
from rasa_ext.fast_graph_runner import SequentialGraphRunner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stock(monkeypatch):
    """Rasa's own code in place for the test, whatever other tests installed; put back after."""
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_VALIDATION)


def python(code: str) -> str:
    """Run `code` in a fresh interpreter (nothing imported yet) in the project root; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_importing_rasa_ext_and_building_the_nlg_patch_nothing():
    state = python("""
        import json
        import rasa.core.processor
        from rasa.core.actions.action import RemoteAction
        from rasa.engine.runner.dask import DaskGraphRunner
        from rasa.utils.endpoints import EndpointConfig
        stock = (RemoteAction._validate_action_result, rasa.core.processor.DaskGraphRunner)
        import rasa_ext, rasa_ext.launcher, rasa_ext.fast_action_validation, rasa_ext.fast_graph_runner
        import dialogue.fast_rule_policy, dialogue.language_policy
        from dialogue.bilingual_nlg import BilingualNaturalLanguageGenerator
        BilingualNaturalLanguageGenerator(EndpointConfig(type="dialogue.bilingual_nlg.X"))
        now = (RemoteAction._validate_action_result, rasa.core.processor.DaskGraphRunner)
        print(json.dumps({"unchanged": now == stock, "installed": rasa_ext.installed()}))
    """)
    assert json.loads(state) == {"unchanged": True, "installed": []}


def test_install_patches_rasa_and_uninstall_puts_rasa_back(stock):
    assert rasa_ext.installed() == []
    assert rasa_ext.install() == ["fast_action_validation", "fast_graph_runner"]
    assert RemoteAction._validate_action_result is validate_action_result
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    assert rasa_ext.installed() == ["fast_action_validation", "fast_graph_runner"]
    rasa_ext.uninstall()
    assert RemoteAction._validate_action_result is RASA_VALIDATION
    assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
    assert rasa_ext.installed() == []


def test_a_setting_turned_off_keeps_or_puts_back_rasas_code(stock):
    assert rasa_ext.install({"fast_graph_runner": False}) == ["fast_action_validation"]
    assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
    rasa_ext.install()
    assert rasa_ext.install({"fast_action_validation": False}) == ["fast_graph_runner"]
    assert RemoteAction._validate_action_result is RASA_VALIDATION
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner


def test_an_unknown_setting_is_refused(stock):
    with pytest.raises(ValueError, match="fast_graph_runer"):
        rasa_ext.install({"fast_graph_runer": False})
    assert rasa_ext.installed() == []


def test_an_untested_rasa_version_stays_unpatched_with_one_line_saying_so(stock, monkeypatch, caplog):
    rasa_ext.install()
    monkeypatch.setattr(rasa.version, "__version__", "3.7.0")
    with caplog.at_level(logging.INFO, logger="rasa_ext"):
        assert rasa_ext.install() == []
    assert rasa_ext.installed() == []
    assert RemoteAction._validate_action_result is RASA_VALIDATION
    lines = [r.getMessage() for r in caplog.records if r.name == "rasa_ext"]
    assert len(lines) == 1 and "3.7.0" in lines[0] and "3.6.21" in lines[0] and "unpatched" in lines[0]


def test_the_launcher_reads_the_rasa_ext_section_of_the_endpoints_file(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("nlg:\n  type: x\nrasa_ext:\n  fast_graph_runner: false\n")
    assert launcher.endpoint_settings(str(endpoints)) == {"fast_graph_runner": False}
    endpoints.write_text("nlg:\n  type: x\n")
    assert launcher.endpoint_settings(str(endpoints)) == {}
    assert launcher.endpoint_settings(str(tmp_path / "missing.yml")) == {}
    assert launcher.endpoint_settings(None) == {}
    assert launcher.endpoint_settings(str(ROOT / "endpoints.yml")) == {
        "fast_action_validation": True,
        "fast_graph_runner": True,
    }


def test_rasas_cli_hook_installs_from_the_commands_endpoints_file(stock, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("rasa_ext:\n  fast_action_validation: false\n")
    launcher.Plugin().configure_commandline(argparse.Namespace(endpoints=str(endpoints)))
    assert rasa_ext.installed() == ["fast_graph_runner"]
    launcher.Plugin().configure_commandline(argparse.Namespace())  # a command without --endpoints
    assert rasa_ext.installed() == ["fast_action_validation", "fast_graph_runner"]


def test_the_hook_filters_the_known_warnings_in_front_of_rasas_own(stock):
    message = "'RulePolicy' is not included in the model's policy configuration. Default intents ..."
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("once", category=UserWarning)  # what Rasa's CLI sets before the hook
        warnings.warn(message, UserWarning, stacklevel=1)
        assert len(caught) == 1
        launcher.Plugin().configure_commandline(argparse.Namespace())
        warnings.warn(message + " again", UserWarning, stacklevel=1)
    assert len(caught) == 1


def test_the_launcher_runs_rasas_cli_with_the_plugin_registered():
    """`python -m rasa_ext --version` is Rasa's own CLI: same output as `rasa --version`."""
    done = subprocess.run(
        [sys.executable, "-m", "rasa_ext", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Rasa Version      :         3.6.21" in done.stdout


def test_the_backend_entry_point_keeps_jax_out():
    state = python("""
        import json, sys
        import backend.__main__ as entry
        early = "bm25s" in sys.modules  # the module's imports must not load bm25s before main()
        try:
            entry.main(["--help"])
        except SystemExit:
            pass
        blocked = "jax" in sys.modules and sys.modules["jax"] is None
        import bm25s.selection
        import knowledge.retrieval
        print(json.dumps({"bm25s_before_main": early, "jax_blocked": blocked,
                          "bm25s_uses_jax": bm25s.selection.JAX_IS_AVAILABLE}))
    """)
    assert json.loads(state) == {"bm25s_before_main": False, "jax_blocked": True, "bm25s_uses_jax": False}
