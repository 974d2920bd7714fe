"""Ratings (好差评) in the conversation; docs/ratings.md.

Asked once per service event and never pressed: after a submitted application (the case),
after a department completes its item (action_case_update), after a human conversation ends
(EXTERNAL_rating_request from the handoff, entities rating_target / department / rating_event)
and when the user asks to give feedback (give_feedback). Each ask is recorded by the backend
(POST /api/v1/rating-requests), which also says when the event was asked before: then nothing
is asked.

The `rating_form` asks the level (buttons `/give_feedback{"rating_level": "5"}` ... and skip; a
typed answer is read by knowledge.reading.read_rating: "非常满意", "5", "terrible", "还行"), then
for a bad rating (1-2), optionally, what went wrong (buttons, or free text kept masked as the
comment). A level it cannot read is asked again once, then dropped politely. Any other request
(a policy question, staff, stop ...) leaves the rating: the rules answer it and the form ends
without asking again. `action_rating_submit` stores the rating (POST /api/v1/ratings); a bad
one is told the department and the date its follow-up is due.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError
from actions.forms.action import FormBase, reset_slots
from actions.forms.base import answers_pending, is_external, latest
from actions.language import conversation_language
from actions.messages import department_name
from knowledge.application.messages import day
from knowledge.reading import read_rating, read_rating_reason
from stores.redaction import redact_text
from texts import scoped

log = logging.getLogger(__name__)

FORM = "rating_form"
REQUEST_SLOT = "rating_request"  # {id, target, case_number, department}
LEVEL_SLOT = "rating_level"  # 1..5, or SKIPPED / DROPPED
REASON_SLOT = "rating_reason"  # a reason code, or NONE
STATE_SLOT = "rating_state"  # {asked, failures, comment}
SKIPPED, DROPPED, NONE = "skipped", "dropped", "none"
LEVELS = (5, 4, 3, 2, 1)
BAD = (1, 2)
REASONS = (
    "took_too_long",
    "unclear_guidance",
    "materials_twice",
    "staff_attitude",
    "system_problem",
    "other",
)
HELPDESK = "helpdesk"
PAYLOAD_INTENT = "give_feedback"

message = scoped("ratings")  # texts/ratings.yml


def entities(tracker: Tracker) -> Dict[str, Any]:
    return {
        str(e.get("entity")): e.get("value")
        for e in (tracker.latest_message or {}).get("entities") or []
        if isinstance(e, Mapping)
    }


def level_buttons(language: str) -> List[Dict[str, str]]:
    buttons = [
        {
            "title": message("level_button", language, level=level, name=message(f"level.{level}", language)),
            "payload": f'/{PAYLOAD_INTENT}{{"rating_level": "{level}"}}',
        }
        for level in LEVELS
    ]
    buttons.append(
        {
            "title": message("button_skip", language),
            "payload": f'/{PAYLOAD_INTENT}{{"rating_level": "{SKIPPED}"}}',
        }
    )
    return buttons


def reason_buttons(language: str) -> List[Dict[str, str]]:
    buttons = [
        {
            "title": message(f"reason.{code}", language),
            "payload": f'/{PAYLOAD_INTENT}{{"rating_reason": "{code}"}}',
        }
        for code in REASONS
    ]
    buttons.append(
        {
            "title": message("button_skip", language),
            "payload": f'/{PAYLOAD_INTENT}{{"rating_reason": "{NONE}"}}',
        }
    )
    return buttons


def open_rating(request: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The events that open the rating form for a recorded request (the form asks)."""
    return [
        SlotSet(REQUEST_SLOT, dict(request)),
        SlotSet(LEVEL_SLOT, None),
        SlotSet(REASON_SLOT, None),
        SlotSet(STATE_SLOT, {"asked": False, "failures": 0, "comment": None}),
        ActiveLoop(FORM),
    ]


def clear() -> List[Dict[str, Any]]:
    return reset_slots(REQUEST_SLOT, LEVEL_SLOT, REASON_SLOT, STATE_SLOT)


def done() -> List[Dict[str, Any]]:
    """The rating is over: slots cleared and the form closed (also when another request ended
    it: bot/ratings.yml runs action_rating_submit first, then that request's action)."""
    return [*clear(), SlotSet("requested_slot", None), ActiveLoop(None)]


