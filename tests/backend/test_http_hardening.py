"""Issue #17's low findings on the backend's HTTP surface: 405 answers say what is allowed,
console pages carry HSTS, Permissions-Policy and Cache-Control: no-store."""

from __future__ import annotations

import pytest

from tests.backend.conftest import Client


@pytest.mark.parametrize("path", ["/console/login", "/api/v1/openapi.json", "/healthz", "/status"])
def test_trace_is_refused_with_allow(client: Client, path: str) -> None:
    response = client.request("TRACE", path)
    assert response.status == 405
    allowed = {m.strip() for m in (response.headers.get("Allow") or "").split(",") if m.strip()}
    assert "GET" in allowed and "TRACE" not in allowed


def test_console_pages_have_the_security_headers(client: Client, editor: Client) -> None:
    for page in (client.get("/console/login"), editor.get("/console/kb")):
        assert page.status == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "camera=()" in page.headers["Permissions-Policy"]
        assert page.headers["Cache-Control"] == "no-store"


def test_public_pages_have_hsts_and_permissions_policy(client: Client) -> None:
    page = client.get("/status")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Permissions-Policy" in page.headers
