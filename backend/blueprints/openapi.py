"""GET /api/v1/openapi.json: the hand-kept OpenAPI document (tests check it covers every route)."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.blueprints.eligibility import OPENAPI_PATHS as ELIGIBILITY_PATHS
from backend.blueprints.eligibility import OPENAPI_SCHEMAS as ELIGIBILITY_SCHEMAS

bp = Blueprint("openapi", url_prefix="/api/v1")


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


ERRORS = {
    "400": _error_response("Bad input (code: invalid_json, question_empty, question_too_long, invalid_language...)"),
    "401": _error_response("No valid service token or staff login (code: unauthorized)"),
    "403": _error_response("Wrong role or missing CSRF token (code: forbidden, csrf_failed)"),
}
LANG_HEADER = {
    "name": "Accept-Language", "in": "header", "required": False,
    "description": "Language of error messages: en or zh (default en).",
    "schema": {"type": "string", "example": "zh-CN,zh;q=0.9"},
}
SECURITY = [{"serviceToken": []}, {"staffSession": []}]

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Case backend API",
        "version": "1.0.0",
        "description": "Knowledge base and case services for the Foreigners Working in China assistant. "
        "Every error is {\"error\": {\"code\", \"message\"}} with the message in the Accept-Language language.",
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {
            "serviceToken": {"type": "http", "scheme": "bearer",
                             "description": "SERVICE_TOKEN, used by the action server."},
            "staffSession": {"type": "apiKey", "in": "cookie", "name": "kb_session",
                             "description": "Staff console login; writes also need the X-CSRF-Token header."},
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "example": "question_empty"},
                        "message": {"type": "string", "example": "The question is empty."},
                        "details": {"type": "array", "items": {"type": "object", "properties": {
                            "code": {"type": "string"}, "message": {"type": "string"},
                            "field": {"type": "string"}, "line": {"type": "integer"}, "file": {"type": "string"},
                        }}},
                    },
                }},
            },
            "Language": {"type": "string", "enum": ["en", "zh"]},
            "AnswerRequest": {
                "type": "object", "required": ["question"],
                "properties": {
                    "question": {"type": "string", "minLength": 1, "maxLength": 1000},
                    "language": {"$ref": "#/components/schemas/Language"},
                },
            },
            "EntryInLanguage": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "topic": {"type": "string"}, "status": {"type": "string"},
                    "question": {"type": "string", "description": "first example question in the language"},
                    "answer": {"type": "string"}, "source": {"type": "string"},
                    "checked": {"type": "string", "format": "date", "nullable": True},
                    "uncertain": {"type": "boolean"}, "version": {"type": "integer"},
                    "language": {"$ref": "#/components/schemas/Language"},
                    "score": {"type": "number"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
            "Entry": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "topic": {"type": "string"},
                    "status": {"type": "string", "enum": ["draft", "published", "retired"]},
                    "questions": {"type": "object", "properties": {
                        "en": {"type": "array", "items": {"type": "string"}},
                        "zh": {"type": "array", "items": {"type": "string"}}}},
                    "answer": {"type": "object", "properties": {"en": {"type": "string"}, "zh": {"type": "string"}}},
                    "source": {"type": "string"}, "checked": {"type": "string", "format": "date", "nullable": True},
                    "uncertain": {"type": "boolean"}, "version": {"type": "integer"},
                    "updated_at": {"type": "string", "format": "date-time"}, "updated_by": {"type": "string"},
                },
            },
            "AnswerResult": {
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["answer", "candidates", "no_match"],
                               "description": "answer: confident best entry; candidates: below the "
                               "confidence threshold, up to 3 entries to offer; no_match: nothing found"},
                    "language": {"$ref": "#/components/schemas/Language"},
                    "entry": {"allOf": [{"$ref": "#/components/schemas/EntryInLanguage"}], "nullable": True},
                    "confidence": {"type": "number"},
                    "candidates": {"type": "array", "maxItems": 3,
                                   "items": {"$ref": "#/components/schemas/EntryInLanguage"}},
                },
            },
            "FeedbackRequest": {
                "type": "object", "required": ["entry_id", "helpful"],
                "properties": {"entry_id": {"type": "string"}, "helpful": {"type": "boolean"},
                               "language": {"$ref": "#/components/schemas/Language"}},
            },
        },
    },
    "paths": {
        "/healthz": {"get": {"summary": "Liveness and database check", "security": [],
                             "responses": {"200": {"description": "ok"}, "503": {"description": "database down"}}}},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                         "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        "/api/v1/faq/answer": {"post": {
            "summary": "Answer a policy question from the live knowledge base",
            "security": SECURITY, "parameters": [LANG_HEADER],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/AnswerRequest"}}}},
            "responses": {"200": {"description": "best entry or candidates", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/AnswerResult"}}}},
                **ERRORS, "503": _error_response("retrieval engine unavailable (code: retrieval_unavailable)")},
        }},
        "/api/v1/faq/entries": {"get": {
            "summary": "List or search entries", "security": SECURITY,
            "parameters": [LANG_HEADER,
                           {"name": "q", "in": "query", "schema": {"type": "string"}},
                           {"name": "status", "in": "query", "schema": {"type": "string"}},
                           {"name": "topic", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "entries", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"entries": {"type": "array",
                                                             "items": {"$ref": "#/components/schemas/Entry"}}}}}}},
                **ERRORS},
        }},
        "/api/v1/faq/entries/{entry_id}": {"get": {
            "summary": "One entry (both languages, or one with ?language=)", "security": SECURITY,
            "parameters": [LANG_HEADER,
                           {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "language", "in": "query", "schema": {"$ref": "#/components/schemas/Language"}}],
            "responses": {"200": {"description": "the entry"}, **ERRORS,
                          "404": _error_response("no such entry (code: entry_not_found)")},
        }},
        "/api/v1/faq/feedback": {"post": {
            "summary": "Store 'was this helpful?' for an entry", "security": SECURITY, "parameters": [LANG_HEADER],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/FeedbackRequest"}}}},
            "responses": {"201": {"description": "stored"}, **ERRORS,
                          "404": _error_response("no such entry (code: entry_not_found)")},
        }},
        "/api/v1/region": {"get": {
            "summary": "The active region profile (REGION)", "security": SECURITY, "parameters": [LANG_HEADER],
            "responses": {"200": {"description": "knowledge/regions/<REGION>.yml as JSON"}, **ERRORS,
                          "404": _error_response("no profile (code: region_not_found)")},
        }},
    },
}

SPEC["components"]["schemas"].update(ELIGIBILITY_SCHEMAS)
SPEC["paths"].update(ELIGIBILITY_PATHS)

# --- the merged application: drafts, cases, status (docs/application.md) --------------------
_S = {"type": "string"}
_REF = "#/components/schemas/"
CONVERSATION = {"name": "conversation_id", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:@+=-]{1,128}$"}}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string", "example": "FJ2026000123"}}
ITEM_STATES = ["received", "under_review", "supplement_requested", "approved", "rejected", "completed"]
CASE_ERRORS = {
    "400": _error_response("Bad input: invalid_json, draft_invalid, case_invalid, status_request_invalid... "
                           "with details [{field, code, message}] in the Accept-Language language; nothing is "
                           "stored from a rejected request"),
    "401": ERRORS["401"], "403": ERRORS["403"],
}
OFFICER = [{"staffSession": []}]
SPEC["components"]["schemas"].update({
    "Answers": {"type": "object", "description": "field key (knowledge/application/fields.yml) -> raw value; "
                "each is checked by knowledge.application.validate_value; null removes an answer",
                "additionalProperties": True, "example": {"surname": "Schmidt", "passport_number": "E12345678"}},
    "DraftUpdate": {"type": "object", "additionalProperties": False, "properties": {
        "channel": {"type": "string", "nullable": True, "example": "rest"},
        "language": {"$ref": _REF + "Language"},
        "role": {"type": "string", "enum": ["worker", "hr"], "nullable": True},
        "items": {"type": "array", "items": _S, "example": ["work_permit_new", "residence_permit_new"]},
        "consent": {"type": "object", "required": ["given"], "properties": {
            "given": {"type": "boolean", "description": "false withdraws consent and deletes the answers"},
            "version": {"type": "string", "description": "the consent text version agreed to (consent.yml)"}}},
        "answers": {"$ref": _REF + "Answers"},
        "state": {"type": "object", "description": "non-personal dialogue state, kept as given (max 20,000 "
                  "characters; refused when it contains a sensitive answer)"},
    }},
    "Draft": {"type": "object", "properties": {
        "conversation_id": _S, "channel": {"type": "string", "nullable": True}, "language": _S,
        "role": {"type": "string", "nullable": True}, "items": {"type": "array", "items": _S},
        "state": {"type": "object"},
        "consent": {"type": "object", "properties": {"given": {"type": "boolean"},
                                                     "version": {"type": "string", "nullable": True},
                                                     "at": {"type": "string", "nullable": True}}},
        "answers_masked": {"type": "object", "description": "field -> masked value (E12****78, 138****5678)"},
        "fields": {"type": "array", "items": _S, "description": "the fields the items need, in order"},
        "missing": {"type": "array", "items": _S, "description": "required fields not answered yet"},
        "created_at": _S, "updated_at": _S,
    }},
    "CaseRequest": {"type": "object", "additionalProperties": False, "required": ["items", "role", "answers"],
                    "properties": {
                        "items": {"type": "array", "items": _S}, "role": {"type": "string", "enum": ["worker", "hr"]},
                        "answers": {"$ref": _REF + "Answers"}, "language": {"$ref": _REF + "Language"},
                        "channel": _S, "conversation_id": _S,
                        "test": {"type": "boolean", "description": "a test case: full flow, excluded from "
                                 "statistics"}}},
    "Case": {"type": "object", "description": "Texts in the Accept-Language language. For applicants a "
             "watchlist hold is not disclosed (state submitted, joint_review false).", "properties": {
        "number": {"type": "string", "example": "FJ2026000123"}, "is_test": {"type": "boolean"},
        "joint_review": {"type": "boolean"},
        "state": {"type": "string", "enum": ["submitted", "joint_review", "in_progress", "completed", "rejected"]},
        "state_text": _S, "created_at": _S, "updated_at": _S, "language": _S, "role": _S,
        "item_keys": {"type": "array", "items": _S},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "department": _S, "department_name": _S,
            "services": {"type": "array", "items": _S}, "service_names": {"type": "array", "items": _S},
            "state": {"type": "string", "enum": ITEM_STATES}, "state_text": _S, "updated_at": _S,
            "timeline": {"type": "array", "items": {"type": "object", "properties": {
                "state": _S, "state_text": _S, "note": _S, "at": _S}}}}}},
        "next_steps": {"type": "array", "items": _S},
        "materials": {"type": "array", "items": {"type": "object", "properties": {"id": _S, "name": _S}}},
        "deadlines": {"type": "array", "items": _S},
        "savings": {"type": "object", "properties": {k: {"type": "integer"} for k in (
            "fields_once", "fields_separately", "materials_once", "materials_separately")}},
        "answers_masked": {"type": "object"},
    }},
    "StatusRequest": {"type": "object", "additionalProperties": False, "required": ["case_number"], "properties": {
        "case_number": _S, "conversation_id": _S,
        "passport_last4": {"type": "string", "description": "last four letters/digits of the passport number"},
        "client": {"type": "string", "description": "the lockout key when there is no conversation (default: "
                   "the client address)"}}},
})
_CASE = {"application/json": {"schema": {"type": "object", "properties": {"case": {"$ref": _REF + "Case"}}}}}
_DRAFT = {"application/json": {"schema": {"type": "object", "properties": {"draft": {"$ref": _REF + "Draft"}}}}}
SPEC["paths"].update({
    "/api/v1/drafts/{conversation_id}": {
        "get": {"summary": "The conversation's draft (masked)", "security": SECURITY,
                "parameters": [LANG_HEADER, CONVERSATION],
                "responses": {"200": {"description": "the draft", "content": _DRAFT}, **CASE_ERRORS,
                              "404": _error_response("no draft (code: no_draft)")}},
        "put": {"summary": "Merge answers, items, role, consent and dialogue state into the draft",
                "security": SECURITY, "parameters": [LANG_HEADER, CONVERSATION],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": _REF + "DraftUpdate"}}}},
                "responses": {"200": {"description": "the draft after the change", "content": _DRAFT},
                              **CASE_ERRORS,
                              "409": _error_response("answers before consent (code: consent_required)")}},
        "delete": {"summary": "Discard the draft (start over / delete my data)", "security": SECURITY,
                   "parameters": [LANG_HEADER, CONVERSATION],
                   "responses": {"204": {"description": "deleted (also when there was none)"}, **CASE_ERRORS}},
    },
    "/api/v1/drafts/{conversation_id}/submit": {"post": {
        "summary": "Validate the whole draft and submit it as a case (the draft is deleted)", "security": SECURITY,
        "parameters": [LANG_HEADER, CONVERSATION],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False, "properties": {"test": {"type": "boolean"}}}}}},
        "responses": {"201": {"description": "the case", "content": _CASE}, **CASE_ERRORS,
                      "404": _error_response("no draft (code: no_draft)"),
                      "409": _error_response("no consent (code: consent_required)")}}},
    "/api/v1/cases": {"post": {
        "summary": "Submit an application in one call (service token, helpdesk or officer)", "security": SECURITY,
        "parameters": [LANG_HEADER],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": _REF + "CaseRequest"}}}},
        "responses": {"201": {"description": "the case", "content": _CASE}, **CASE_ERRORS}}},
    "/api/v1/conversations/{conversation_id}/cases": {"get": {
        "summary": "The cases this conversation submitted", "security": SECURITY,
        "parameters": [LANG_HEADER, CONVERSATION],
        "responses": {"200": {"description": "{cases: [{number, created_at, state}]}"}, **CASE_ERRORS}}},
    "/api/v1/cases/{number}": {"get": {
        "summary": "A case for an officer of one of its departments (audited as a view); staff fields: id, "
                   "conversation_id, channel, events", "security": OFFICER, "parameters": [LANG_HEADER, NUMBER],
        "responses": {"200": {"description": "the case", "content": _CASE}, **CASE_ERRORS,
                      "404": _error_response("no such case in the officer's departments (code: case_not_found)")}}},
    "/api/v1/cases/{number}/items/{department}/state": {"post": {
        "summary": "Change one department's item (received -> under_review -> supplement_requested -> "
                   "under_review; under_review -> approved | rejected; approved -> completed); pushed to the "
                   "applicant through Rasa", "security": OFFICER,
        "parameters": [LANG_HEADER, NUMBER, {"name": "department", "in": "path", "required": True, "schema": _S}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["state"], "additionalProperties": False, "properties": {
                "state": {"type": "string", "enum": ITEM_STATES},
                "note": {"type": "string", "maxLength": 2000,
                         "description": "required for supplement_requested and rejected"}}}}}},
        "responses": {"200": {"description": "the case and {notification: {delivered, pending}}"}, **CASE_ERRORS,
                      "404": _error_response("case_not_found, case_item_not_found"),
                      "409": _error_response("case_transition_invalid, joint_review_pending")}}},
    "/api/v1/cases/{number}/test": {"post": {
        "summary": "Mark or unmark a test case (audited)", "security": OFFICER, "parameters": [LANG_HEADER, NUMBER],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["test"], "properties": {"test": {"type": "boolean"}}}}}},
        "responses": {"200": {"description": "the case", "content": _CASE}, **CASE_ERRORS}}},
    "/api/v1/cases/{number}/release": {"post": {
        "summary": "Release a joint review (watchlist match): the items proceed (audited)", "security": OFFICER,
        "parameters": [LANG_HEADER, NUMBER],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"note": {"type": "string"}}}}}},
        "responses": {"200": {"description": "the case", "content": _CASE}, **CASE_ERRORS,
                      "409": _error_response("not held (code: joint_review_not_pending)")}}},
    "/api/v1/case-statistics": {"get": {
        "summary": "Counts of real cases (test cases excluded) per state and per department and item state",
        "security": OFFICER, "parameters": [LANG_HEADER],
        "responses": {"200": {"description": "{cases, total_cases, items, total_items}"}, **CASE_ERRORS}}},
    "/api/v1/status": {"post": {
        "summary": "A case's timeline: for its own conversation, or with the passport's last four characters",
        "security": SECURITY, "parameters": [LANG_HEADER],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": _REF + "StatusRequest"}}}},
        "responses": {"200": {"description": "the case", "content": _CASE}, **CASE_ERRORS,
                      "403": _error_response("wrong answer or unknown number, alike (code: verification_failed, "
                                             "attempts_left); also forbidden, csrf_failed"),
                      "423": _error_response("third wrong answer: locked for 15 minutes per (conversation or "
                                             "client, case number) (code: status_locked, retry_after seconds; "
                                             "Retry-After header)")}}},
    "/chat/notifications/{conversation_id}": {"get": {
        "summary": "Server-sent events: bot messages pushed to this conversation (demo chat page)",
        "security": [], "parameters": [{"name": "conversation_id", "in": "path", "required": True, "schema": _S},
                                       {"name": "after", "in": "query", "schema": {"type": "integer"}},
                                       {"name": "Last-Event-ID", "in": "header", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "text/event-stream; event `bot`, data: a JSON list of Rasa "
                              "messages, id: the notification id"}}}},
})


@bp.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    return json(SPEC)
