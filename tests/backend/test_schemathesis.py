"""Property-based tests of the backend's API against its own OpenAPI document (issue #17):
schemathesis generates requests from /api/v1/openapi.json (backend/openapi.py, built from
backend/schemas.py) and every response must be no server error and conform to the document
(status code, content type, headers, schema). Bounded: SCHEMATHESIS_MAX_EXAMPLES (default 20)
per operation keeps the run within about two minutes on two cores. The service token is sent,
so the service routes are exercised past authentication; staff-only routes answer 401."""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import ALL_CHECKS

from tests.backend.cases_support import closed_port_url
from tests.backend.conftest import SERVICE_TOKEN, BackendServer, start_backend

STREAMS_EXCLUDED = r"^/(?!chat/notifications/)"
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    server = start_backend(
        tmp_path_factory.mktemp("schemathesis"),
        database_urls(),
        rasa_url=closed_port_url(),
        notify_wait=0.2,
        notify_timeout=1.0,
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api_schema(api: BackendServer) -> Any:
    # /chat/notifications/{id} is a server-sent event stream, open until the client leaves:
    # a generated request would wait forever (tests/backend/test_notifications.py covers it).
    return schemathesis.from_uri(
        f"{api.url}/api/v1/openapi.json", base_url=api.url, endpoint=STREAMS_EXCLUDED
    )


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_the_api_keeps_its_document(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=30)
    case.validate_response(response, checks=ALL_CHECKS)
