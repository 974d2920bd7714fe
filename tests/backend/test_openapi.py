"""The generated OpenAPI document agrees with the server: same routes, valid OpenAPI 3,
request models that refuse what the server refuses, response models that fit real answers."""

from __future__ import annotations

import re
import secrets
from typing import Any, Callable, Iterator

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from backend import schemas
from backend.errors import ApiError
from backend.openapi import REF, ROUTES, SPEC
from knowledge.application import catalogue
from tests.backend.cases_support import (
    answers_for,
    case_body,
    closed_port_url,
    officer,
    put_json,
    service_request,
)
from tests.backend.conftest import BackendServer, Client, start_backend
from tests.backend.test_eligibility_api import VALID as VALID_ANSWERS
from texts import entries

MESSAGES = entries("backend")  # texts/backend.yml

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    server = start_backend(
        tmp_path_factory.mktemp("openapi"),
        database_urls(),
        rasa_url=closed_port_url(),
        notify_wait=0.5,
        notify_timeout=2.0,
    )
    yield server
    server.stop()


def app_routes(backend: BackendServer) -> set[tuple[str, str]]:
    found = set()
    for route in backend.app.router.routes:
        path = re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", "/" + route.path.lstrip("/"))
        found |= {(path, m.lower()) for m in route.methods if m not in ("HEAD", "OPTIONS")}
    return found


# --- (a) the same routes ------------------------------------------------------------------------
def test_every_api_route_is_documented_and_every_documented_route_exists(
    client: Client, backend: BackendServer
) -> None:
    served = client.get("/api/v1/openapi.json").json()
    assert served == SPEC
    documented = {(path, method) for path, ops in served["paths"].items() for method in ops}
    routes = app_routes(backend)
    api = {r for r in routes if r[0].startswith("/api/v1/")}
    assert api - documented == set(), "routes missing from openapi.json"
    assert documented - routes == set(), "documented routes the app does not have"


# --- (b) a valid OpenAPI 3.0 document -------------------------------------------------------------
# Keywords JSON Schema has and OpenAPI 3.0's schema object does not (pydantic emits some of them).
NOT_IN_OPENAPI_30 = {
    "const",
    "examples",
    "$schema",
    "definitions",
    "$defs",
    "patternProperties",
    "if",
    "then",
    "else",
    "dependencies",
    "propertyNames",
    "contains",
    "prefixItems",
    "$id",
}


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{where}/{i}")


