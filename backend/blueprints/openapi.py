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


@bp.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    return json(SPEC)
