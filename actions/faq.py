"""ask_policy: answer from the live knowledge base (backend), sourced, in the user's language.

The backend's retriever decides (answer / ambiguous / no match); this action renders it:
- answer: the answer, its source and the date it was checked; up to two "related questions"
  buttons (payload /ask_policy{"faq_id": "<id>"}, as "did you mean"); then "was this
  helpful?" (Yes -> /affirm, No -> /deny; `action_faq_feedback` stores it with the entry id
  kept in the `last_faq_id` slot);
- uncertain entries also say to confirm with the office and offer a person;
- ambiguous: up to three candidate questions as buttons (same payload) plus "talk to staff"
  (/request_human);
- no match (off-topic): say so, and offer staff;
- backend down: a clear message in the user's language, and the conversation goes on.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient, BackendError, BackendUnavailable, FaqAnswer, FaqEntry
from actions.language import conversation_language
from actions.messages import staff_button
from knowledge.countries import by_code
from knowledge.eligibility import load_data
from knowledge.eligibility.social_insurance import social_insurance
from knowledge.eligibility.texts import Messages
from texts import scoped

log = logging.getLogger(__name__)

LAST_FAQ_SLOT = "last_faq_id"
FAQ_ID_ENTITY = "faq_id"


message = scoped("faq")  # texts/faq.yml


def candidate_payload(entry_id: str) -> str:
    return "/ask_policy" + json.dumps({FAQ_ID_ENTITY: entry_id}, separators=(",", ":"))


def picked_entry_id(tracker: Tracker) -> str | None:
    """The faq_id entity of a candidate button the user clicked, if any."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == FAQ_ID_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def citation(entry: FaqEntry, language: str) -> str | None:
    if entry.source and entry.checked:
        return message("source_and_date", language, source=entry.source, checked=entry.checked)
    if entry.source:
        return message("source_only", language, source=entry.source)
    return None


def entry_buttons(entries: List[FaqEntry]) -> List[Dict[str, str]]:
    """One button per entry: its question, answering that entry when clicked."""
    return [{"title": e.question, "payload": candidate_payload(e.id)} for e in entries if e.question]


def utter_answer(
    dispatcher: CollectingDispatcher, entry: FaqEntry, language: str, related: List[FaqEntry] | None = None
) -> None:
    parts = [entry.answer]
    cited = citation(entry, language)
    if cited:
        parts.append(cited)
    dispatcher.utter_message(text="\n\n".join(parts))
    buttons = [
        {"title": message("button_yes", language), "payload": "/affirm"},
        {"title": message("button_no", language), "payload": "/deny"},
    ]
    if entry.uncertain:
        dispatcher.utter_message(text=message("uncertain", language), buttons=[staff_button(language)])
    related_buttons = entry_buttons([e for e in related or [] if e.id != entry.id][:2])
    if related_buttons:  # before "was this helpful?", which stays the last message (bot/faq.yml)
        dispatcher.utter_message(text=message("related", language), buttons=related_buttons)
    dispatcher.utter_message(text=message("ask_helpful", language), buttons=buttons)


SOCIAL_INSURANCE_TOPIC = "social_insurance"


def for_country(entry: FaqEntry, tracker: Tracker, language: str) -> FaqEntry:
    """A social-insurance answer asked with a nationality ("I'm German, do I need to pay social
    insurance?"): the answer with the bilateral agreement's line for that country (knowledge/
    agreements.yml, as the eligibility check writes it), uncertain where the agreement's scope is."""
    code = next(
        (
            str(e.get("value"))
            for e in (tracker.latest_message or {}).get("entities") or []
            if e.get("entity") == "country" and e.get("value")
        ),
        None,
    )
    if entry.topic != SOCIAL_INSURANCE_TOPIC or not code:
        return entry
    country = by_code(code)
    if country is None:
        return entry
    found = social_insurance(load_data(), country)
    details = Messages().join(list(found.texts), language)
    line = message("for_country", language, country=country.name(language), details=details)
    return dataclasses.replace(
        entry, answer=f"{entry.answer}\n\n{line}", uncertain=entry.uncertain or found.uncertain
    )


class ActionAnswerPolicyQuestion(Action):
    def name(self) -> str:
        return "action_answer_policy_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        client = BackendClient()
        picked = picked_entry_id(tracker)
        try:
            if picked:
                result = FaqAnswer(status="answer", entry=await client.get_faq_entry(picked, language))
            else:
                question = ((tracker.latest_message or {}).get("text") or "").strip()
                if not question or question.startswith("/"):  # e.g. the menu's bare /ask_policy button
                    dispatcher.utter_message(text=message("empty", language))
                    return [SlotSet(LAST_FAQ_SLOT, None)]
                result = await client.answer_policy_question(question, language)
        except BackendUnavailable:
            dispatcher.utter_message(text=message("backend_down", language), buttons=[staff_button(language)])
            return [SlotSet(LAST_FAQ_SLOT, None)]
        except BackendError as exc:
            key = {"question_too_long": "too_long", "question_empty": "empty"}.get(exc.code, "no_match")
            if key == "no_match":
                log.warning("backend refused a policy question: %s", exc.code)
            dispatcher.utter_message(text=message(key, language), buttons=[staff_button(language)])
            return [SlotSet(LAST_FAQ_SLOT, None)]

        if result.status == "answer" and result.entry:
            utter_answer(dispatcher, for_country(result.entry, tracker, language), language, result.related)
            return [SlotSet(LAST_FAQ_SLOT, result.entry.id)]
        if result.candidates:
            buttons = [
                {"title": c.question, "payload": candidate_payload(c.id)} for c in result.candidates[:3]
            ]
            buttons.append(staff_button(language))
            dispatcher.utter_message(text=message("candidates", language), buttons=buttons)
        else:
            dispatcher.utter_message(text=message("no_match", language), buttons=[staff_button(language)])
        return [SlotSet(LAST_FAQ_SLOT, None)]


class ActionFaqFeedback(Action):
    """After an answer: affirm/deny to "was this helpful?" is stored with the entry id."""

    def name(self) -> str:
        return "action_faq_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        entry_id = tracker.get_slot(LAST_FAQ_SLOT)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if not entry_id or intent not in ("affirm", "deny"):
            dispatcher.utter_message(text=message("anything_else", language))
            return [SlotSet(LAST_FAQ_SLOT, None)]
        helpful = intent == "affirm"
        try:
            await BackendClient().send_faq_feedback(entry_id, helpful, language)
        except BackendError as exc:
            log.warning("could not store faq feedback: %s", exc.code)
            dispatcher.utter_message(text=message("feedback_not_saved", language))
            return [SlotSet(LAST_FAQ_SLOT, None)]
        if helpful:
            dispatcher.utter_message(text=message("feedback_thanks", language))
        else:
            dispatcher.utter_message(
                text=message("feedback_sorry", language), buttons=[staff_button(language)]
            )
        return [SlotSet(LAST_FAQ_SLOT, None)]
