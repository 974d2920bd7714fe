"""Hardening of Rasa's message handling, for every input channel (issue #17, docs/security.md).

Installed always (not a setting, not version-gated like the speed workarounds) by
`python -m rasa_ext run` (rasa_ext/launcher.py), in the processor that all channels share
(REST, socket.io and any channel registered in credentials.yml):

- **payload guard** (`MessageProcessor.parse_message`): a user message written as a payload
  (`/intent`, `/intent{"entity": ...}`) is taken as that intent only when the bot offered
  exactly that payload as a button in its messages since the user's previous message, or
  when it is a plain `/intent` without entities or confidence for an intent users may ask
  for. Payloads of external intents (`EXTERNAL_*`, triggered only by the backend through
  Rasa's token-protected `trigger_intent`, which does not go through `parse_message`),
  entity-carrying payloads and button-only intents the bot did not offer are parsed as
  `nlu_fallback` without entities: the bot says it did not understand and no slot is set.
- **action server down** (`RemoteAction.run`): when a custom action cannot be run because the
  action server does not answer (or answers with an error), the user gets an apology in the
  conversation's language with the staff button (texts/channels.yml), instead of silence.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Set

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from dialogue.conversation_language import conversation_language
from texts import t

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
EXTERNAL_PREFIX = "EXTERNAL_"
# Intents that exist only as the payload of a button the bot offers (never typed).
BUTTON_ONLY_INTENTS = frozenset({"confirm_delete_my_data"})
_STOCK: Dict[str, Any] = {}


def offered_payloads(tracker: DialogueStateTracker | None) -> Set[str]:
    """The button payloads of the bot's messages since the user's latest message."""
    payloads: Set[str] = set()
    if tracker is None:
        return payloads
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str):
                    payloads.add(payload.strip())
    return payloads


def _same_payload(typed: str, offered: Set[str]) -> bool:
    if typed in offered:
        return True
    # the same intent and entities with other spacing or key order
    match = YAMLStoryReader._regex_message_pattern().match(typed)
    if not match or not match.group("entities"):
        return False
    for payload in offered:
        other = YAMLStoryReader._regex_message_pattern().match(payload)
        if other and other.group("name") == match.group("name") and other.group("entities"):
            try:
                if json.loads(other.group("entities")) == json.loads(match.group("entities")):
                    return True
            except ValueError:
                continue
    return False


def payload_refusal(text: str, tracker: DialogueStateTracker | None) -> str | None:
    """Why a payload-shaped user message must not be taken as its intent, else None."""
    typed = (text or "").strip()
    if not typed.startswith(INTENT_MESSAGE_PREFIX):
        return None
    match = YAMLStoryReader._regex_message_pattern().match(typed)
    if not match:
        return None  # not a payload: the NLU reads it as text
    if _same_payload(typed, offered_payloads(tracker)):
        return None
    intent = match.group("name").strip()
    if intent.startswith(EXTERNAL_PREFIX):
        return "external intent"
    if intent in BUTTON_ONLY_INTENTS:
        return "button not offered"
    if match.group("entities") or match.group("confidence") or match.group("rest"):
        return "payload with entities not offered"
    return None


async def guarded_parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> Dict[str, Any]:
    parse_data = await _STOCK["parse_message"](self, message, tracker, only_output_properties)
    reason = payload_refusal(message.text or "", tracker)
    if reason is not None:
        # neither the text nor the sender: the entities may hold personal data
        log.warning("typed payload ignored (%s)", reason)
        fallback = {"name": FALLBACK_INTENT, "confidence": 1.0}
        parse_data["intent"] = fallback
        parse_data["intent_ranking"] = [fallback]
        parse_data["entities"] = []
    return parse_data


def action_unavailable_events(tracker: DialogueStateTracker) -> List[Event]:
    language = conversation_language(tracker)
    button = {"title": t("common.button.request_human", language), "payload": "/request_human"}
    return [BotUttered(t("channels.actions_unavailable", language), {"buttons": [button]})]


async def guarded_remote_run(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> Any:
    try:
        return await _STOCK["remote_run"](self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise  # the action refused: the policies predict another one (Rasa's protocol)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the action server
        log.error("action %s failed (%s): the user gets the apology", self.name(), type(exc).__name__)
        return action_unavailable_events(tracker)


def install() -> None:
    """Put both guards in place (idempotent)."""
    if not _STOCK:
        _STOCK["parse_message"] = MessageProcessor.parse_message
        _STOCK["remote_run"] = RemoteAction.run
    MessageProcessor.parse_message = guarded_parse_message
    RemoteAction.run = guarded_remote_run


def uninstall() -> None:
    if _STOCK:
        MessageProcessor.parse_message = _STOCK["parse_message"]
        RemoteAction.run = _STOCK["remote_run"]


def installed() -> bool:
    return MessageProcessor.parse_message is guarded_parse_message
