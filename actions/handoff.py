"""Human handoff in the conversation (issue #14, docs/handoff.md).

One conversation, one tracker: a person and the bot take turns in the same Rasa conversation.

- `action_request_human` ("talk to a person", "我要人工", the staff button, yes to the offer after
  two failed fallbacks): asks the backend for a place in the queue (POST /api/v1/handoffs, with
  the recent turns masked) and says the position and the wait estimate, or, out of office
  hours, when staff are back (the request waits for them; the bot goes on answering). A form
  that was open is kept (bot/<form>.yml goes back to it).
- `action_handoff_queue` (EXTERNAL_handoff_queue, the backend's push when the queue moves).
- `action_handoff_claimed` (EXTERNAL_handoff_claimed): "X has joined", then the conversation is
  paused (`ConversationPaused`): the bot is silent, and rasa_ext/handoff.py passes the user's
  messages to the staff member and keeps slots from being filled from them.
- `action_handoff_ended` (EXTERNAL_handoff_ended, after the backend's `resume`): the outcome in the
  user's language; after a conversation with a person, its rating (actions/ratings.py), unless
  a form is open (then the form goes on where it was).
- `action_stop` ("cancel", "取消", "stop" outside a form): leaves the queue when the user waits in
  it, else stops as before (utter_stop).
Slot `handoff` (None, "waiting", "active") says where the conversation is.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, List, Mapping
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError
from actions.language import conversation_language
from actions.ratings import entities, offer
from stores.redaction import STEP_SLOTS, redact_as_stored
from texts import day, scoped

log = logging.getLogger(__name__)

SLOT = "handoff"
WAITING, ACTIVE = "waiting", "active"
OUTCOMES = ("released", "closed", "expired")
RATED = ("released", "closed")  # a person talked with the user: the helpdesk may be rated
TRANSCRIPT_TURNS = 20
CHINA = ZoneInfo("Asia/Shanghai")
HELP_INTENTS = ("request_human", "affirm", "deny", "stop", "nlu_fallback")  # not a topic

message = scoped("handoff")  # texts/handoff.yml


def transcript(tracker: Tracker, turns: int = TRANSCRIPT_TURNS) -> List[Dict[str, str]]:
    """The latest user and bot turns, masked as the tracker store masks them."""
    steps: Dict[str, Any] = {}
    paused = False
    said: List[Dict[str, str]] = []
    for event in tracker.events or []:
        kind = event.get("event")
        if kind == "slot" and event.get("name") in STEP_SLOTS:
            steps[event["name"]] = event.get("value")
        elif kind in ("pause", "resume"):
            paused = kind == "pause"
        elif kind in ("user", "bot") and (event.get("text") or "").strip():
            text = str(event["text"])
            if kind == "user":
                if str((event.get("parse_data") or {}).get("intent", {}).get("name", "")).startswith(
                    "EXTERNAL_"
                ):
                    continue
                text = redact_as_stored(text, [steps.get(s) for s in STEP_SLOTS], paused)
            else:
                text = redact_as_stored(text, (), True)  # the bot may repeat what the user gave
            said.append({"sender": kind, "text": text[:4000]})
    return said[-turns:]


def topic(tracker: Tracker) -> str | None:
    """What the user was doing: the open form, else their latest intent that names a topic."""
    loop = (tracker.active_loop or {}).get("name")
    if loop:
        return str(loop)
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            name = str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
            if name and name not in HELP_INTENTS and not name.startswith("EXTERNAL_"):
                return name
    return None


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def back_at(value: Any, language: str) -> Dict[str, str] | None:
    """{day, time} of "staff are back", China time, from the backend's ISO time."""
    try:
        moment = datetime.fromisoformat(str(value)).astimezone(CHINA)
    except (TypeError, ValueError):
        return None
    return {"day": day(moment.date(), language), "time": moment.strftime("%H:%M")}


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        try:
            answer = await BackendClient().request_handoff(
                tracker.sender_id,
                language,
                channel=tracker.get_latest_input_channel(),
                topic=topic(tracker),
                transcript=transcript(tracker),
            )
        except BackendError as exc:
            log.warning("handoff not requested: %s", exc.code)
            dispatcher.utter_message(text=message("unavailable", language))
            return []
        handoff: Mapping[str, Any] = answer.get("handoff") or {}
        if handoff.get("state") == ACTIVE:
            dispatcher.utter_message(text=message("already_with_staff", language))
            return [SlotSet(SLOT, ACTIVE)]
        position = _number(answer.get("queue_position")) or 1
        back = back_at(answer.get("staff_back_at"), language)
        if not answer.get("staffed", True) and back is not None:
            dispatcher.utter_message(text=message("after_hours", language, **back))
        else:
            key = "queued" if answer.get("created") else "still_queued"
            minutes = _number(answer.get("wait_minutes")) or 1
            dispatcher.utter_message(text=message(key, language, position=position, minutes=minutes))
        if (tracker.active_loop or {}).get("name"):
            dispatcher.utter_message(text=message("form_kept", language))
        return [SlotSet(SLOT, WAITING)]


class ActionHandoffQueue(Action):
    """The queue moved (the backend's push): the new position, while the user still waits."""

    def name(self) -> str:
        return "action_handoff_queue"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        found = entities(tracker)
        position = _number(found.get("queue_position"))
        if tracker.get_slot(SLOT) != WAITING or position is None:
            return []
        minutes = _number(found.get("wait_minutes")) or 1
        language = conversation_language(tracker)
        dispatcher.utter_message(text=message("moved", language, position=position, minutes=minutes))
        return []


class ActionHandoffClaimed(Action):
    """A staff member took the conversation: say who, then pause the bot."""

    def name(self) -> str:
        return "action_handoff_claimed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        name = str(entities(tracker).get("staff_name") or "").strip()
        if name:
            dispatcher.utter_message(text=message("claimed", language, name=name))
        else:
            dispatcher.utter_message(text=message("claimed_unnamed", language))
        # The listen makes the user's next turns (and the ended intent) follow a listen, as the
        # rules expect; Rasa itself logs none while paused.
        return [SlotSet(SLOT, ACTIVE), ConversationPaused(), ActionExecuted("action_listen")]


class ActionHandoffEnded(Action):
    """The staff member handed back or closed, or the queue expired (the bot answers again)."""

    def name(self) -> str:
        return "action_handoff_ended"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        found = entities(tracker)
        outcome = str(found.get("handoff_outcome") or "")
        if outcome not in OUTCOMES:
            outcome = "closed"
        dispatcher.utter_message(text=message(f"ended.{outcome}", language))
        events: List[Dict[str, Any]] = [SlotSet(SLOT, None)]
        if outcome in RATED:
            # offer() asks nothing inside a form, nor when this conversation was rated before
            event = found.get("rating_event")
            events += await offer(
                tracker, "conversation", "handoff", language, event=str(event) if event else None
            )
        return events


class ActionStop(Action):
    """ "cancel" outside a form: leave the queue when waiting in it, else stop as before."""

    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(SLOT) != WAITING:
            dispatcher.utter_message(response="utter_stop")
            return []
        language = conversation_language(tracker)
        try:
            await BackendClient().cancel_handoff(tracker.sender_id, language)
        except BackendError as exc:
            log.warning("handoff not cancelled: %s", exc.code)
            dispatcher.utter_message(text=message("not_cancelled", language))
            return []
        dispatcher.utter_message(text=message("cancelled", language))
        return [SlotSet(SLOT, None)]
