"""`python -m backend [serve|migrate|import-kb|export-kb|create-user]`."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

import startup
from backend.config import ROLES, ConfigError, Settings


def _departments() -> str:
    """The department keys, read from the data (for the help text)."""
    from knowledge.application import catalogue

    return ", ".join(catalogue().departments)


def _session(settings: Settings):  # noqa: ANN202
    from backend import migrate
    from backend.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    return make_session_factory(engine)()


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from backend.app import create_app

    app = create_app(settings)

    @app.after_server_start
    async def _warm_index(app, _loop) -> None:  # noqa: ANN001
        with app.ctx.session_factory() as session:
            try:
                app.ctx.index.refresh(session)
            except ImportError as exc:
                logging.getLogger("backend").error("retrieval engine not importable: %s", exc)

    app.run(host=settings.host, port=settings.port, access_log=False, workers=1, motd=False)
    return 0


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    _session(settings).close()
    print("database schema is up to date")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from backend.errors import ApiError
    from backend.services.index import KnowledgeIndex
    from backend.services.kb_files import read_kb_dir
    from backend.services.knowledge import KnowledgeService

    paths = [Path(p) for p in args.files] or [settings.knowledge_dir / "faq"]
    files: list[tuple[str, bytes]] = []
    for path in paths:
        files.extend(read_kb_dir(path) if path.is_dir() else [(path.name, path.read_bytes())])
    session = _session(settings)
    service = KnowledgeService(session, KnowledgeIndex(retriever_factory=_NoIndex))
    try:
        report = service.import_files(files, args.author, overwrite=args.overwrite)
    except ApiError as exc:
        print(exc.message("en"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.where('en')}: {problem.message('en')}", file=sys.stderr)
        return 2
    finally:
        session.close()
    print(f"imported {len(files)} file(s): {report.summary()}")
    for entry_id in report.conflicts:
        print(f"  conflict (kept the console edit): {entry_id}")
    return 1 if report.conflicts and args.strict else 0


class _NoIndex:
    """The CLI changes the database only; running servers re-index on the version bump."""

    def index(self, _docs: list) -> None:  # noqa: D401
        return None


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from backend.services.index import KnowledgeIndex
    from backend.services.knowledge import KnowledgeService

    session = _session(settings)
    try:
        text = KnowledgeService(session, KnowledgeIndex()).export_yaml()
    finally:
        session.close()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from backend.errors import ApiError
    from backend.services.staff import StaffService

    password = os.environ.get("NEW_USER_PASSWORD") or ""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        password = getpass.getpass(f"password for {args.username}: ")
    session = _session(settings)
    try:
        StaffService(session).create_user(args.username, password, args.role, department=args.department)
    except ApiError as exc:
        print(exc.message("en"), file=sys.stderr)
        return 2
    finally:
        session.close()
    print(f"created {args.role} {args.username}" + (f" ({args.department})" if args.department else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    startup.prepare()  # before anything imports the retriever (bm25s)
    parser = argparse.ArgumentParser(prog="python -m backend", description="Case backend")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve on BACKEND_HOST:BACKEND_PORT (default 127.0.0.1:8000)")
    sub.add_parser("migrate", help="apply database migrations")
    imp = sub.add_parser("import-kb", help="import knowledge-base YAML (default: knowledge/faq/)")
    imp.add_argument("files", nargs="*", help="files or folders")
    imp.add_argument("--overwrite", action="store_true", help="overwrite entries also edited in the console")
    imp.add_argument("--strict", action="store_true", help="exit 1 when there are conflicts")
    imp.add_argument("--author", default="cli")
    exp = sub.add_parser("export-kb", help="export the knowledge base as YAML")
    exp.add_argument("-o", "--output", default="-")
    cu = sub.add_parser("create-user", help="create a staff account")
    cu.add_argument("username")
    cu.add_argument("--role", choices=ROLES, required=True)
    cu.add_argument(
        "--department",
        default=None,
        help=f"an officer's department: {_departments()} (knowledge/application/departments.yml)",
    )
    cu.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else NEW_USER_PASSWORD or a prompt)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("jieba", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        settings.check()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 3
    commands = {
        "serve": cmd_serve,
        "migrate": cmd_migrate,
        "import-kb": cmd_import,
        "export-kb": cmd_export,
        "create-user": cmd_create_user,
    }
    return commands[args.command or "serve"](settings, args)


if __name__ == "__main__":
    sys.exit(main())
