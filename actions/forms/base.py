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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Mapping, MutableMapping

from actions.forms.settings import FormSettings, form_settings, is_command, stop_words

if TYPE_CHECKING:
    from rasa_sdk import Tracker

# Actions that run inside a turn without answering the user (Rasa logs the form's own run
# before it calls the validation action).
SILENT_ACTIONS = ("action_listen", "action_extract_slots")
EXTERNAL_PREFIX = "EXTERNAL_"


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