async def offer(
    tracker: Tracker,
    target: str,
    source: str,
    language: str,
    *,
    case_number: str | None = None,
    department: str | None = None,
    event: str | None = None,
    client: Any = None,
) -> List[Dict[str, Any]]:
    """Ask for a rating of this event unless it was asked before or the backend is down (then
    nothing: a rating is never pressed, and never blocks anything)."""
    if (tracker.active_loop or {}).get("name"):
        return []  # one thing at a time: never inside another form, one rating at a time
    try:
        answer = await (client or BackendClient()).rating_request(
            tracker.sender_id,
            target,
            source,
            language,
            channel=tracker.get_latest_input_channel(),
            case_number=case_number,
            department=department,
            event=event,
        )
    except BackendError as exc:
        log.info("rating not asked: %s", exc.code)
        return []
    if not answer.get("asked") or not isinstance(answer.get("request_id"), int):
        return []
    return open_rating(
        {"id": answer["request_id"], "target": target, "case_number": case_number, "department": department}
    )


class ActionRatingOffer(Action):
    """give_feedback ("I want to rate the service", "this bot is terrible") and the handoff's
    EXTERNAL_rating_request: open the rating."""

    def name(self) -> str:
        return "action_rating_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        found = entities(tracker)
        if (tracker.active_loop or {}).get("name") == FORM:
            return []  # a rating is open: it goes on
        if is_external(latest(tracker)):
            target = str(found.get("rating_target") or "conversation")
            if target not in ("case", "item", "conversation"):
                return []
            return await offer(
                tracker,
                target,
                "handoff" if target == "conversation" else "completion",
                language,
                case_number=found.get("case_number"),
                department=found.get("department"),
                event=found.get("rating_event"),
            )
        events = await offer(tracker, "conversation", "user", language)
        if not events:
            dispatcher.utter_message(text=message("unavailable", language))
            return []
        request = dict(events[0]["value"])
        request["target"] = "service"  # asked by the user: the question says "the service"
        events[0] = SlotSet(REQUEST_SLOT, request)
        return events


def ask_text(request: Mapping[str, Any], language: str) -> str:
    target = request.get("target")
    if target == "case":
        return message("ask_case", language, number=request.get("case_number") or "")
    if target == "item":
        name = department_name({"department": request.get("department")}, language)
        return message("ask_item", language, department=name, number=request.get("case_number") or "")
    if target == "conversation":
        return message("ask_conversation", language)
    return message("ask_service", language)


class ActionAskRatingLevel(Action):
    """The level question (again once, after an answer that was not a level)."""

    def name(self) -> str:
        return "action_ask_rating_level"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        state = dict(tracker.get_slot(STATE_SLOT) or {})
        request = tracker.get_slot(REQUEST_SLOT) or {}
        text = message("ask_again", language) if state.get("failures") else ask_text(request, language)
        dispatcher.utter_message(text=text, buttons=level_buttons(language))
        state["asked"] = True
        return [SlotSet(STATE_SLOT, state)]


class ActionAskRatingReason(Action):
    def name(self) -> str:
        return "action_ask_rating_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        dispatcher.utter_message(text=message("ask_reason", language), buttons=reason_buttons(language))
        return []


def short(text: str) -> bool:
    """A short answer ("5", "非常满意", "pretty good"): read as a rating before anything else."""
    return len(text.split()) <= 4 and len(text) <= 24


def _entity_level(value: Any) -> int | str | None:
    if value == SKIPPED:
        return SKIPPED
    try:
        level = int(str(value))
    except (TypeError, ValueError):
        return None
    return level if level in LEVELS else None


