"""The OpenAPI 3 document of /api/v1/openapi.json, generated from backend/schemas.py.

ROUTES is the one table kept by hand: per route its method, path, summary, request model,
response models and who may call it. The schemas come from the pydantic models the
handlers parse bodies into, so the document cannot drift from the code; tests check that
every /api/v1 route of the app is in ROUTES and the other way round.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Type

from pydantic import BaseModel
from pydantic.schema import schema as pydantic_schema

from backend import schemas as s

SERVICE_OR_STAFF: list[dict[str, list[str]]] = [{"serviceToken": []}, {"staffSession": []}]
OFFICER: list[dict[str, list[str]]] = [{"staffSession": []}]
PUBLIC: list[dict[str, list[str]]] = []
REF = "#/components/schemas/"


@dataclass(frozen=True)
class Reply:
    """One documented response: a description and, for JSON, its model (Error for 4xx/5xx)."""

    description: str
    model: Type[BaseModel] | None = None
    alternative: Type[BaseModel] | None = None  # the JSON is one of model, alternative


def error(description: str) -> Reply:
    return Reply(description, s.Error)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    summary: str
    auth: list[dict[str, list[str]]]
    responses: dict[str, Reply]
    request: Type[s.RequestBody] | None = None
    request_required: bool = True
    invalid_status: int = 400  # what the server answers a body the request model refuses
    parameters: list[dict[str, Any]] = field(default_factory=list)
    language_header: str | None = "Language of error messages: en or zh (default en)."


# --- shared pieces ---------------------------------------------------------------------------
AUTH_ERRORS = {
    "401": error("No valid service token or staff login (code: unauthorized)"),
    "403": error("Wrong role or missing CSRF token (code: forbidden, csrf_failed)"),
}
FAQ_ERRORS = {
    "400": error("Bad input (code: invalid_json, question_empty, question_too_long, invalid_language...)"),
    **AUTH_ERRORS,
}
CASE_ERRORS = {
    "400": error(
        "Bad input: invalid_json, draft_invalid, case_invalid, status_request_invalid... "
        "with details [{field, code, message}] in the Accept-Language language; nothing is "
        "stored from a rejected request"
    ),
    **AUTH_ERRORS,
}
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "conversation_id": {"type": "string", "pattern": s.CONVERSATION_RE.pattern},
    "number": {"type": "string", "example": "FJ2026000123"},
    "department": {"type": "string"},
    "entry_id": {"type": "string"},
    "followup_id": {"type": "integer"},
    "handoff_id": {"type": "integer"},
}


def query(name: str, schema: dict[str, Any], location: str = "query") -> dict[str, Any]:
    return {"name": name, "in": location, "required": False, "schema": schema}


CASE = Reply("the case", s.CaseReply)
DRAFT = Reply("the draft", s.DraftReply)
NO_DRAFT = error("no draft (code: no_draft)")

ROUTES: list[Route] = [
    Route(
        "get",
        "/healthz",
        "Liveness and database check",
        PUBLIC,
        {"200": Reply("ok", s.Health), "503": Reply("database down", s.Health)},
        language_header=None,
    ),
    Route(
        "get",
        "/api/v1/openapi.json",
        "This document",
        PUBLIC,
        {"200": Reply("OpenAPI 3 document")},
        language_header=None,
    ),
    # knowledge base
    Route(
        "post",
        "/api/v1/faq/answer",
        "Answer a policy question from the live knowledge base",
        SERVICE_OR_STAFF,
        {
            "200": Reply("the best entry with related ones, candidates, or no match", s.AnswerResult),
            **FAQ_ERRORS,
            "503": error("retrieval engine unavailable (code: retrieval_unavailable)"),
        },
        request=s.AnswerRequest,
    ),
    Route(
        "get",
        "/api/v1/faq/entries",
        "List or search entries",
        SERVICE_OR_STAFF,
        {"200": Reply("entries", s.EntryList), **FAQ_ERRORS},
        parameters=[
            query("q", {"type": "string"}),
            query("status", {"type": "string"}),
            query("topic", {"type": "string"}),
        ],
    ),
    Route(
        "get",
        "/api/v1/faq/entries/{entry_id}",
        "One entry (both languages, or one with ?language=)",
        SERVICE_OR_STAFF,
        {
            "200": Reply("the entry", s.Entry, s.EntryInLanguage),
            **FAQ_ERRORS,
            "404": error("no such entry (code: entry_not_found)"),
        },
        parameters=[query("language", {"$ref": REF + "Language"})],
    ),
    Route(
        "post",
        "/api/v1/faq/feedback",
        "Store 'was this helpful?' for an entry",
        SERVICE_OR_STAFF,
        {
            "201": Reply("stored", s.FeedbackStored),
            **FAQ_ERRORS,
            "404": error("no such entry (code: entry_not_found)"),
        },
        request=s.FeedbackRequest,
    ),
    Route(
        "get",
        "/api/v1/region",
        "The active region profile (REGION)",
        SERVICE_OR_STAFF,
        {
            "200": Reply("knowledge/regions/<REGION>.yml as JSON"),
            **FAQ_ERRORS,
            "404": error("no profile (code: region_not_found)"),
        },
    ),
    # eligibility
    Route(
        "post",
        "/api/v1/eligibility/assess",
        "Category, points, basic conditions and the complete checklist (一次告知) for one applicant",
        SERVICE_OR_STAFF,
        {
            "200": Reply("the assessment", s.EligibilityResult),
            "400": error("body is not a JSON object (code: invalid_json)"),
            **AUTH_ERRORS,
            "422": error(
                "invalid answers (code: eligibility_invalid); details: one {field, code, message} per problem"
            ),
            "503": error("the eligibility data files are broken (code: eligibility_unavailable)"),
        },
        request=s.EligibilityRequest,
        invalid_status=422,
        language_header="Language of every text and error: en or zh (default en).",
    ),
    Route(
        "get",
        "/checklist",
        "Printable checklist page (HTML) for the answers in the query string (same names "
        "as EligibilityRequest; lists comma-separated); lang=en|zh, both=1 for both languages",
        PUBLIC,
        {"200": Reply("HTML page"), "422": Reply("HTML page listing invalid answers")},
        language_header=None,
    ),
    # drafts
    Route(
        "get",
        "/api/v1/drafts/{conversation_id}",
        "The conversation's draft (masked)",
        SERVICE_OR_STAFF,
        {"200": DRAFT, **CASE_ERRORS, "404": NO_DRAFT},
    ),
    Route(
        "put",
        "/api/v1/drafts/{conversation_id}",
        "Merge answers, items, role, consent and dialogue state into the draft",
        SERVICE_OR_STAFF,
        {
            "200": Reply("the draft after the change", s.DraftReply),
            **CASE_ERRORS,
            "409": error("answers before consent (code: consent_required)"),
        },
        request=s.DraftUpdate,
    ),
    Route(
        "delete",
        "/api/v1/drafts/{conversation_id}",
        "Discard the draft (start over / delete my data)",
        SERVICE_OR_STAFF,
        {"204": Reply("deleted (also when there was none)"), **CASE_ERRORS},
    ),
    Route(
        "post",
        "/api/v1/drafts/{conversation_id}/submit",
        "Validate the whole draft and submit it as a case (the draft is deleted)",
        SERVICE_OR_STAFF,
        {"201": CASE, **CASE_ERRORS, "404": NO_DRAFT, "409": error("no consent (code: consent_required)")},
        request=s.DraftSubmit,
        request_required=False,
    ),
    # cases
    Route(
        "post",
        "/api/v1/cases",
        "Submit an application in one call (service token, helpdesk or officer)",
        SERVICE_OR_STAFF,
        {"201": CASE, **CASE_ERRORS},
        request=s.CaseRequest,
    ),
    Route(
        "get",
        "/api/v1/conversations/{conversation_id}/cases",
        "The cases this conversation submitted",
        SERVICE_OR_STAFF,
        {"200": Reply("{cases: [{number, created_at, state}]}", s.ConversationCases), **CASE_ERRORS},
    ),
    Route(
        "get",
        "/api/v1/cases/{number}",
        "A case for an officer of one of its departments (audited as a view); "
        "staff fields: id, conversation_id, channel, events",
        OFFICER,
        {
            "200": CASE,
            **CASE_ERRORS,
            "404": error("no such case in the officer's departments (code: case_not_found)"),
        },
    ),
    Route(
        "post",
        "/api/v1/cases/{number}/items/{department}/state",
        "Change one department's item (received -> under_review -> supplement_requested -> under_review; "
        "under_review -> approved | rejected; approved -> completed); pushed to the applicant through Rasa",
        OFFICER,
        {
            "200": Reply("the case and {notification: {delivered, pending}}", s.StateChangeReply),
            **CASE_ERRORS,
            "404": error("case_not_found, case_item_not_found"),
            "409": error("case_transition_invalid, joint_review_pending"),
        },
        request=s.ItemStateChange,
    ),
    Route(
        "post",
        "/api/v1/cases/{number}/test",
        "Mark or unmark a test case (audited)",
        OFFICER,
        {"200": CASE, **CASE_ERRORS},
        request=s.TestMark,
    ),
    Route(
        "post",
        "/api/v1/cases/{number}/release",
        "Release a joint review (watchlist match): the items proceed (audited)",
        OFFICER,
        {"200": CASE, **CASE_ERRORS, "409": error("not held (code: joint_review_not_pending)")},
        request=s.ReleaseRequest,
        request_required=False,
    ),
    Route(
        "get",
        "/api/v1/case-statistics",
        "Counts of real cases (test cases excluded) per state and per department and item state",
        OFFICER,
        {"200": Reply("{cases, total_cases, items, total_items}", s.CaseStatistics), **CASE_ERRORS},
    ),
    Route(
        "get",
        "/api/v1/statistics",
        "The figures for managers (issue 15): cases, actual time, materials, ratings, conversations; "
        "test cases excluded",
        SERVICE_OR_STAFF,
        {
            "200": Reply("the figures", s.Statistics),
            "400": error(
                "Bad input (code: statistics_invalid) with details [{field, code, message}]: "
                "stats_date_missing, stats_date_invalid, stats_date_range, stats_dates_order, stats_period_too_long, "
                "stats_filter_unknown, stats_value_unknown"
            ),
            **AUTH_ERRORS,
        },
        parameters=[
            {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
            {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
            query("department", {"type": "string"}),
            query("item", {"type": "string"}),
            query("channel", {"type": "string", "enum": ["rest", "socketio", "wechat", "telegram"]}),
            query("language", {"type": "string", "enum": ["en", "zh"]}),
            query("region", {"type": "string", "enum": ["fujian", "weihai"]}),
        ],
    ),
    Route(
        "post",
        "/api/v1/status",
        "A case's timeline: for its own conversation, or with the passport's last four characters",
        SERVICE_OR_STAFF,
        {
            "200": CASE,
            **CASE_ERRORS,
            "403": error(
                "wrong answer or unknown number, alike (code: verification_failed, attempts_left); also "
                "forbidden, csrf_failed"
            ),
            "423": error(
                "third wrong answer: locked for 15 minutes per (conversation or client, case number) "
                "(code: status_locked, retry_after seconds; Retry-After header)"
            ),
        },
        request=s.StatusRequest,
    ),
    Route(
        "get",
        "/chat/notifications/{conversation_id}",
        "Server-sent events: bot messages pushed to this conversation (demo chat page)",
        PUBLIC,
        {
            "200": Reply(
                "text/event-stream; event `bot`, data: a JSON list of Rasa messages, id: the notification id"
            )
        },
        parameters=[
            query("after", {"type": "integer"}),
            query("Last-Event-ID", {"type": "integer"}, "header"),
        ],
        language_header=None,
    ),
    # --- ratings (docs/ratings.md) ---
    Route(
        "post",
        "/api/v1/rating-requests",
        "A rating is about to be asked (recorded for the share of asked events rated); asked: false "
        "when this event (a case, a department's item, a handoff) was asked before in the conversation",
        SERVICE_OR_STAFF,
        {
            "201": Reply("{request_id, asked: true}", s.RatingAskReply),
            "200": Reply("{request_id, asked: false}: do not ask again", s.RatingAskReply),
            "400": error("rating_invalid, rating_target_invalid, rating_source_invalid"),
            **AUTH_ERRORS,
            "404": error("the case is not this conversation's (code: rating_case_not_found)"),
        },
        request=s.RatingAsk,
    ),
    Route(
        "post",
        "/api/v1/ratings",
        "The rating of an asked event, 5 (very satisfied) .. 1 (very dissatisfied); 1-2 open a follow-up "
        "per rated department, due in working days",
        SERVICE_OR_STAFF,
        {
            "201": Reply("{rating: {id, level, bad, reason, followups}}", s.RatingStoredReply),
            "400": error("rating_invalid, rating_level_invalid, rating_reason_invalid"),
            **AUTH_ERRORS,
            "404": error("rating_request_not_found"),
            "409": error("rating_already_given"),
        },
        request=s.RatingGiven,
    ),
    Route(
        "get",
        "/api/v1/rating-followups",
        "Follow-ups of bad ratings (officer: their department; helpdesk: the helpdesk's; manager, admin: all)",
        OFFICER,
        {"200": Reply("{followups}", s.FollowUpList), "400": error("followup_filter_invalid"), **AUTH_ERRORS},
        parameters=[
            query(
                "state",
                {
                    "type": "string",
                    "enum": ["open", "verifying", "rectifying", "replied", "closed", "disputed", "withdrawn"],
                },
            ),
            query("department", {"type": "string"}),
            query("overdue", {"type": "string", "enum": ["true", "false"]}),
            query("level", {"type": "string", "enum": ["1", "2"]}),
        ],
    ),
    Route(
        "get",
        "/api/v1/rating-followups/{followup_id}",
        "One follow-up with its rating and timeline",
        OFFICER,
        {"200": Reply("{followup}", s.FollowUpReply), **AUTH_ERRORS, "404": error("followup_not_found")},
    ),
    Route(
        "post",
        "/api/v1/rating-followups/{followup_id}/state",
        "Move a follow-up (open -> verifying -> rectifying -> replied -> closed; open | verifying -> disputed "
        "-> withdrawn (reason) | verifying); replied tells the rater through Rasa in their language (audited)",
        OFFICER,
        {
            "200": Reply("{followup, notification?}", s.FollowUpReply),
            "400": error(
                "followup_invalid, followup_state_invalid, followup_reason_required, followup_reply_required"
            ),
            **AUTH_ERRORS,
            "404": error("followup_not_found"),
            "409": error("followup_transition_invalid"),
        },
        request=s.FollowUpChange,
    ),
    # --- human handoff (docs/handoff.md) ---
    Route(
        "post",
        "/api/v1/handoffs",
        "The user asked for a person: their open handoff (200) or a new waiting one (201), with the "
        "queue position and a wait estimate from recent waits",
        SERVICE_OR_STAFF,
        {
            "201": Reply("{handoff, created: true, queue_position, wait_minutes}", s.HandoffAskReply),
            "200": Reply(
                "{handoff, created: false, ...}: the conversation's open handoff", s.HandoffAskReply
            ),
            "400": error("handoff_invalid, conversation_id_invalid"),
            **AUTH_ERRORS,
        },
        request=s.HandoffAsk,
    ),
    Route(
        "post",
        "/api/v1/handoffs/cancel",
        "The user left the queue (waiting -> cancelled); cancelled: false when nothing was waiting",
        SERVICE_OR_STAFF,
        {"200": Reply("{cancelled}", s.HandoffCancelReply), "400": error("handoff_invalid"), **AUTH_ERRORS},
        request=s.HandoffConversation,
    ),
    Route(
        "post",
        "/api/v1/handoffs/inbound",
        "A user message of a paused conversation, masked by the assistant, kept for the staff member",
        SERVICE_OR_STAFF,
        {
            "200": Reply("{handoff_id}: null when no handoff is open", s.HandoffInboundReply),
            "400": error("handoff_invalid"),
            **AUTH_ERRORS,
        },
        request=s.HandoffInbound,
    ),
    Route(
        "get",
        "/api/v1/handoffs",
        "The helpdesk queue: waiting (oldest first), active, closed (ended in the last 24 hours)",
        OFFICER,
        {"200": Reply("{handoffs}", s.HandoffList), "400": error("handoff_filter_invalid"), **AUTH_ERRORS},
        parameters=[
            query("state", {"type": "string", "enum": ["waiting", "active", "closed"]}),
            query("claimed_by", {"type": "string"}),
        ],
    ),
    Route(
        "get",
        "/api/v1/handoffs/{handoff_id}",
        "One handoff with its messages (user, bot, staff, note; masked)",
        OFFICER,
        {
            "200": Reply("{handoff: {..., messages}}", s.HandoffReply),
            **AUTH_ERRORS,
            "404": error("handoff_not_found"),
        },
    ),
    Route(
        "post",
        "/api/v1/handoffs/{handoff_id}/claim",
        "Take a waiting conversation (atomic: of two staff at once one wins); the bot goes silent",
        OFFICER,
        {
            "200": Reply("{handoff, delivered}", s.HandoffReply),
            **AUTH_ERRORS,
            "404": error("handoff_not_found"),
            "409": error("handoff_taken (with who has it), handoff_closed"),
        },
        request=None,
    ),
    Route(
        "post",
        "/api/v1/handoffs/{handoff_id}/messages",
        "A staff reply, delivered to the user through the one outbound path and recorded in the same "
        "tracker (metadata.sender staff); note: true keeps it internal",
        OFFICER,
        {
            "201": Reply("{message, delivered}", s.HandoffMessageReply),
            "400": error("handoff_message_invalid (empty or over 4,000 characters)"),
            **AUTH_ERRORS,
            "404": error("handoff_not_found"),
            "409": error("handoff_not_active, handoff_closed"),
        },
        request=s.HandoffSay,
    ),
    Route(
        "post",
        "/api/v1/handoffs/{handoff_id}/release",
        "Hand the conversation back to the bot (active -> released); the user is told and the bot answers again",
        OFFICER,
        {
            "200": Reply("{handoff, delivered}", s.HandoffReply),
            **AUTH_ERRORS,
            "404": error("handoff_not_found"),
            "409": error("handoff_not_active, handoff_closed"),
        },
    ),
    Route(
        "post",
        "/api/v1/handoffs/{handoff_id}/close",
        "Close the handoff with a reason (answered, user_left, forwarded_to_department, out_of_scope, abusive)",
        OFFICER,
        {
            "200": Reply("{handoff, delivered}", s.HandoffReply),
            "400": error("handoff_reason_invalid"),
            **AUTH_ERRORS,
            "404": error("handoff_not_found"),
            "409": error("handoff_not_active, handoff_closed"),
        },
        request=s.HandoffClose,
    ),
    Route(
        "post",
        "/api/v1/handoffs/{handoff_id}/transfer",
        "Give the conversation to a colleague (helpdesk or admin) with an internal note",
        OFFICER,
        {
            "200": Reply("{handoff}", s.HandoffReply),
            "400": error("handoff_staff_invalid"),
            **AUTH_ERRORS,
            "404": error("handoff_not_found"),
            "409": error("handoff_not_active, handoff_closed"),
        },
        request=s.HandoffTransfer,
    ),
    Route(
        "post",
        "/api/v1/helpdesk/presence",
        "The signed-in helpdesk member is available or away; only available staff (with the console "
        "open) count for the queue's wait estimate",
        OFFICER,
        {
            "200": Reply("{presence, available_staff}", s.HelpdeskPresenceReply),
            "400": error("presence_invalid"),
            **AUTH_ERRORS,
        },
        request=s.HelpdeskPresence,
    ),
    Route(
        "get",
        "/api/v1/helpdesk/canned",
        "The helpdesk's canned replies in both languages (admins edit them in /console/helpdesk/canned)",
        OFFICER,
        {"200": Reply("{canned}", s.CannedReplyList), **AUTH_ERRORS},
    ),
    Route(
        "get",
        "/api/v1/helpdesk/stream",
        "Server-sent events for the helpdesk console: `queue` (waiting, mine, others, closed, "
        "available_staff, presence) on every change; with ?open=ID also `handoff` (that handoff with "
        "messages, notes, cases, draft) or `gone`",
        OFFICER,
        {"200": Reply("text/event-stream", None), **AUTH_ERRORS},
        parameters=[query("open", {"type": "integer"})],
    ),
]


# --- generation ------------------------------------------------------------------------------
def _models() -> list[Type[BaseModel]]:
    found: list[Type[BaseModel]] = [s.Error]
    for route in ROUTES:
        replies = route.responses.values()
        for model in [route.request, *(r.model for r in replies), *(r.alternative for r in replies)]:
            if model is not None and model not in found:
                found.append(model)
    return found


def _tidy(node: Any, definitions: dict[str, Any], keep: set[str]) -> Any:
    """Inline the sub-models used once (others stay components); drop pydantic's per-property titles."""
    if isinstance(node, list):
        return [_tidy(v, definitions, keep) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF) and ref[len(REF) :] not in keep:
        return _tidy(copy.deepcopy(definitions[ref[len(REF) :]]), definitions, keep)
    out = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {
                name: _tidy({k: v for k, v in prop.items() if k != "title"}, definitions, keep)
                for name, prop in value.items()
            }
        elif key != "title":
            out[key] = _tidy(value, definitions, keep)
    return out


