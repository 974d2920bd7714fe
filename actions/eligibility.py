"""check_eligibility: the `eligibility_form` questions and the one-time notification (一次告知).

- `validate_eligibility_form` reads each answer with actions/parsing.py. It accepts an
  answer to the question asked, or to another question named in the message (a
  correction: "sorry, I have 5 years of experience, not 3" / "我工作经验是5年不是3年"),
  and never clears an answer already given. An answer it cannot use is explained (what
  is needed, with an example) in the user's language and the question is asked again.
  A message that answers nothing and is another request ("stop", "talk to staff") is
  left to the rules (the form is rejected for that turn; answers are kept).
- `action_eligibility_result` sends the answers to POST /api/v1/eligibility/assess and
  answers in one message: category, points with breakdown and improvements, unmet
  conditions, materials, deadlines, fees, social-insurance exemption, printable checklist
  link (BACKEND_PUBLIC_URL + checklist_path); then buttons to apply or talk to staff.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from actions.forms.action import FormBase
from actions.forms.base import (
    answers_pending,
    is_external,
    is_other_request,
    is_policy_question,
    latest,
    latest_text,
    looks_like_question,
)
from actions.language import conversation_language
from actions.messages import staff_button
from actions.policy_answer import policy_reply
from knowledge.eligibility import load_data
from knowledge.eligibility.data import FACTOR_KEYS
from texts import scoped

log = logging.getLogger(__name__)

FORM = "eligibility_form"
FORM_SLOTS = list(parsing.PARSERS)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# Other requests (stop, staff, bot, language) that, when a message answers no question, are
# left to their rules mid-form, and the stop words: actions/forms.yml (bot/eligibility.yml:
# stop leaves the form; the others are answered, then the question is asked again).
# Anything else that answers nothing is explained like a wrong answer.

# The answers' values that have a name (texts/eligibility.yml value.<key>).
VALUE_KEYS: Dict[Any, str] = {
    "doctorate": "doctorate",
    "master": "master",
    "bachelor": "bachelor",
    "below_bachelor": "below_bachelor",
    "new": "new",
    "extension": "extension",
    "change": "change",
    "cancellation": "cancellation",
    parsing.SKIPPED: "skipped",
    True: "true",
    False: "false",
}

message = scoped("eligibility")  # texts/eligibility.yml


def show_value(slot: str, value: Any, language: str) -> str:
    if slot == "nationality" and isinstance(value, str) and value != parsing.SKIPPED:
        from knowledge.countries import by_code

        country = by_code(value)
        return country.name(language) if country else value
    if isinstance(value, bool) or value in VALUE_KEYS:
        return message(f"value.{VALUE_KEYS[value]}", language)
    return str(value)


def _params(params: Dict[str, Any], language: str) -> Dict[str, Any]:
    return {
        k: (v.name(language) if hasattr(v, "name") and callable(v.name) else v) for k, v in params.items()
    }


class ValidateEligibilityForm(FormBase):
    form = FORM

    def name(self) -> str:
        return "validate_eligibility_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if starting(tracker):
            return self.prefill(dispatcher, tracker)
        if not answers_pending(tracker, FORM):
            return []  # the form is (re)starting or re-asking: nothing new from the user
        said = latest(tracker)
        if is_external(said):
            return []  # the backend's push (a case update, a handoff step): its rule answers it
        text = said.text
        requested = tracker.get_slot("requested_slot")
        language = conversation_language(tracker)
        if self.other_request(tracker):
            # a stop leaves the form (bot/eligibility.yml), keeping the answers;
            # "reply in Chinese" is a language switch, not the nationality "Chinese"
            return []
        if is_policy_question(self.settings, said) and (looks_like_question(text) or text.startswith("/")):
            # "wait, how much does the residence permit cost?": answered, then the question again
            return await self.answer_policy_question(dispatcher, tracker, requested, language)

        # Other questions named in the message: corrections ("sorry, I have 5 years of
        # experience, not 3") or extra answers ("34岁，硕士"), each read from its own clauses.
        events: Dict[str, Any] = {}
        by_slot, clauses = parsing.clauses_by_slot(text)
        for slot, clause in by_slot.items():
            if slot == requested:
                continue
            parsed = self.parse(slot, clause, tracker)
            if parsed.ok:
                key = "corrected" if tracker.get_slot(slot) is not None else "noted"
                events[slot] = parsed.value
                dispatcher.utter_message(
                    text=message(
                        key,
                        language,
                        field=message(f"field.{slot}", language),
                        value=show_value(slot, parsed.value, language),
                    )
                )
        if requested in FORM_SLOTS:
            answer = text
            if events:  # what is left once the other questions' clauses are taken out
                answer = parsing.without_negated(
                    "".join(piece for piece, slots in clauses if not any(slot in events for slot in slots))
                )
            parsed = self.parse(requested, answer, tracker)
            if parsed.ok:
                events[requested] = parsed.value
                if parsed.params.get("new_employer"):  # said back: not a "change" (policy-facts.md)
                    dispatcher.utter_message(text=message("new_employer", language))
            elif events:
                pass  # the message changed other answers only; the question is asked again
            elif is_other_request(self.settings, said, sure=False) and not parsing.is_skip(text):
                return []  # another request: the rules answer it, the form asks again after
            elif is_policy_question(self.settings, said):
                return await self.answer_policy_question(dispatcher, tracker, requested, language)
            else:
                explain(dispatcher, parsed, language)
                events[requested] = None
        return [SlotSet(slot, value) for slot, value in events.items()]

    async def answer_policy_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: Any, language: str
    ) -> List[Dict[str, Any]]:
        """The knowledge base's answer (sourced, as actions/faq.py answers), then a line that says
        the check goes on; the question stays unanswered, so the form asks it again. Nothing
        else changes."""
        said = tracker.latest_message or {}
        reply = await policy_reply(
            BackendClient(), str(said.get("text") or ""), language, said.get("entities"), in_form=True
        )
        for each in reply.messages:
            dispatcher.utter_message(text=each["text"], buttons=each["buttons"])
        dispatcher.utter_message(text=message("back_to_check", language))
        return [SlotSet(requested, None)] if requested in FORM_SLOTS else []

    def prefill(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        """At the form's start: the nationality from a `country` entity of the message that
        started it ("I'm French, can I get a work permit?"), said back so that it can be corrected."""
        code = next(
            (
                str(e.get("value"))
                for e in (tracker.latest_message or {}).get("entities") or []
                if e.get("entity") == "country" and e.get("value")
            ),
            None,
        )
        parsed = self.parse("nationality", code, tracker) if code else None
        if parsed is None or not parsed.ok or parsed.value == parsing.SKIPPED:
            return []
        language = conversation_language(tracker)
        dispatcher.utter_message(
            text=message(
                "noted",
                language,
                field=message("field.nationality", language),
                value=show_value("nationality", parsed.value, language),
            )
        )
        return [SlotSet("nationality", parsed.value)]

    def parse(self, slot: str, text: str, tracker: Tracker) -> parsing.Parsed:
        if slot == "relevant_experience_years":
            return parsing.parse_relevant_experience_years(text, age=tracker.get_slot("age"))
        return parsing.PARSERS[slot](text)

    # The financial-demo shape, one method per question (used by run and by tests).
    def _validate(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[str, Any]:
        parsed = self.parse(slot, str(value), tracker)
        if not parsed.ok:
            explain(dispatcher, parsed, conversation_language(tracker))
            return {slot: None}
        return {slot: parsed.value}

    def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("age", value, dispatcher, tracker)

    def validate_highest_degree(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("highest_degree", value, dispatcher, tracker)

    def validate_relevant_experience_years(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("relevant_experience_years", value, dispatcher, tracker)

    def validate_annual_salary_cny(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("annual_salary_cny", value, dispatcher, tracker)

    def validate_months_in_china_per_year(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("months_in_china_per_year", value, dispatcher, tracker)

    def validate_hsk_level(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("hsk_level", value, dispatcher, tracker)

    def validate_nationality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("nationality", value, dispatcher, tracker)

    def validate_application_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("application_type", value, dispatcher, tracker)

    def validate_in_china(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ):
        return self._validate("in_china", value, dispatcher, tracker)


def starting(tracker: Tracker) -> bool:
    """The validation Rasa runs when check_eligibility activates the form (nothing asked yet)."""
    return (
        tracker.get_slot("requested_slot") is None
        and latest(tracker).intent == "check_eligibility"
        and not answers_pending(tracker, FORM)
    )


def new_message_after_result(tracker: Tracker) -> bool:
    """True when the result action answers a user message (a correction after the result),
    not the form that has just been completed."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "action" and event.get("name") not in (
            "action_extract_slots",
            "action_eligibility_result",
        ):
            return event.get("name") == "action_listen"
    return False


