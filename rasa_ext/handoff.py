"""The Rasa side of the human handoff (issue #14, docs/handoff.md), for every input channel.

Installed always, like rasa_ext/guards.py, by `python -m rasa_ext run` (rasa_ext/launcher.py),
in `MessageProcessor.run_action_extract_slots`, which every user message and every external
intent passes before the policies run:

- **while a person has the conversation** (the tracker is paused: `action_handoff_claimed`
  returned `ConversationPaused`), slots are not filled from user messages (Rasa 3.6 would
  still run `action_extract_slots`), and each user message is passed to the staff member:
  POST BACKEND_URL/api/v1/handoffs/inbound with SERVICE_TOKEN (actions/backend_client.py), the text masked as the
  tracker store masks it (stores/redaction.py). The bot says nothing (Rasa skips the policies
  of a paused tracker), except when the message could not be passed on: then the user is told
  so, in their language, and asked to send it again.
- **while the user waits in the queue** (slot `handoff` "waiting"), the bot answers as usual and
  each message is also passed on, so that a request made out of hours carries what the user
  wrote until staff start.
- a conversation whose slot `handoff` is "active" but whose tracker is not paused (a new
  session reset Rasa's pause, as `SessionStarted` does) is paused again: the bot stays silent
  until the staff member hands back. The hand-back itself (the backend's `resume`, then the
  external intent that tells the user) is not re-paused: the slot is cleared only by the
  action that intent runs.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import (
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.backend_client import BackendClient, BackendError
from dialogue.conversation_language import conversation_language
from stores.redaction import STEP_SLOTS, redact_as_stored
from texts import t

log = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff"  # None, "waiting" or "active" (actions/handoff.py sets it)
EXTERNAL_PREFIX = "EXTERNAL_"
_STOCK: Dict[str, Any] = {}


def new_user_text(tracker: DialogueStateTracker) -> str | None:
    """The text of the user message just logged, or None (an external intent, an empty text,
    or a second extraction of a message already passed: its UserUttered is no longer last)."""
    if not tracker.events or not isinstance(tracker.events[-1], UserUttered):
        return None
    message = tracker.events[-1]
    intent = (message.intent or {}).get("name") or ""
    if intent.startswith(EXTERNAL_PREFIX) or not (message.text or "").strip():
        return None
    return message.text


def handed_back(tracker: DialogueStateTracker) -> bool:
    """Whether the pause was ended by a resume (staff handed back or closed), not by a new session."""
    for event in reversed(tracker.events):
        if isinstance(event, ConversationResumed):
            return True
        if isinstance(event, (ConversationPaused, SessionStarted)):
            return False
    return False


async def forward(conversation_id: str, text: str) -> bool:
    """Pass a masked user message to the backend's open handoff; False when it did not arrive."""
    try:
        await BackendClient().handoff_inbound(conversation_id, text)
    except BackendError as exc:
        log.error("handoff inbound failed (%s)", exc.code)
        return False
    return True


async def handoff_extract_slots(
    self: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
) -> DialogueStateTracker:
    text = new_user_text(tracker)
    state = tracker.get_slot(HANDOFF_SLOT)
    if state == "active" and not tracker.is_paused() and not handed_back(tracker):
        tracker.update(ConversationPaused())  # a new session cleared Rasa's pause
    paused = tracker.is_paused()
    if not paused:
        tracker = await _STOCK["extract"](self, output_channel, tracker)
    if text is None or not (paused or state == "waiting"):
        return tracker
    masked = redact_as_stored(text, [tracker.get_slot(slot) for slot in STEP_SLOTS], paused)
    if not await forward(tracker.sender_id, masked) and paused:
        event = BotUttered(t("handoff.not_forwarded", conversation_language(tracker)))
        await output_channel.send_response(tracker.sender_id, event.message())
        tracker.update(event)
    return tracker


def install() -> None:
    """Put the handoff in place (idempotent)."""
    if not _STOCK:
        _STOCK["extract"] = MessageProcessor.run_action_extract_slots
    MessageProcessor.run_action_extract_slots = handoff_extract_slots


def uninstall() -> None:
    if _STOCK:
        MessageProcessor.run_action_extract_slots = _STOCK["extract"]


def installed() -> bool:
    return MessageProcessor.run_action_extract_slots is handoff_extract_slots
