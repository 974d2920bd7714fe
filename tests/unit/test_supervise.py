"""scripts/supervise.py writes a supervisord config from the Procfile (the restart itself: tests/integration)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from honcho.environ import parse_procfile

from scripts.supervise import ROOT, START_RETRIES, config


def test_every_procfile_process_becomes_a_restarted_program(tmp_path: Path) -> None:
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    parser = configparser.RawConfigParser()
    parser.read_string(config(processes, tmp_path))
    assert parser.get("supervisord", "nodaemon") == "true"
    for name, command in processes.items():
        section = f"program:{name}"
        assert parser.get(section, "autorestart") == "true"
        assert int(parser.get(section, "startretries")) == START_RETRIES
        assert shlex.split(parser.get(section, "command")) == ["/bin/bash", "-c", "exec " + command]
        assert parser.get(section, "directory") == str(ROOT)


def test_percent_signs_are_escaped_for_supervisord(tmp_path: Path) -> None:
    text = config({"x": "echo 100%"}, tmp_path / "v%ar", tmp_path)
    assert "echo 100%%" in text and "v%%ar" in text


def test_the_events_consumer_runs_only_with_a_broker() -> None:
    from scripts.supervise import with_optional

    procfile = {"rasa": "rasa run", "backend": "python -m backend"}
    assert with_optional(procfile, {}) == procfile
    assert with_optional(procfile, {"EVENT_BROKER_URL": "  "}) == procfile
    started = with_optional(procfile, {"EVENT_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672"})
    assert (
        started["events"].endswith("-m backend.events_consumer") and started["backend"] == procfile["backend"]
    )
