"""What every form does the same way, without rasa-sdk (the application's state machine uses it too).

- the latest user message as plain data (`Latest`), read from a tracker
- whether that message is still unanswered (`answers_pending`) or came from the backend
  (`is_external`)
- whether it is another request to leave to the rules (`is_other_request`) or a request for
  something else to point to "stop" (`is_elsewhere`), by the form's settings (actions/forms.yml)
- failure counting per question and what a failure offers (`record_failure`, `offer`)

Trackers are read by duck typing (`latest_message`, `events`), so nothing here imports rasa-sdk;
the rasa-sdk side (slot resets, the validation base class) is actions/forms/action.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Mapping, MutableMapping

from actions.forms.settings import FormSettings, form_settings, is_command, stop_words

if TYPE_CHECKING:
    from rasa_sdk import Tracker

# Actions that run inside a turn without answering the user (Rasa logs the form's own run
# before it calls the validation action).
SILENT_ACTIONS = ("action_listen", "action_extract_slots")
EXTERNAL_PREFIX = "EXTERNAL_"
POLICY_INTENT = "ask_policy"

# A message shaped as a question: a question mark, a Chinese question word or particle, or an
# English question word first ("wait, how much ...").
_QUESTION = re.compile(
    r"[?？]|吗|呢[。！!]?$|多少|多久|多长|几天|怎么|怎样|如何|什么|哪里|哪儿|哪个|哪些|为什么|能不能|可不可以|是否|需不需要|要不要"
    r"|^(?:(?:wait|hey|hi|sorry|ok|okay|and|but|also|btw|quick question)[,:!.\s]+)*"
    r"(?:how|what|whats|what's|when|where|which|who|why|can|could|do|does|did|is|are|would|should|must)\b",
    re.IGNORECASE,
)
# A message shaped as a request or a complaint ("我要投诉", "I want to check my status").
_REQUEST = re.compile(
    r"^(?:i (?:want|would like|'d like|need|wish)\b|can i\b|could i\b|please\b|let me\b|how do i\b|show me\b)"
    r"|^(?:我要|我想|我需要|请|帮我|麻烦|给我)|complain|complaint|投诉|举报|feedback|反馈|差评",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    return bool(_QUESTION.search((text or "").strip()))


def looks_like_request(text: str) -> bool:
    return bool(_REQUEST.search((text or "").strip()))


@dataclass(frozen=True)
class Latest:
    """The latest user message: its text (stripped), intent and the intent's confidence."""

    text: str = ""
    intent: str | None = None
    confidence: float = 0.0

    @classmethod
    def of(cls, message: Mapping[str, Any] | None) -> Latest:
        message = message or {}
        intent = message.get("intent") or {}
        return cls(
            text=(message.get("text") or "").strip(),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0),
        )


def latest(tracker: Tracker) -> Latest:
    return Latest.of(tracker.latest_message)


def latest_text(tracker: Tracker) -> str:
    return latest(tracker).text


def answers_pending(tracker: Tracker, form: str) -> bool:
    """True when the latest user message has not been answered by any action yet."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in (*SILENT_ACTIONS, form):
            return False
    return False


def is_external(message: Latest) -> bool:
    """An intent triggered by the backend (EXTERNAL_case_update), not typed by the user."""
    return str(message.intent or "").startswith(EXTERNAL_PREFIX)


def is_other_request(form: str | FormSettings, message: Latest, sure: bool = True) -> bool:
    """A stop, staff request, bot question, language switch (...) the model is sure of; with
    `sure=False` (the message has failed as an answer) at any confidence, except the form's
    `only_when_sure` intents. A stop the model is unsure of counts if it has a stop word."""
    settings = form_settings(form) if isinstance(form, str) else form
    if message.intent == settings.stop_intent:
        return message.confidence >= settings.confidence or bool(stop_words().search(message.text.casefold()))
    if message.intent not in settings.other_requests:
        return False
    if message.intent in settings.explicit_only:
        # a destructive command needs the button or the whole command, not a model guess
        return message.text == f"/{message.intent}" or is_command(message.intent, message.text)
    return (
        message.text.startswith("/")
        or message.confidence >= settings.confidence
        or (not sure and message.intent not in settings.only_when_sure)
    )


def is_elsewhere(form: str | FormSettings, message: Latest) -> bool:
    """Another question or service asked instead of an answer (pointed to "stop", not counted)."""
    settings = form_settings(form) if isinstance(form, str) else form
    return message.intent in settings.elsewhere and message.confidence >= settings.confidence


def is_policy_question(form: str | FormSettings, message: Latest) -> bool:
    """A policy question the form answers in passing (`policy_questions`), the model sure of it."""
    settings = form_settings(form) if isinstance(form, str) else form
    return (
        settings.policy_questions
        and message.intent == POLICY_INTENT
        and message.confidence >= settings.confidence
    )


def is_not_an_answer(form: str | FormSettings, message: Latest) -> bool:
    """A question, a complaint or another service asked for, where any text would parse (a name,
    an address, an employer): the model is sure of the intent and the message is shaped like one.
    "我要投诉" is a complaint, not a given name; "Anna Maria" stays a name."""
    settings = form_settings(form) if isinstance(form, str) else form
    intents = {*settings.elsewhere, *((POLICY_INTENT,) if settings.policy_questions else ())}
    return (
        message.intent in intents
        and message.confidence >= settings.confidence
        and (looks_like_question(message.text) or looks_like_request(message.text))
    )


Offer = Literal["explain", "help", "person"]


def record_failure(failures: MutableMapping[str, int], key: str) -> int:
    """One more failed answer to `key`; the count so far."""
    failures[key] = int(failures.get(key, 0)) + 1
    return failures[key]


def offer(form: str | FormSettings, count: int) -> Offer:
    """What the explanation of the `count`th failure comes with: nothing, help and a person
    (at `help_after`), or a person's button (after it)."""
    settings = form_settings(form) if isinstance(form, str) else form
    if settings.help_after is None or count < settings.help_after:
        return "explain"
    return "help" if count == settings.help_after else "person"
