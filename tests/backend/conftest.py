"""Backend test fixtures: a real server on a free local port, SQLite or PostgreSQL.

Set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run the same tests on
PostgreSQL (each run gets its own schema, dropped afterwards)."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from sanic import Sanic
from sqlalchemy import create_engine, text

from backend.app import create_app
from backend.config import Settings
from backend.services.staff import StaffService

# Several apps start in one process here; test mode keeps sanic from re-patching its
# protocol methods on each start (which fails the second time).
Sanic.test_mode = True

DATA = Path(__file__).parent / "data"
SERVICE_TOKEN = "test-service-token-0123456789"
PASSWORD = "correct horse battery"
USERS = {"editor": "policy_editor", "helper": "helpdesk", "boss": "admin"}


def _postgres_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=" + urllib.parse.quote(f"-csearch_path={schema}")


@pytest.fixture(scope="session")
def database_urls() -> Iterator[Any]:
    """A factory of fresh, empty databases (one per call); cleaned up at the end."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    schemas: list[str] = []
    tmp = Path(os.environ.get("PYTEST_TMP", "/tmp")) / f"backend-tests-{secrets.token_hex(4)}"
    tmp.mkdir(parents=True, exist_ok=True)

    def fresh() -> str:
        if base.startswith("postgresql"):
            schema = f"t_{secrets.token_hex(6)}"
            engine = create_engine(base, future=True)
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine.dispose()
            schemas.append(schema)
            return _postgres_url(base, schema)
        return f"sqlite:///{tmp / (secrets.token_hex(4) + '.db')}"

    yield fresh
    if schemas:
        engine = create_engine(base, future=True)
        # One transaction per schema: dropping them all at once takes a lock per table and
        # index of every schema and overflows PostgreSQL's lock table (max_locks_per_transaction).
        for schema in schemas:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


def make_knowledge_dir(root: Path, faq_files: list[Path] | None = None) -> Path:
    (root / "faq").mkdir(parents=True, exist_ok=True)
    for path in faq_files if faq_files is not None else sorted((DATA / "faq").glob("*.yml")):
        shutil.copy(path, root / "faq" / path.name)
    regions = Path(__file__).resolve().parents[2] / "knowledge" / "regions"
    if regions.is_dir():
        shutil.copytree(regions, root / "regions", dirs_exist_ok=True)
    return root


class BackendServer:
    """The sanic app served from a background thread with its own event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="backend-test-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            server = self.loop.run_until_complete(
                self.app.create_server(sock=self._sock, return_asyncio_server=True, access_log=False)
            )
            self.loop.run_until_complete(server.startup())
            self._server = server
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def start(self) -> BackendServer:
        self._thread.start()
        self._ready.wait(30)
        if self._error:
            raise self._error
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.app.ctx.engine.dispose()


@dataclass
class Response:
    status: int
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    """A tiny HTTP client with a cookie jar; redirects are returned, not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read())

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post_json(
        self,
        path: str,
        data: Any,
        *,
        token: str | None = SERVICE_TOKEN,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.request("POST", path, body=json.dumps(data).encode("utf-8"), headers=all_headers)

    def post_form(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Response:
        body = urllib.parse.urlencode(fields).encode("utf-8")
        return self.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    def post_multipart(
        self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]
    ) -> Response:
        boundary = "----test" + secrets.token_hex(8)
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/x-yaml\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def csrf(self, path: str = "/console/kb") -> str:
        page = self.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, f"no csrf token on {path}: {page.status}"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD) -> Response:
        page = self.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.post_form(
            "/console/login",
            {"csrf_token": token, "username": username, "password": password, "next": "/console/kb"},
        )


def start_backend(
    tmp_path: Path,
    database_url: str,
    *,
    faq_files: list[Path] | None = None,
    retriever_factory: Any = None,
    **overrides: Any,
) -> BackendServer:
    knowledge_dir = make_knowledge_dir(tmp_path / "knowledge", faq_files)
    settings = Settings(
        database_url=database_url, service_token=SERVICE_TOKEN, knowledge_dir=knowledge_dir, **overrides
    )
    app = create_app(
        settings, name=f"backend_test_{secrets.token_hex(4)}", retriever_factory=retriever_factory
    )
    with app.ctx.session_factory() as session:
        staff = StaffService(session)
        for username, role in USERS.items():
            if staff.find(username) is None:
                staff.create_user(username, PASSWORD, role)
    return BackendServer(app).start()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    server = start_backend(tmp_path_factory.mktemp("backend"), database_urls())
    yield server
    server.stop()


@pytest.fixture
def client(backend: BackendServer) -> Client:
    return Client(backend.url)


@pytest.fixture
def editor(backend: BackendServer) -> Client:
    c = Client(backend.url)
    assert c.login("editor").status == 302
    return c


# --- real headless Chromium (Debian's, driven by Playwright; no browser download) -------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
needs_chromium = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
    reason=f"Debian chromium is not installed at {CHROMIUM} (apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (pip) is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            args=BROWSER_FLAGS,
            headless=True,
        )
        yield chromium
        chromium.close()
