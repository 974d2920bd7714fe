"""`make run`'s supervisor: the Procfile's processes under supervisord, restarted when they die.

    python scripts/supervise.py [-f Procfile] [--var DIR] [--logs DIR]

Writes DIR/supervisord.conf (default var/) from the Procfile (parsed by honcho, as before)
and replaces itself with `supervisord -n` (foreground). Each process runs in bash as under
honcho, so the Procfile's `${RASA_PORT:-5005}` defaults work, in the project's folder,
with supervisord's environment. When one dies the others keep running and it is started
again at once; one that dies again within START_SECONDS of a start is retried after 1, 2,
3 ... seconds, and given up (FATAL) after START_RETRIES tries in a row. supervisord logs
every exit and start ("exited: actions (terminated by SIGKILL; not expected)", "spawned:
'actions' with pid ...") to the terminal and DIR/supervisord.log. Ctrl-C stops all.
`.venv/bin/supervisorctl -c var/supervisord.conf status` shows the processes.

The processes' output goes to the terminal, or with --logs to DIR/<name>.log.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Mapping

from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 5  # a process that lives this long counts as started
START_RETRIES = 20  # failed starts in a row (1 s, 2 s, ... 20 s apart) before it is given up
STOP_SECONDS = 20  # time to stop cleanly before SIGKILL
# Processes started only when their setting is present (name: (variable, command)): with a
# RabbitMQ event broker, the consumer that folds Rasa's events into the backend's statistics.
OPTIONAL = {"events": ("EVENT_BROKER_URL", ".venv/bin/python -m backend.events_consumer")}


def with_optional(processes: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """The Procfile's processes plus the OPTIONAL ones whose variable is set."""
    found = dict(processes)
    for name, (variable, command) in OPTIONAL.items():
        if environ.get(variable, "").strip() and name not in found:
            found[name] = command
    return found


def _value(text: str) -> str:
    return text.replace("%", "%%")  # supervisord expands %(name)s in its values


def config(processes: Mapping[str, str], var: Path, logs: Path | None = None, root: Path = ROOT) -> str:
    """supervisord.conf for `processes` ({name: shell command})."""
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={_value(str(var / 'supervisord.log'))}",
        "logfile_maxbytes=10MB",
        f"pidfile={_value(str(var / 'supervisord.pid'))}",
        f"childlogdir={_value(str(var))}",
        "",
        "[unix_http_server]",
        f"file={_value(str(var / 'supervisor.sock'))}",
        "chmod=0700",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_value(str(var / 'supervisor.sock'))}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    for name, command in processes.items():
        output = str(logs / f"{name}.log") if logs else "/dev/stdout"
        lines += [
            f"[program:{name}]",
            f"command=/bin/bash -c {_value(shlex.quote('exec ' + command))}",
            f"directory={_value(str(root))}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_value(output)}",
            "stdout_logfile_maxbytes=0",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-f", "--procfile", default=str(ROOT / "Procfile"))
    parser.add_argument("--var", default=str(ROOT / "var"), help="where the config, socket and log go")
    parser.add_argument("--logs", default=None, help="write each process's output to LOGS/<name>.log")
    args = parser.parse_args(argv)
    var = Path(args.var).resolve()
    var.mkdir(parents=True, exist_ok=True)
    logs = Path(args.logs).resolve() if args.logs else None
    if logs:
        logs.mkdir(parents=True, exist_ok=True)
    processes = with_optional(
        parse_procfile(Path(args.procfile).read_text(encoding="utf-8")).processes, os.environ
    )
    conf = var / "supervisord.conf"
    conf.write_text(config(processes, var, logs), encoding="utf-8")
    supervisord = str(Path(sys.executable).parent / "supervisord")
    os.execv(supervisord, [supervisord, "-n", "-c", str(conf)])


if __name__ == "__main__":
    main()