def explain(dispatcher: CollectingDispatcher, parsed: parsing.Parsed, language: str) -> None:
    dispatcher.utter_message(
        text=message(parsed.error or "required", language, **_params(parsed.params, language))
    )


def assessment_request(tracker: Tracker) -> Dict[str, Any]:
    """The form's answers under the API's field names; skipped answers are left out."""
    answers = {}
    for slot in FORM_SLOTS:
        value = tracker.get_slot(slot)
        if value is not None and value != parsing.SKIPPED:
            answers[slot] = value
    return answers


def _bullets(lines: List[str]) -> List[str]:
    return [f"- {line}" for line in lines if line]


def result_text(result: Dict[str, Any], checklist_url: str, language: str) -> str:
    parts: List[str] = []
    category = result.get("category") or {}
    parts.append(category.get("summary") or category.get("name") or "")
    points = result.get("points") or {}
    breakdown = dict.fromkeys(FACTOR_KEYS, 0)
    breakdown.update(points.get("breakdown") or {})
    # The backend sends the table's thresholds; without them, the active table's (knowledge/points).
    thresholds = {**load_data().table().thresholds, **(points.get("thresholds") or {})}
    parts.append(
        message(
            "points_line",
            language,
            total=points.get("total", 0),
            a=thresholds["A"],
            b=thresholds["B"],
            **breakdown,
        )
    )
    if points.get("improvements"):
        parts.append("\n".join([message("improvements", language), *_bullets(points["improvements"])]))
    if category.get("possibly_higher_text"):
        parts.append(category["possibly_higher_text"])
    conditions = result.get("conditions") or []
    unmet = [c.get("text", "") for c in conditions if c.get("status") == "unmet"]
    if unmet:
        parts.append("\n".join([message("unmet", language), *_bullets(unmet)]))
    unknown = [c for c in conditions if c.get("status") == "unknown"]
    if unknown:
        parts.append(message("to_confirm", language, count=len(unknown)))
    if (result.get("acceptance") or {}).get("text"):
        parts.append(result["acceptance"]["text"])
    materials = result.get("materials") or []
    if materials:
        parts.append(
            "\n".join(
                [
                    message("materials", language, count=len(materials)),
                    *_bullets([m.get("name", "") for m in materials]),
                ]
            )
        )
    if result.get("deadlines"):
        parts.append(
            "\n".join(
                [message("deadlines", language), *_bullets([d.get("text", "") for d in result["deadlines"]])]
            )
        )
    if result.get("fees"):
        parts.append(
            "\n".join([message("fees", language), *_bullets([f.get("text", "") for f in result["fees"]])])
        )
    social = result.get("social_insurance") or {}
    if social.get("agreement") and social.get("text"):
        parts.append("\n".join([message("social_insurance", language), social["text"]]))
    if result.get("assumptions"):
        parts.append("\n".join([message("assumptions", language), *_bullets(result["assumptions"])]))
    if checklist_url:
        parts.append(message("checklist", language, url=checklist_url))
    parts.append(message("next", language))
    return "\n\n".join(p for p in parts if p)