def component_schemas() -> dict[str, Any]:
    models = _models()
    definitions = pydantic_schema(models, ref_template=REF + "{model}")["definitions"]
    uses = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(definitions))
    keep = {m.__name__ for m in models} | {name for name in definitions if uses.count(name) > 1}
    return {name: _tidy(definitions[name], definitions, keep) for name in sorted(keep)}


def _operation(route: Route) -> dict[str, Any]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": PATH_PARAMETERS.get(name, {"type": "string"}),
        }
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.language_header:
        parameters.insert(
            0,
            {
                "name": "Accept-Language",
                "in": "header",
                "required": False,
                "description": route.language_header,
                "schema": {"type": "string", "example": "zh-CN,zh;q=0.9"},
            },
        )
    operation: dict[str, Any] = {"summary": route.summary, "security": route.auth}
    if parameters or route.parameters:
        operation["parameters"] = parameters + route.parameters
    if route.request is not None:
        operation["requestBody"] = {
            "required": route.request_required,
            "content": {"application/json": {"schema": {"$ref": REF + route.request.__name__}}},
        }
    responses: dict[str, Any] = {}
    for status, reply in route.responses.items():
        responses[status] = {"description": reply.description}
        if reply.model is not None:
            schema: dict[str, Any] = {"$ref": REF + reply.model.__name__}
            if reply.alternative is not None:
                schema = {"oneOf": [schema, {"$ref": REF + reply.alternative.__name__}]}
            responses[status]["content"] = {"application/json": {"schema": schema}}
    operation["responses"] = responses
    return operation


def build_spec() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method] = _operation(route)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Case backend API",
            "version": "1.0.0",
            "description": "Knowledge base and case services for the Foreigners Working in China assistant. "
            'Every error is {"error": {"code", "message"}} with the message in the Accept-Language language.',
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "serviceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "SERVICE_TOKEN, used by the action server.",
                },
                "staffSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "kb_session",
                    "description": "Staff console login; writes also need the X-CSRF-Token header.",
                },
            },
            "schemas": component_schemas(),
        },
        "paths": paths,
    }


SPEC = build_spec()