def schema_nodes(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The schema objects inside one schema (not the property maps holding them)."""
    if not isinstance(schema, dict):
        return
    yield where, schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from schema_nodes(sub, f"{where}/properties/{name}")
    for key in ("items", "additionalProperties", "not"):
        yield from schema_nodes(schema.get(key), f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from schema_nodes(sub, f"{where}/{key}/{i}")


def test_the_document_is_valid_openapi_3() -> None:
    assert re.fullmatch(r"3\.0\.\d+", SPEC["openapi"])
    assert SPEC["info"]["title"] and SPEC["info"]["version"]
    components = SPEC["components"]["schemas"]
    for where, node in walk(SPEC):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith(REF) and ref[len(REF) :] in components, f"{where}: unresolved {ref}"
    for name, schema in components.items():
        jsonschema.Draft4Validator.check_schema(schema)  # OpenAPI 3.0 schemas are a draft-4 subset
        for where, node in schema_nodes(schema, name):
            assert not NOT_IN_OPENAPI_30 & set(node), f"{where}: {NOT_IN_OPENAPI_30 & set(node)}"
            assert not isinstance(node.get("type"), list), f"{where}: type must be one string"
            assert not isinstance(node.get("items"), list), f"{where}: items must be one schema"
            for bound in ("exclusiveMinimum", "exclusiveMaximum"):
                assert isinstance(node.get(bound, False), bool), f"{where}: {bound} is a boolean in 3.0"
            assert isinstance(node.get("nullable", False), bool)
    schemes = set(SPEC["components"]["securitySchemes"])
    for path, operations in SPEC["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in METHODS
            assert operation["responses"], f"{method} {path}: no responses"
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status) and response["description"]
            for requirement in operation["security"]:
                assert set(requirement) <= schemes
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{method} {path}: path parameters"
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("query", "header", "path", "cookie") and "schema" in parameter
                assert parameter["in"] != "path" or parameter["required"] is True


# --- (c) document and server refuse the same bodies ---------------------------------------------
class Calls:
    """One officer and a case per test run, so every documented body can be sent."""

    def __init__(self, client: Client, backend: BackendServer) -> None:
        self.client = client
        self.backend = backend
        self.officer = officer(backend, "sci-openapi", "science_technology")
        response = client.post_json("/api/v1/cases", case_body())
        assert response.status == 201, response.text
        self.number = response.json()["case"]["number"]

    def draft(self) -> str:
        conversation = "web-" + secrets.token_hex(8)
        setup = {
            "items": ["work_permit_new"],
            "role": "worker",
            "answers": answers_for(["work_permit_new"]),
            "consent": {"given": True, "version": catalogue().consent.version},
        }
        assert put_json(self.client, f"/api/v1/drafts/{conversation}", setup).status == 200
        return conversation

    def send(self, model: type[schemas.RequestBody], body: Any) -> Any:
        officer_url = f"/api/v1/cases/{self.number}"
        if model is schemas.AnswerRequest:
            return self.client.post_json("/api/v1/faq/answer", body)
        if model is schemas.FeedbackRequest:
            return self.client.post_json("/api/v1/faq/feedback", body)
        if model is schemas.EligibilityRequest:
            return self.client.post_json("/api/v1/eligibility/assess", body)
        if model is schemas.DraftUpdate:
            return put_json(self.client, f"/api/v1/drafts/web-{secrets.token_hex(8)}", body)
        if model is schemas.DraftSubmit:
            return self.client.post_json(f"/api/v1/drafts/{self.draft()}/submit", body)
        if model is schemas.CaseRequest:
            return self.client.post_json("/api/v1/cases", body)
        if model is schemas.ItemStateChange:
            return self.officer.post_json(f"{officer_url}/items/science_technology/state", body)
        if model is schemas.TestMark:
            return self.officer.post_json(f"{officer_url}/test", body)
        if model is schemas.ReleaseRequest:
            return self.officer.post_json(f"{officer_url}/release", body)
        if model is schemas.StatusRequest:
            return self.client.post_json("/api/v1/status", body)
        if model is schemas.RatingAsk:
            return self.client.post_json("/api/v1/rating-requests", body)
        if model is schemas.RatingGiven:
            return self.client.post_json("/api/v1/ratings", body)
        if model is schemas.FollowUpChange:
            return self.officer.post_json("/api/v1/rating-followups/999999/state", body)
        if model is schemas.HandoffAsk:
            return self.client.post_json("/api/v1/handoffs", body)
        if model is schemas.HandoffConversation:
            return self.client.post_json("/api/v1/handoffs/cancel", body)
        if model is schemas.HandoffInbound:
            return self.client.post_json("/api/v1/handoffs/inbound", body)
        helpdesk = officer(self.backend, "hd-openapi", None, role="helpdesk")
        if model is schemas.HandoffSay:
            return helpdesk.post_json("/api/v1/handoffs/999999/messages", body)
        if model is schemas.HandoffClose:
            return helpdesk.post_json("/api/v1/handoffs/999999/close", body)
        if model is schemas.HandoffTransfer:
            return helpdesk.post_json("/api/v1/handoffs/999999/transfer", body)
        if model is schemas.HelpdeskPresence:
            return helpdesk.post_json("/api/v1/helpdesk/presence", body)
        raise AssertionError(f"no call for {model.__name__}")


# model -> (a body the model refuses, a body it accepts, what the server answers the accepted one)
BODIES: dict[type[schemas.RequestBody], tuple[dict[str, Any], Callable[[], dict[str, Any]], int]] = {
    schemas.AnswerRequest: ({"question": "x" * 1001}, lambda: {"question": "work permit fee?"}, 200),
    schemas.FeedbackRequest: (
        {"entry_id": "t-wp-fee", "helpful": "yes"},
        lambda: {"entry_id": "t-wp-fee", "helpful": True},
        201,
    ),
    schemas.EligibilityRequest: ({**VALID_ANSWERS, "age": 12}, lambda: dict(VALID_ANSWERS), 200),
    schemas.DraftUpdate: ({"items": "work_permit_new"}, lambda: {"items": ["work_permit_new"]}, 200),
    schemas.DraftSubmit: ({"test": "yes"}, lambda: {"test": True}, 201),
    schemas.CaseRequest: ({**case_body(), "channel": "<b>"}, lambda: case_body(test=True), 201),
    schemas.ItemStateChange: ({"state": "flying"}, lambda: {"state": "under_review"}, 200),
    schemas.TestMark: ({"test": 1}, lambda: {"test": False}, 200),
    schemas.ReleaseRequest: ({"note": 5}, lambda: {"note": "fine"}, 409),  # 409: the case is not held
    schemas.StatusRequest: (
        {"case_number": "FJ2026000001", "passport_number": 5},
        lambda: {"case_number": "FJ2099999999", "passport_number": "X00000000"},
        403,
    ),  # 403: unknown number, a wrong answer
    schemas.RatingAsk: (
        {"conversation_id": "web-r", "target": "window", "source": "user"},
        lambda: {
            "conversation_id": "web-" + secrets.token_hex(6),
            "target": "conversation",
            "source": "user",
        },
        201,
    ),
    schemas.RatingGiven: (
        {"request_id": 1, "conversation_id": "web-r", "level": 7},
        lambda: {"request_id": 999999, "conversation_id": "web-r", "level": 5},
        404,
    ),  # 404: no such request
    schemas.FollowUpChange: ({"state": 5}, lambda: {"state": "verifying"}, 404),  # 404: no such item
    schemas.HandoffAsk: (
        {"conversation_id": "web-h", "transcript": [{"sender": "staff", "text": "x"}]},
        lambda: {"conversation_id": "web-" + secrets.token_hex(6), "language": "zh"},
        201,
    ),
    schemas.HandoffConversation: ({"conversation_id": 5}, lambda: {"conversation_id": "web-none"}, 200),
    schemas.HandoffInbound: (
        {"conversation_id": "web-h", "text": 5},
        lambda: {"conversation_id": "web-h", "text": "hi"},
        200,
    ),
    schemas.HandoffSay: ({"text": "x" * 4001}, lambda: {"text": "hello"}, 404),  # 404: no such handoff
    schemas.HandoffClose: ({"reason": "bored"}, lambda: {"reason": "answered"}, 404),
    schemas.HandoffTransfer: ({"to": 5}, lambda: {"to": "someone"}, 404),
    schemas.HelpdeskPresence: ({"presence": "asleep"}, lambda: {"presence": "away"}, 200),
}


def test_every_documented_request_model_has_bodies_to_try() -> None:
    assert {r.request for r in ROUTES if r.request is not None} == set(BODIES)


@pytest.mark.parametrize("model", list(BODIES), ids=lambda m: m.__name__)
def test_every_refused_field_answers_with_a_catalogue_sentence(model: type[schemas.RequestBody]) -> None:
    codes = {
        model.ERROR,
        "unknown_field",
        *model.FIELD_ERRORS.values(),
        *(p.code for p in model.PROBLEMS.values()),
    }
    assert codes <= set(MESSAGES), codes - set(MESSAGES)
    for problem in model.PROBLEMS.values():
        assert problem.message("zh") != problem.message("en")  # both languages, parameters filled in
    route = next(r for r in ROUTES if r.request is model)
    if route.invalid_status == 400:  # parsed by the handler: every field says what is wrong with it
        assert set(model.__fields__) <= set(model.PROBLEMS), set(model.__fields__) - set(model.PROBLEMS)


@pytest.mark.parametrize("model", list(BODIES), ids=lambda m: m.__name__)
def test_the_server_refuses_what_the_model_refuses(
    model: type[schemas.RequestBody], client: Client, backend: BackendServer
) -> None:
    route = next(r for r in ROUTES if r.request is model)
    refused, accepted, accepted_status = BODIES[model]
    with pytest.raises(ApiError):
        model.from_body(refused)
    model.from_body(accepted())
    calls = Calls(client, backend)
    response = calls.send(model, refused)
    assert response.status == route.invalid_status, response.text
    assert str(route.invalid_status) in SPEC["paths"][route.path][route.method]["responses"]
    response = calls.send(model, accepted())
    assert response.status == accepted_status, response.text


# --- response models fit what the server answers ----------------------------------------------------
def test_response_models_fit_real_answers(client: Client, backend: BackendServer) -> None:
    def fits(model: type[BaseModel], response: Any, status: int = 200) -> dict[str, Any]:
        assert response.status == status, response.text
        model.parse_obj(response.json())  # Reply models refuse keys they do not document
        return response.json()

    fits(schemas.Health, client.get("/healthz"))
    fits(
        schemas.AnswerResult,
        client.post_json("/api/v1/faq/answer", {"question": "How much does the work permit cost?"}),
    )
    entries = fits(schemas.EntryList, service_request(client, "GET", "/api/v1/faq/entries"))
    entry_id = entries["entries"][0]["id"]
    fits(schemas.Entry, service_request(client, "GET", f"/api/v1/faq/entries/{entry_id}"))
    fits(
        schemas.EntryInLanguage, service_request(client, "GET", f"/api/v1/faq/entries/{entry_id}?language=zh")
    )
    fits(
        schemas.FeedbackStored,
        client.post_json("/api/v1/faq/feedback", {"entry_id": entry_id, "helpful": True}),
        201,
    )
    fits(schemas.EligibilityResult, client.post_json("/api/v1/eligibility/assess", VALID_ANSWERS))
    conversation = "web-" + secrets.token_hex(8)
    fits(
        schemas.DraftReply, put_json(client, f"/api/v1/drafts/{conversation}", {"items": ["work_permit_new"]})
    )
    case = fits(
        schemas.CaseReply, client.post_json("/api/v1/cases", case_body(conversation_id=conversation)), 201
    )["case"]
    fits(
        schemas.ConversationCases,
        service_request(client, "GET", f"/api/v1/conversations/{conversation}/cases"),
    )
    sci = officer(backend, "sci-replies", "science_technology")
    fits(schemas.CaseReply, sci.get(f"/api/v1/cases/{case['number']}"))
    fits(
        schemas.StateChangeReply,
        sci.post_json(
            f"/api/v1/cases/{case['number']}/items/science_technology/state", {"state": "under_review"}
        ),
    )
    fits(schemas.CaseStatistics, sci.get("/api/v1/case-statistics"))
    error = fits(schemas.Error, client.post_json("/api/v1/cases", {"role": "boss"}), 400)
    assert error["error"]["details"]


def test_reply_models_refuse_undocumented_keys() -> None:
    with pytest.raises(ValidationError):
        schemas.FeedbackStored.parse_obj({"id": 1, "entry_id": "a", "helpful": True, "secret": "x"})