class ActionEligibilityResult(Action):
    def name(self) -> str:
        return "action_eligibility_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        buttons = [
            {"title": message("button_apply", language), "payload": "/start_application"},
            staff_button(language),
        ]
        events: List[Dict[str, Any]] = []
        if new_message_after_result(tracker):  # a correction after the result: recompute
            text = latest_text(tracker)
            form = ValidateEligibilityForm()
            for slot in parsing.mentioned_slots(text):
                parsed = form.parse(slot, text, tracker)
                if parsed.ok:
                    events.append(SlotSet(slot, parsed.value))
                    tracker.slots[slot] = parsed.value
                    dispatcher.utter_message(
                        text=message(
                            "corrected",
                            language,
                            field=message(f"field.{slot}", language),
                            value=show_value(slot, parsed.value, language),
                        )
                    )
            if not events:
                dispatcher.utter_message(text=message("correction_unclear", language), buttons=buttons)
                return []
        try:
            result = await BackendClient().assess_eligibility(assessment_request(tracker), language)
        except BackendUnavailable:
            dispatcher.utter_message(text=message("backend_down", language), buttons=buttons[1:])
            return events
        except BackendError as exc:
            log.info("eligibility refused: %s", exc)
            problems = " ".join(d.get("message", "") for d in exc.details) or exc.message
            dispatcher.utter_message(
                text=message("refused", language, problems=problems + " "), buttons=buttons[1:]
            )
            return events
        base = (os.environ.get("BACKEND_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
        path: str | None = result.get("checklist_path")
        url = f"{base}{path}" if path else ""
        dispatcher.utter_message(text=result_text(result, url, language), buttons=buttons)
        return events
