"""The reply language of a Rasa conversation: the `language` slot as it stood before
the latest user message, moved on by that message's detection.

Computed from the events rather than read from the slot alone because the slot is only
updated after the first action of a turn (policy events are applied after the action
runs), while that first action must already answer in the new language.
"""

from __future__ import annotations

from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from nlu.components.language_detection import chose_language, resolve

LANGUAGE_SLOT = "language"
LANGUAGE_HINT = "language_hint"  # message metadata key set by input channels


def language_before_latest_message(tracker: DialogueStateTracker) -> str | None:
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and not seen_user:
            seen_user = True
        elif seen_user and isinstance(event, SlotSet) and event.key == LANGUAGE_SLOT:
            return event.value
    return None if seen_user else tracker.get_slot(LANGUAGE_SLOT)


def chosen_before_latest_message(tracker: DialogueStateTracker) -> bool:
    """An explicit language choice ("reply in Chinese please") in a user message before the
    latest one: it holds until the user chooses again."""
    users = [e for e in tracker.events if isinstance(e, UserUttered)]
    return chose_language((e.parse_data or {}).get("language") for e in users[:-1])


def conversation_language(tracker: DialogueStateTracker) -> str:
    latest = tracker.latest_message
    detection = latest.parse_data.get("language") if latest else None
    # A channel's hint (connectors/telegram.py: the user's language_code) for a new conversation.
    hint = (getattr(latest, "metadata", None) or {}).get(LANGUAGE_HINT) if latest else None
    return resolve(
        detection,
        language_before_latest_message(tracker),
        in_form=bool(tracker.active_loop_name),
        chosen=chosen_before_latest_message(tracker),
        hint=hint,
    )
