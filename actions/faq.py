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

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import policy_answer
from actions.backend_client import BackendClient, BackendError, FaqEntry
from actions.language import conversation_language
from actions.messages import staff_button
from actions.policy_answer import FAQ_ID_ENTITY, candidate_payload, citation, entry_buttons  # noqa: F401
from texts import scoped

log = logging.getLogger(__name__)

LAST_FAQ_SLOT = "last_faq_id"

message = scoped("faq")  # texts/faq.yml


def picked_entry_id(tracker: Tracker) -> str | None:
    """The faq_id entity of a candidate button the user clicked, if any."""
    return policy_answer.picked_entry_id((tracker.latest_message or {}).get("entities"))


def for_country(entry: FaqEntry, tracker: Tracker, language: str) -> FaqEntry:
    """The social-insurance answer with the line for the nationality named in the message."""
    return policy_answer.for_country(entry, (tracker.latest_message or {}).get("entities"), language)


class ActionAnswerPolicyQuestion(Action):
    def name(self) -> str:
        return "action_answer_policy_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        latest = tracker.latest_message or {}
        reply = await policy_answer.policy_reply(
            BackendClient(), str(latest.get("text") or ""), language, latest.get("entities")
        )
        if reply.status == "refused":
            log.warning("backend refused a policy question")
        for said in reply.messages:
            dispatcher.utter_message(text=said["text"], buttons=said["buttons"])
        return [SlotSet(LAST_FAQ_SLOT, reply.entry_id)]


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
