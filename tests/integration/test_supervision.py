"""`make run`'s supervisor (scripts/supervise.py): a dead process comes back, the others stay up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from scripts.local_stack import QUIET, ROOT, TOKENS, free_port
from scripts.render_endpoints import render
from tests.integration.conftest import Conversation

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def wait(condition, what: str, log: Path, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"{what} within {timeout}s:\n{log.read_text()[-3000:] if log.exists() else ''}")


def pid_of(conf: Path, name: str) -> int:
    result = subprocess.run(
        [str(BIN / "supervisorctl"), "-c", str(conf), "pid", name], capture_output=True, text=True, timeout=30
    )
    return int(result.stdout.strip()) if result.stdout.strip().isdigit() else 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_a_killed_action_server_is_restarted_and_the_others_keep_running(tmp_path: Path) -> None:
    rasa_port, actions_port, backend_port = free_port(), free_port(), free_port()
    endpoints = render(
        {
            "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path}/tracker.db",
        }
    )
    endpoints["tracker_store"]["db"] = f"{tmp_path}/tracker.db"
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    procfile = (ROOT / "Procfile").read_text().replace("var/endpoints.yml", str(tmp_path / "endpoints.yml"))
    (tmp_path / "Procfile").write_text(procfile)
    backend_url = f"http://127.0.0.1:{backend_port}"
    env = {
        **os.environ,
        **QUIET,
        **TOKENS,
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "BACKEND_PORT": str(backend_port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/backend.db",
        "BACKEND_URL": backend_url,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
    }
    var, logs = tmp_path / "var", tmp_path / "logs"
    conf, log = var / "supervisord.conf", var / "supervisord.log"
    supervisor = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "supervise.py"),
            "-f",
            str(tmp_path / "Procfile"),
            "--var",
            str(var),
            "--logs",
            str(logs),
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "supervisor.out").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pids: dict = {}
    try:
        actions_health = f"http://127.0.0.1:{actions_port}/health"
        wait(lambda: answers(actions_health), "the action server answers", log)
        wait(lambda: answers(f"{backend_url}/healthz"), "the backend answers", log)
        wait(lambda: answers(f"http://127.0.0.1:{rasa_port}/"), "Rasa answers", logs / "rasa.log")
        pids = {name: pid_of(conf, name) for name in ("rasa", "actions", "backend")}
        assert all(pids.values()), pids

        os.kill(pids["actions"], signal.SIGKILL)
        wait(
            lambda: pid_of(conf, "actions") not in (0, pids["actions"]) and answers(actions_health),
            "the action server is back",
            log,
        )
        assert pid_of(conf, "rasa") == pids["rasa"] and pid_of(conf, "backend") == pids["backend"]
        assert alive(pids["rasa"]) and alive(pids["backend"])
        text = log.read_text()
        assert "exited: actions (terminated by SIGKILL; not expected)" in text
        assert text.count("spawned: 'actions'") == 2
        assert Conversation(f"http://127.0.0.1:{rasa_port}").say(
            "外国人要交社保吗"
        )  # Rasa reaches the new one
        pids["new actions"] = pid_of(conf, "actions")
    finally:
        supervisor.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(supervisor.pid, signal.SIGKILL)
            raise
    assert supervisor.returncode == 0
    left = [pid for pid in pids.values() if pid and alive(pid)]
    assert not left, "Ctrl-C left processes running"
