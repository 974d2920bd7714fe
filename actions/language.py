"""The conversation language as the action server sees it.

Same rule as the Rasa side (dialogue/conversation_language.py): the `language`
slot as it stood before the latest user message, moved on by that message's detection.
Actions that run first in a turn see the slot before the language policy updates it.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker

from nlu.components.language_detection import chose_language, resolve

LANGUAGE_SLOT = "language"


def language_before_latest_message(events: List[Dict[str, Any]], current: str | None) -> str | None:
    seen_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user" and not seen_user:
            seen_user = True
        elif seen_user and kind == "slot" and event.get("name") == LANGUAGE_SLOT:
            return event.get("value")
    return None if seen_user else current


def chosen_before_latest_message(events: List[Dict[str, Any]]) -> bool:
    """An explicit language choice in a user message before the latest one."""
    users = [e for e in events if e.get("event") == "user"]
    return chose_language((e.get("parse_data") or {}).get("language") for e in users[:-1])


def conversation_language(tracker: Tracker) -> str:
    """'en' or 'zh': the language this turn's replies must be written in."""
    detection = (tracker.latest_message or {}).get("language")
    events = tracker.events or []
    previous = language_before_latest_message(events, tracker.get_slot(LANGUAGE_SLOT))
    in_form = bool((tracker.active_loop or {}).get("name"))
    return resolve(
        detection,
        previous,
        in_form=in_form,
        chosen=chosen_before_latest_message(events),
        hint=language_hint(events),
    )


def language_hint(events: List[Dict[str, Any]]) -> str | None:
    """The latest user message's channel hint (metadata `language_hint`, e.g. from Telegram)."""
    for event in reversed(events):
        if event.get("event") == "user":
            return (event.get("metadata") or {}).get("language_hint")
    return None
