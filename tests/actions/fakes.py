"""An in-memory stand-in for actions.backend_client.BackendClient's application and status
methods, with the contract's behaviour (docs/application.md, "Backend"): answers validated
with knowledge.application.validate_value in the form's order, nothing stored from a refused
request, 409 without consent, masked views only, submission checks, case numbers, the
passport check with attempts and the 15-minute lock. `down = True` makes every call fail
like an unreachable backend. Every request body is kept in `requests` (tests look for raw
values there: they must be sent to the backend, and nowhere else)."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import date
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.application.actions as application_actions
import actions.application.machine as application_machine
import actions.ratings as ratings
import actions.status as status
from actions.application import (
    ActionApplicationStart,
    ActionApplicationSubmit,
    ActionAskApplicationConfirmed,
    ValidateApplicationForm,
)
from actions.backend_client import BackendError, BackendUnavailable
from actions.status import ActionCaseUpdate, ActionCheckStatus, ValidateStatusForm
from knowledge.application import catalogue, check_answers, mask, validate_value
from nlu.components.language_detection import chose_language, resolve

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T08:00:00+00:00"


class FakeBackend:
    def __init__(self) -> None:
        self.drafts: Dict[str, Dict[str, Any]] = {}
        self.cases: Dict[str, Dict[str, Any]] = {}
        self.failures: Dict[tuple, int] = {}
        self.locked: set = set()
        self.requests: List[tuple] = []
        self.down = False
        self.sequence = 122

    def _call(self, *record: Any) -> None:
        self.requests.append(copy.deepcopy(record))
        if self.down:
            raise BackendUnavailable("unreachable", "connection refused")

    # --- drafts ---
    def view(self, conversation_id: str, lang: str) -> Dict[str, Any]:
        draft = self.drafts[conversation_id]
        cat = catalogue()
        fields = cat.fields_for(draft["items"], draft["role"]) if draft["items"] and draft["role"] else []
        answers = draft["answers"]
        return {
            "conversation_id": conversation_id,
            "role": draft["role"],
            "items": list(draft["items"]),
            "state": copy.deepcopy(draft["state"]),
            "language": draft["language"],
            "consent": {"given": draft["consent"] is not None, "version": draft["consent"]},
            "answers_masked": {
                k: mask(k, answers[k], lang) for k in cat.fields if answers.get(k) is not None
            },
            "fields": fields,
            "missing": [k for k in fields if not cat.fields[k].optional and answers.get(k) in (None, "", [])],
            "updated_at": NOW,
        }

    async def get_draft(self, conversation_id: str, language: str) -> Dict[str, Any] | None:
        self._call("GET draft", conversation_id)
        if conversation_id not in self.drafts:
            return None
        return self.view(conversation_id, self.drafts[conversation_id]["language"])

    async def save_draft(
        self, conversation_id: str, changes: Dict[str, Any], language: str
    ) -> Dict[str, Any]:
        self._call("PUT draft", conversation_id, changes)
        cat = catalogue()
        draft = copy.deepcopy(
            self.drafts.get(conversation_id)
            or {"items": [], "role": None, "state": {}, "consent": None, "answers": {}, "language": "en"}
        )
        problems = []
        if "items" in changes:
            codes = cat.check_items(changes["items"]) if changes["items"] else []
            problems += [{"field": "items", "code": c, "message": c} for c in codes]
            draft["items"] = list(changes["items"])
        if "role" in changes:
            if changes["role"] not in ("worker", "hr"):
                problems.append({"field": "role", "code": "applicant_role_invalid", "message": "role"})
            draft["role"] = changes["role"]
        if "consent" in changes:
            consent = changes["consent"]
            if consent.get("given") and consent.get("version") != cat.consent.version:
                problems.append(
                    {"field": "consent", "code": "consent_version_mismatch", "message": "version"}
                )
            draft["consent"] = consent.get("version") if consent.get("given") else None
        if "answers" in changes:
            if draft["consent"] is None and any(v is not None for v in changes["answers"].values()):
                raise BackendError("consent_required", "Consent first.", 409)
            for key in [k for k in cat.fields if k in changes["answers"]]:
                value = changes["answers"][key]
                if value is None:
                    draft["answers"].pop(key, None)
                    continue
                parsed = validate_value(key, value, today=TODAY, answers=draft["answers"])
                if parsed.error:
                    problems.append({"field": key, "code": parsed.error, "message": parsed.message(language)})
                elif parsed.skipped:
                    draft["answers"].pop(key, None)
                else:
                    draft["answers"][key] = parsed.value
            problems += [
                {"field": k, "code": "unknown_field", "message": k}
                for k in changes["answers"]
                if k not in cat.fields
            ]
        if "state" in changes:
            draft["state"] = copy.deepcopy(changes["state"])
        if "language" in changes:
            draft["language"] = changes["language"]
        if problems:
            raise BackendError("draft_invalid", "The draft was not saved.", 400, problems)
        self.drafts[conversation_id] = draft
        return self.view(conversation_id, language)

    async def delete_draft(self, conversation_id: str, language: str = "en") -> bool:
        self._call("DELETE draft", conversation_id)
        return self.drafts.pop(conversation_id, None) is not None

    async def submit_draft(self, conversation_id: str, language: str) -> Dict[str, Any]:
        self._call("POST submit", conversation_id)
        draft = self.drafts.get(conversation_id)
        if draft is None:
            raise BackendError("no_draft", "No draft.", 404)
        problems = check_answers(draft["items"], draft["role"], draft["answers"], today=TODAY)
        if problems:
            raise BackendError(
                "case_invalid",
                "Not complete.",
                400,
                [{"field": k, "code": p.error, "message": p.message(language)} for k, p in problems.items()],
            )
        self.sequence += 1
        number = f"FJ2026{self.sequence:06d}"
        cat = catalogue()
        self.cases[number] = {
            "number": number,
            "conversation_id": conversation_id,
            "items": list(draft["items"]),
            "role": draft["role"],
            "passport": str(draft["answers"].get("passport_number", "")).upper(),
            "answers": copy.deepcopy(draft["answers"]),
            "joint_review": False,
            "is_test": False,
            "departments": {d: "received" for d in cat.departments_for(draft["items"])},
            "timeline": {
                d: [{"state": "received", "note": "", "at": NOW}] for d in cat.departments_for(draft["items"])
            },
        }
        del self.drafts[conversation_id]
        return self.case_view(number, language)

    # --- cases and status ---
    def case_view(self, number: str, lang: str) -> Dict[str, Any]:
        case = self.cases[number]
        cat = catalogue()
        savings = cat.savings(case["items"], case["role"])
        return {
            "number": number,
            "is_test": case["is_test"],
            "joint_review": case["joint_review"],
            "state": "submitted",
            "created_at": NOW,
            "language": lang,
            "items": [
                {
                    "department": d,
                    "department_name": cat.departments[d].name[lang],
                    "services": services,
                    "state": case["departments"][d],
                    "timeline": copy.deepcopy(case["timeline"][d]),
                }
                for d, services in cat.departments_for(case["items"]).items()
            ],
            "next_steps": ["Wait for the review" if lang == "en" else "等待审核"],
            "materials": [{"id": m, "name": m.replace("_", " ")} for m in cat.materials_for(case["items"])],
            "deadlines": ["Within 30 days of entry" if lang == "en" else "入境后30日内"],
            "savings": savings.to_json(),
            "answers_masked": {k: mask(k, v, lang) for k, v in case["answers"].items()},
        }

    def change_state(self, number: str, department: str, state: str, note: str = "") -> None:
        self.cases[number]["departments"][department] = state
        self.cases[number]["timeline"][department].append(
            {"state": state, "note": note, "at": "2026-11-25T09:00:00Z"}
        )

    async def conversation_cases(self, conversation_id: str, language: str = "en") -> List[Dict[str, Any]]:
        self._call("GET cases", conversation_id)
        return [
            {"number": n, "created_at": NOW}
            for n, c in self.cases.items()
            if c["conversation_id"] == conversation_id
        ]

    # --- ratings (actions/ratings.py) ---
    async def rating_request(
        self, conversation_id: str, target: str, source: str, language: str, **extra: Any
    ) -> Dict[str, Any]:
        self._call("POST rating-request", conversation_id, target, source, extra)
        key = (conversation_id, target, extra.get("case_number"), extra.get("department"), extra.get("event"))
        asked = getattr(self, "rating_asks", {})
        self.rating_asks = asked
        if key in asked and source != "user":
            return {"request_id": asked[key], "asked": False}
        asked[key] = len(asked) + 1
        return {"request_id": asked[key], "asked": True}

    async def rate(
        self, request_id: int, conversation_id: str, level: int, language: str, **extra: Any
    ) -> Dict[str, Any]:
        self._call("POST rating", request_id, conversation_id, level, extra)
        followups = []
        if level <= 2:
            followups = [{"id": request_id, "department": "science_technology", "due_date": "2026-10-13"}]
        return {
            "id": request_id,
            "level": level,
            "bad": level <= 2,
            "reason": extra.get("reason"),
            "followups": followups,
        }

    async def case_status(
        self,
        case_number: str,
        language: str,
        *,
        conversation_id: str | None = None,
        passport_number: str | None = None,
    ) -> Dict[str, Any]:
        self._call("POST status", case_number, conversation_id, passport_number)
        case = self.cases.get(case_number)
        if case is not None and conversation_id and case["conversation_id"] == conversation_id:
            return self.case_view(case_number, language)
        if not passport_number:
            raise BackendError("verification_required", "Verification required.", 400)
        key = case_number  # per case number, whoever asks (backend/services/status.py)
        if key in self.locked:
            raise BackendError("status_locked", "Locked.", 423, extra={"retry_after": 900})
        if case is not None and case["passport"] == passport_number.upper():
            self.failures.pop(key, None)
            return self.case_view(case_number, language)
        self.failures[key] = self.failures.get(key, 0) + 1
        if self.failures[key] >= 3:
            self.locked.add(key)
            raise BackendError("status_locked", "Locked.", 423, extra={"retry_after": 900})
        raise BackendError(
            "verification_failed", "Wrong.", 403, extra={"attempts_left": 3 - self.failures[key]}
        )


# --- a small stand-in for Rasa's form loop --------------------------------------------------------

APPLICATION_SLOTS = (
    "application_confirmed",
    "application_phase",
    "application_step",
    "application_items",
    "application_role",
    "application_summary",
    "application_state",
    "status_case_number",
    "status_verified",
    "requested_slot",
)


class Dialogue:
    """One conversation through the actions as Rasa runs them: action_application_start, then
    the form (validation, then the question) for every message, the submit action when the form
    is complete; check_status through action_check_status and the status_form. Rejected turns
    (left to the rules) are recorded as `rejected`."""

    def __init__(
        self,
        monkeypatch,
        backend: FakeBackend,
        language: str = "en",
        sender: str = "conv-1",
        slots: Dict[str, Any] | None = None,
    ) -> None:
        monkeypatch.setattr(application_actions, "BackendClient", lambda: backend)
        monkeypatch.setattr(status, "BackendClient", lambda: backend)
        monkeypatch.setattr(ratings, "BackendClient", lambda: backend)
        monkeypatch.setattr(application_machine, "today", lambda: TODAY)
        self.backend = backend
        self.language = language
        self.sender = sender
        self.slots: Dict[str, Any] = dict.fromkeys(APPLICATION_SLOTS)
        self.slots.update(slots or {})
        self.slots["language"] = language
        self.events: List[Dict[str, Any]] = [{"event": "slot", "name": "language", "value": language}]
        self.active_loop: str | None = None
        self.turns: List[List[Dict[str, Any]]] = []  # bot messages per user message
        self.returned: List[Dict[str, Any]] = []  # every event an action returned
        self.rejected = False
        self.latest: Dict[str, Any] = {}

    # --- plumbing ---
    def tracker(self):
        return Tracker(
            sender_id=self.sender,
            slots=dict(self.slots),
            latest_message=copy.deepcopy(self.latest),
            events=copy.deepcopy(self.events),
            paused=False,
            followup_action=None,
            active_loop={"name": self.active_loop} if self.active_loop else {},
            latest_action_name=None,
        )

    def run(self, action, messages: List[Dict[str, Any]], form: str | None = None) -> List[Dict[str, Any]]:
        if form:
            self.events.append({"event": "action", "name": form})
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, self.tracker(), {}))
        messages.extend(dispatcher.messages)
        self.returned.extend(events)
        if not form:
            self.events.append({"event": "action", "name": action.name()})
        for event in events:
            self.events.append(event)
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
            elif event["event"] == "active_loop":
                self.active_loop = event["name"]
        return events

    def user(
        self,
        text: str,
        intent: str,
        confidence: float,
        language: str | None,
        entities: List[Dict[str, Any]] | None = None,
    ) -> None:
        if language:
            self.language = language
        self.latest = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            # the detector marks an explicit request (nlu/components/language_detection.py)
            "language": {
                "language": self.language,
                "reason": "request" if intent == "change_language" else "script",
            },
        }
        self.events += [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": copy.deepcopy(self.latest)},
            {"event": "action", "name": "action_extract_slots"},
        ]
        # as LanguagePolicy: the `language` slot follows the message, inside a form only on request
        chosen = chose_language(
            (e.get("parse_data") or {}).get("language") for e in self.events[:-3] if e.get("event") == "user"
        )
        resolved = resolve(
            self.latest["language"], self.slots["language"], in_form=bool(self.active_loop), chosen=chosen
        )
        if resolved != self.slots["language"]:
            self.slots["language"] = resolved
            self.events.append({"event": "slot", "name": "language", "value": resolved})

    # --- the loops, as bot/application.yml and bot/status.yml drive them ---
    def form_turn(self, messages: List[Dict[str, Any]]) -> None:
        if self.active_loop == "application_form":
            events = self.run(ValidateApplicationForm(), messages, form="application_form")
            if not events and self.latest:
                self.rejected = True
                return
            if self.slots["application_confirmed"] is not None:
                self.active_loop = None
                self.run(ActionApplicationSubmit(), messages)
                if self.active_loop == "application_form":  # reopened after a refusal or an outage
                    self.run(ActionAskApplicationConfirmed(), messages, form="application_form")
                return
            self.run(ActionAskApplicationConfirmed(), messages, form="application_form")
        elif self.active_loop == "status_form":
            events = self.run(ValidateStatusForm(), messages, form="status_form")
            if not events and self.latest:
                self.rejected = True
                return
            self.after_status_form(messages)

    def after_status_form(self, messages: List[Dict[str, Any]]) -> None:
        for _ in range(3):
            if self.slots["status_case_number"] is None:
                messages.append({"text": "<utter_ask_status_case_number>"})
                return
            if self.slots["status_verified"] is None:
                messages.append({"text": f"<utter_ask_status_verified {self.slots['status_case_number']}>"})
                return
            self.active_loop = None
            self.run(ActionCheckStatus(), messages)
            if self.active_loop != "status_form":
                return

    # --- what tests call ---
    def start(
        self,
        text: str = "I want to apply",
        intent: str = "start_application",
        language: str | None = None,
        entities: List[Dict[str, Any]] | None = None,
    ) -> List[Dict[str, Any]]:
        self.user(text, intent, 0.95, language, entities)
        messages: List[Dict[str, Any]] = []
        self.run(ActionApplicationStart(), messages)
        self.active_loop = "application_form"
        self.run(ValidateApplicationForm(), messages, form="application_form")
        if self.slots["application_confirmed"] is not None:
            self.active_loop = None
            self.run(ActionApplicationSubmit(), messages)
        else:
            self.run(ActionAskApplicationConfirmed(), messages, form="application_form")
        self.turns.append(messages)
        return messages

    def say(
        self,
        text: str,
        intent: str = "inform",
        confidence: float = 0.9,
        language: str | None = None,
        entities: List[Dict[str, Any]] | None = None,
    ) -> List[Dict[str, Any]]:
        self.rejected = False
        self.user(text, intent, confidence, language, entities)
        messages: List[Dict[str, Any]] = []
        self.form_turn(messages)
        self.turns.append(messages)
        return messages

    def status(
        self, text: str, intent: str = "check_status", language: str | None = None
    ) -> List[Dict[str, Any]]:
        self.rejected = False
        self.user(text, intent, 0.95, language)
        messages: List[Dict[str, Any]] = []
        self.run(ActionCheckStatus(), messages)
        if self.active_loop == "status_form":
            self.after_status_form(messages)
        self.turns.append(messages)
        return messages

    def external(self, entities: Dict[str, str]) -> List[Dict[str, Any]]:
        self.user(
            "", "EXTERNAL_case_update", 1.0, None, [{"entity": k, "value": v} for k, v in entities.items()]
        )
        self.latest.pop("language", None)
        messages: List[Dict[str, Any]] = []
        self.run(ActionCaseUpdate(), messages)
        self.turns.append(messages)
        return messages

    @staticmethod
    def text(messages: List[Dict[str, Any]]) -> str:
        return "\n".join(m.get("text") or "" for m in messages)

    def everything_said(self) -> str:
        """Every bot message and every slot value of the conversation, as one string."""
        said = [m.get("text") or "" for turn in self.turns for m in turn]
        said += [json.dumps(m.get("buttons") or [], ensure_ascii=False) for turn in self.turns for m in turn]
        said += [json.dumps(e, ensure_ascii=False, default=str) for e in self.returned]
        return "\n".join(said)
