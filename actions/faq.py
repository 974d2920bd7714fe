"""ask_policy: answer from the live knowledge base (backend), sourced, in the user's language.

- confident: the answer, its source and the date it was checked, then "was this helpful?"
  (Yes -> /affirm, No -> /deny; `action_faq_feedback` stores it with the entry id kept in
  the `last_faq_id` slot);
- uncertain entries also say to confirm with the office and offer a person;
- not confident: up to three candidate questions as buttons (payload
  /ask_policy{"faq_id": "<id>"}) plus "talk to staff" (/request_human);
- backend down: a clear message in the user's language, and the conversation goes on.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient, BackendError, BackendUnavailable, FaqAnswer, FaqEntry
from actions.language import conversation_language
from actions.messages import Catalogue, staff_button

log = logging.getLogger(__name__)

LAST_FAQ_SLOT = "last_faq_id"
FAQ_ID_ENTITY = "faq_id"

# Every user-facing sentence, whole, in both languages (never glued from fragments).
MESSAGES: Dict[str, Dict[str, str]] = {
    "source_and_date": {
        "en": "Source: {source} (checked on {checked}).",
        "zh": "来源：{source}（核对日期：{checked}）。",
    },
    "source_only": {"en": "Source: {source}.", "zh": "来源：{source}。"},
    "uncertain": {
        "en": "Rules and practice on this point can differ by city or change, so please confirm with the "
        "office that handles your case. I can also put you through to a member of staff.",
        "zh": "这一点各地规定和做法可能不同或有变化，请向办理部门确认。我也可以为您转接工作人员。",
    },
    "ask_helpful": {"en": "Was this answer helpful?", "zh": "这个回答对您有帮助吗？"},
    "candidates": {
        "en": "I am not sure I understood. Did you mean one of these questions?",
        "zh": "我不太确定您的意思。您想问的是下面哪个问题？",
    },
    "no_match": {
        "en": "I could not find an answer to that in the policy knowledge base. You can ask it another way, "
        "or talk to a member of staff.",
        "zh": "政策知识库中没有找到这个问题的答案。您可以换个说法再问，或转接工作人员。",
    },
    "too_long": {
        "en": "Your message is too long for me. Please ask your question in a sentence or two.",
        "zh": "您的消息太长了，请用一两句话提出您的问题。",
    },
    "empty": {
        "en": "Please type your question, for example: How long is a work residence permit valid?",
        "zh": "请输入您的问题，例如：工作类居留许可的有效期是多久？",
    },
    "backend_down": {
        "en": "Sorry, I cannot look up policy answers right now because a service is unavailable. "
        "Please try again in a few minutes, or talk to a member of staff.",
        "zh": "抱歉，相关服务暂时不可用，我现在无法查询政策答案。请过几分钟再试，或转接工作人员。",
    },
    "feedback_thanks": {"en": "Thank you for your feedback!", "zh": "感谢您的反馈！"},
    "feedback_sorry": {
        "en": "Thank you, and sorry it did not help. You can ask in other words, or talk to a member of staff.",
        "zh": "感谢反馈，很抱歉没能帮到您。您可以换个说法再问，或转接工作人员。",
    },
    "feedback_not_saved": {
        "en": "Thank you. I could not save your feedback just now, but you can carry on.",
        "zh": "谢谢。您的反馈暂时未能保存，但不影响您继续咨询。",
    },
    "anything_else": {"en": "What else would you like to know?", "zh": "您还想了解什么？"},
    "button_yes": {"en": "Yes", "zh": "有帮助"},
    "button_no": {"en": "No", "zh": "没有帮助"},
}


message = Catalogue(MESSAGES)


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


def utter_answer(dispatcher: CollectingDispatcher, entry: FaqEntry, language: str) -> None:
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
    dispatcher.utter_message(text=message("ask_helpful", language), buttons=buttons)


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
            utter_answer(dispatcher, result.entry, language)
            return [SlotSet(LAST_FAQ_SLOT, result.entry.id)]
        if result.candidates:
            buttons = [{"title": c.question, "payload": candidate_payload(c.id)} for c in result.candidates[:3]]
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
            dispatcher.utter_message(text=message("feedback_sorry", language), buttons=[staff_button(language)])
        return [SlotSet(LAST_FAQ_SLOT, None)]