class ValidateRatingForm(FormBase):
    form = FORM

    def name(self) -> str:
        return "validate_rating_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        state = dict(tracker.get_slot(STATE_SLOT) or {})
        level = tracker.get_slot(LEVEL_SLOT)
        if not answers_pending(tracker, FORM):
            # the form starts (it asks), or comes back after another request was answered:
            # a rating is asked once, so it ends here (a level already given is kept)
            return self.end(level) if state.get("asked") else []
        said = latest(tracker)
        if is_external(said):
            return []  # the backend's push: its rule answers, then the form ends
        found = entities(tracker)
        if level is None:
            return self.read_level(dispatcher, tracker, state, found, language)
        return self.read_reason(tracker, state, found)

    @staticmethod
    def end(level: Any) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = []
        if level is None:
            events.append(SlotSet(LEVEL_SLOT, DROPPED))
        events += [SlotSet(REASON_SLOT, NONE), SlotSet("requested_slot", None)]
        return events

    def read_level(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        state: Dict[str, Any],
        found: Mapping[str, Any],
        language: str,
    ) -> List[Dict[str, Any]]:
        said = latest(tracker)
        given = _entity_level(found.get("rating_level"))
        if given is None:
            if said.intent == self.settings.stop_intent and self.other_request(tracker):
                given = SKIPPED
            elif not short(said.text) and self.other_request(tracker):
                return []  # a question or request, not a rating: the rules answer it, the rating ends
            else:
                parsed = read_rating(said.text)
                if parsed.skipped:
                    given = SKIPPED
                elif parsed.ok:
                    given = int(parsed.value)
                elif said.intent in ("thank", "deny"):
                    given = SKIPPED  # "no", "no thanks": no rating
                elif self.other_request(tracker, sure=False):
                    return []  # not a rating but another request: the rules answer it, the rating ends
        if given == SKIPPED:
            dispatcher.utter_message(text=message("skipped", language))
            return [SlotSet(LEVEL_SLOT, SKIPPED), SlotSet(REASON_SLOT, NONE)]
        if isinstance(given, int):
            events = [SlotSet(LEVEL_SLOT, given)]
            if given not in BAD:
                events.append(SlotSet(REASON_SLOT, NONE))
            return events
        state["failures"] = int(state.get("failures") or 0) + 1
        if state["failures"] >= 2:  # asked again once: then dropped politely
            dispatcher.utter_message(text=message("dropped", language))
            return [SlotSet(STATE_SLOT, state), SlotSet(LEVEL_SLOT, DROPPED), SlotSet(REASON_SLOT, NONE)]
        return [SlotSet(STATE_SLOT, state), SlotSet(LEVEL_SLOT, None)]  # the form asks again

    def read_reason(
        self, tracker: Tracker, state: Dict[str, Any], found: Mapping[str, Any]
    ) -> List[Dict[str, Any]]:
        said = latest(tracker)
        code = found.get("rating_reason")
        if code in (*REASONS, NONE):
            return [SlotSet(REASON_SLOT, code)]
        if said.intent == self.settings.stop_intent and self.other_request(tracker):
            return [SlotSet(REASON_SLOT, NONE)]
        parsed = read_rating_reason(said.text)
        if parsed.skipped:
            return [SlotSet(REASON_SLOT, NONE)]
        if self.other_request(tracker) and parsed.params.get("comment"):
            return []  # another request, not a reason: answered by the rules, the rating is kept
        state["comment"] = redact_text(said.text)[:500]  # masked like every user message
        return [SlotSet(STATE_SLOT, state), SlotSet(REASON_SLOT, parsed.value)]


def departments_text(rating: Mapping[str, Any], language: str) -> str:
    departments = [f.get("department") for f in rating.get("followups") or [] if isinstance(f, Mapping)]
    if len(departments) != 1:
        return message("departments_concerned", language)
    if departments[0] == HELPDESK:
        return message("helpdesk", language)
    return department_name({"department": departments[0]}, language)


class ActionRatingSubmit(Action):
    """The form ended: store the level (and reason), thank the user; nothing when skipped."""

    def name(self) -> str:
        return "action_rating_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        level = tracker.get_slot(LEVEL_SLOT)
        request = tracker.get_slot(REQUEST_SLOT) or {}
        state = tracker.get_slot(STATE_SLOT) or {}
        if level not in LEVELS or not isinstance(request.get("id"), int):
            return done()
        reason = tracker.get_slot(REASON_SLOT)
        try:
            rating = await BackendClient().rate(
                request["id"],
                tracker.sender_id,
                int(level),
                language,
                reason=reason if reason in REASONS else None,
                comment=state.get("comment") if level in BAD else None,
            )
        except BackendError as exc:
            log.info("rating not stored: %s", exc.code)
            dispatcher.utter_message(text=message("not_recorded", language))
            return done()
        name = message(f"level.{level}", language)
        followups = [f for f in rating.get("followups") or [] if isinstance(f, Mapping)]
        if level in BAD and followups:
            due = max(str(f.get("due_date") or "") for f in followups)
            dispatcher.utter_message(
                text=message(
                    "thanks_bad",
                    language,
                    level=name,
                    departments=departments_text(rating, language),
                    date=_day(due, language),
                )
            )
        else:
            dispatcher.utter_message(text=message("thanks_good", language, level=name))
        return done()


def _day(value: str, language: str) -> str:
    from datetime import date

    try:
        return day(date.fromisoformat(value[:10]), language)
    except ValueError:
        return value


class ActionRatingReply(Action):
    """EXTERNAL_rating_reply from the backend: the department's reply to a bad rating (回访)."""

    def name(self) -> str:
        return "action_rating_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        found = entities(tracker)
        reply = str(found.get("rating_reply") or "").strip()
        if not reply:
            return []
        department = str(found.get("department") or "")
        if department == HELPDESK:
            dispatcher.utter_message(text=message("reply_helpdesk", language, reply=reply))
            return []
        name = department_name({"department": department}, language)
        dispatcher.utter_message(text=message("reply", language, department=name, reply=reply))
        return []
