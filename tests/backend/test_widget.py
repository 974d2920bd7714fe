"""The widget's files as the backend serves them (issue #13): the sample portal page at /
embeds /widget.js with one tag, /widget.js carries both languages' texts from
texts/widget.yml and Rasa's socket.io URL, stays within its size budget, and the page's
CSP keeps default-src 'self' while letting the widget reach Rasa (HTTP and WebSocket)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from backend.blueprints.chat import WIDGET_TEXTS
from backend.config import Settings
from scripts.build_widget import PLACEHOLDER, bundle
from tests.backend.conftest import BackendServer, Client
from texts import entries

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 60 * 1024


def config_of(script: str) -> dict:
    match = re.search(r"\}\)\((\{.*\}), document\.currentScript\);\s*$", script, re.S)
    assert match, script[-300:]
    return json.loads(match.group(1))


def test_the_portal_page_embeds_the_widget_with_one_tag(client: Client) -> None:
    page = client.get("/?lang=zh")
    assert page.status == 200
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/widget.js" data-lang="zh" async>']
    assert "外国人来华工作" in page.text and '<html lang="zh-CN">' in page.text
    assert 'data-lang="en"' in client.get("/?lang=en").text
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005;" in csp


def test_widget_js_carries_both_languages_and_the_socket_url(client: Client) -> None:
    response = client.get("/widget.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert PLACEHOLDER not in response.text
    config = config_of(response.text)
    assert config["socketUrl"] == "http://127.0.0.1:5005" and config["socketPath"] == "/socket.io"
    assert config["texts"]["launcher"] == {"en": "Chat with us", "zh": "在线咨询"}
    assert config["texts"]["message"] == {"en": "Message", "zh": "消息"}
    assert set(config["texts"]) == set(WIDGET_TEXTS) == set(entries("widget"))
    css = client.get("/widget.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")


def test_widget_js_is_within_its_size_budget(client: Client) -> None:
    body = client.get("/widget.js").text.encode("utf-8")
    assert len(gzip.compress(body, 9)) <= BUDGET, len(gzip.compress(body, 9))


def test_the_committed_bundle_is_the_build_of_the_sources() -> None:
    committed = (ROOT / "backend" / "static" / "widget.bundle.js").read_text(encoding="utf-8")
    assert committed == bundle(), "run .venv/bin/python -m scripts.build_widget"
    for name in ("socket.io-client", "dompurify"):
        assert (ROOT / "widget" / "vendor" / f"{name}.LICENSE").stat().st_size > 500
    assert "Socket.IO v4.8.4" in committed and "DOMPurify 3.5.0" in committed


def test_a_public_socket_url_reaches_the_widget_and_the_csp() -> None:
    settings = Settings(rasa_url="http://10.0.0.5:5005", widget_socket_url="https://chat.example.gov.cn")
    assert settings.socket_url == "https://chat.example.gov.cn"
    from backend.app import connect_sources

    assert connect_sources(settings) == "https://chat.example.gov.cn wss://chat.example.gov.cn"
    assert Settings.from_env({"WIDGET_SOCKET_URL": "https://chat.example.gov.cn/"}).socket_url == (
        "https://chat.example.gov.cn"
    )


def test_the_widget_blueprint_leaves_the_consoles_csp_alone(backend: BackendServer, client: Client) -> None:
    page = client.get("/console/login")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
