"""The application form's rasa-sdk actions: the form's validation (the state machine, machine.py),
its start, its question, the submission and "delete my data"."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.application import state as form_state
from actions.application.commands import new_employer_items
from actions.application.machine import Turn, TurnInput, problems_text
from actions.application.render import case_text, question
from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from actions.forms.action import FormBase, reset_slots
from actions.forms.base import latest
from actions.language import conversation_language
from actions.messages import menu_buttons, staff_button
from actions.ratings import offer
from knowledge.application import catalogue
from texts import scoped

log = logging.getLogger(__name__)

message = scoped("application")  # texts/application.yml


def turn_input(tracker: Tracker) -> TurnInput:
    said = latest(tracker)
    return TurnInput(
        text=said.text,
        intent=said.intent,
        confidence=said.confidence,
        slots=dict(tracker.slots),
        sender=tracker.sender_id,
        channel=tracker.get_latest_input_channel(),
        language=conversation_language(tracker),
        entities=tuple((tracker.latest_message or {}).get("entities") or []),
    )


class ValidateApplicationForm(FormBase):
    form = form_state.FORM

    def name(self) -> str:
        return "validate_application_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(form_state.PHASE) == "closed" and tracker.get_slot(form_state.CONFIRMED) is None:
            # the backend was down at the start: end the form
            return [SlotSet(form_state.CONFIRMED, form_state.CLOSED)]
        if not self.pending(tracker):
            # the form is starting or asking again: nothing new from the user; or a case update
            # pushed by the backend: its rule answers, then the form asks again
            return []
        turn = Turn(turn_input(tracker), BackendClient())
        changes = await turn.handle()
        for said in turn.messages:
            dispatcher.utter_message(text=said["text"], buttons=said["buttons"])
        return [] if changes is None else [SlotSet(slot, value) for slot, value in changes.items()]


def entity_items(message: Mapping[str, Any] | None) -> List[str]:
    """The services named in the message that started the form (`service_item` entities,
    nlu/components/entity_extractor.py), in the catalogue's order; none when one is unknown or
    two conflict ("new and extension of the work permit"): then the form asks."""
    cat = catalogue()
    named = {
        str(e.get("value"))
        for e in (message or {}).get("entities") or []
        if e.get("entity") == "service_item" and e.get("value")
    }
    if not named or not named <= set(cat.items) or cat.conflicts(named):
        return []
    # "I changed my employer, I want a work permit change": a new work permit (policy-facts.md)
    return new_employer_items(
        [key for key in cat.items if key in named], str((message or {}).get("text") or "")
    )


class ActionApplicationStart(Action):
    """Resume offer when a draft is saved, else the consent; then the form takes over."""

    def name(self) -> str:
        return "action_application_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        events = reset_slots(
            form_state.CONFIRMED,
            form_state.STEP,
            form_state.ITEMS,
            form_state.ROLE,
            form_state.SUMMARY,
            form_state.STATE,
        )
        try:
            draft = await BackendClient().get_draft(tracker.sender_id, language)
        except BackendError as exc:
            log.info("draft lookup failed: %s", exc.code)
            dispatcher.utter_message(
                text=message("unavailable_start", language), buttons=[staff_button(language)]
            )
            return [*events, SlotSet(form_state.PHASE, "closed")]
        if draft is None:
            # items named in the first message are kept for after the consent and the role (machine.on_role)
            chosen = entity_items(tracker.latest_message)
            return [
                *events,
                SlotSet(form_state.PHASE, "consent"),
                *([SlotSet(form_state.ITEMS, chosen)] if chosen else []),
            ]
        saved = draft.get("state") if isinstance(draft.get("state"), Mapping) else {}
        state = form_state.new_state(saved)
        state["fields"] = list(draft.get("fields") or [])
        state["saved"] = str(draft.get("updated_at") or "") or None
        return [
            SlotSet(form_state.CONFIRMED, None),
            SlotSet(form_state.PHASE, "resume"),
            SlotSet(form_state.STEP, None),
            SlotSet(form_state.ITEMS, list(draft.get("items") or []) or None),
            SlotSet(form_state.ROLE, draft.get("role")),
            SlotSet(form_state.SUMMARY, dict(draft.get("answers_masked") or {}) or None),
            SlotSet(form_state.STATE, state),
        ]


class ActionAskApplicationConfirmed(Action):
    """The form's question: the current phase's prompt, the field's question, or the summary."""

    def name(self) -> str:
        return "action_ask_application_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        phase = tracker.get_slot(form_state.PHASE) or "consent"
        state = form_state.new_state(tracker.get_slot(form_state.STATE))
        said = question(
            phase,
            tracker.get_slot(form_state.STEP),
            list(tracker.get_slot(form_state.ITEMS) or []),
            tracker.get_slot(form_state.ROLE) or "worker",
            tracker.get_slot(form_state.SUMMARY) or {},
            state,
            conversation_language(tracker),
        )
        for each in said:
            dispatcher.utter_message(text=each["text"], buttons=each["buttons"])
        # the consent text is shown once per consent question; a policy answer's "back to the
        # form" line only once
        kept = {**state, "reask": None}
        if phase == "consent" and "consent" not in state["shown"]:
            kept["shown"] = [*state["shown"], "consent"]
        return [] if kept == state else [SlotSet(form_state.STATE, kept)]


class ActionApplicationSubmit(Action):
    """The form is complete: submit (POST .../submit), or close after a declined consent."""

    def name(self) -> str:
        return "action_application_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        confirmed = tracker.get_slot(form_state.CONFIRMED)
        clear = reset_slots(form_state.CONFIRMED, *form_state.POSITION_SLOTS)
        if confirmed == form_state.DECLINED:
            dispatcher.utter_message(
                text=message("declined", language),
                buttons=[{"title": t, "payload": p} for t, p in menu_buttons(language)],
            )
            return clear
        if confirmed is not True:
            return [SlotSet(form_state.CONFIRMED, None)]  # closed: the start already said why
        try:
            case = await BackendClient().submit_draft(tracker.sender_id, language)
        except BackendUnavailable:
            dispatcher.utter_message(
                text=message("submit_unavailable", language), buttons=[staff_button(language)]
            )
            return [
                SlotSet(form_state.CONFIRMED, None),
                SlotSet(form_state.PHASE, "summary"),
                SlotSet(form_state.STEP, None),
                ActiveLoop(form_state.FORM),
            ]
        except BackendError as exc:
            log.info("submission refused: %s", exc.code)
            if exc.status == 404 or exc.code in ("no_draft", "consent_required"):
                dispatcher.utter_message(text=message("draft_expired", language))
                return [*clear, SlotSet(form_state.PHASE, "consent"), ActiveLoop(form_state.FORM)]
            dispatcher.utter_message(
                text=message("submit_refused", language, problems=problems_text(exc) + " ")
            )
            refused = [str(d.get("field")) for d in exc.details if d.get("field")]
            state = form_state.new_state(tracker.get_slot(form_state.STATE))
            summary = dict(tracker.get_slot(form_state.SUMMARY) or {})
            for key in refused:
                summary.pop(key, None)
            step = next((k for k in state["fields"] if k in refused), None) or form_state.next_step(
                state["fields"], summary, state["skipped"]
            )
            return [
                SlotSet(form_state.CONFIRMED, None),
                SlotSet(form_state.PHASE, "fields" if step else "summary"),
                SlotSet(form_state.STEP, step),
                SlotSet(form_state.SUMMARY, summary or None),
                ActiveLoop(form_state.FORM),
            ]
        dispatcher.utter_message(
            text=case_text(case, language),
            buttons=[{"title": message("button_status", language), "payload": "/check_status"}],
        )
        # 一事一评: the submitted application is rated once (the rating form asks; never pressed)
        return clear + await offer(tracker, "case", "submission", language, case_number=case.get("number"))


ERASE_SLOT = "erase_requested"  # read by the tracker store (stores/cached_sql_tracker_store.py)
CONFIRM_INTENT = "confirm_delete_my_data"


class ActionDeleteMyData(Action):
    """ "Delete my data", in two steps: first it says what will be deleted and what is kept and
    asks (buttons: /confirm_delete_my_data, /deny); the confirmation button deletes the draft in
    the backend and sets `erase_requested`, on which the tracker store deletes every earlier
    event of this conversation (docs/security.md). Submitted cases are kept (official records)."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        client = BackendClient()
        confirmed = latest(tracker).intent == CONFIRM_INTENT
        try:  # the backend answers DELETE with 204 either way: ask first, to say the right thing
            has_draft = await client.get_draft(tracker.sender_id, language) is not None
            if confirmed and has_draft:
                await client.delete_draft(tracker.sender_id, language)
        except BackendError as exc:
            log.info("draft deletion failed: %s", exc.code)
            dispatcher.utter_message(
                text=message("delete_unavailable", language), buttons=[staff_button(language)]
            )
            return []
        if not confirmed:
            dispatcher.utter_message(
                text=message("delete_confirm_draft" if has_draft else "delete_confirm", language),
                buttons=[
                    {"title": message("button_delete_confirm", language), "payload": f"/{CONFIRM_INTENT}"},
                    {"title": message("button_delete_cancel", language), "payload": "/deny"},
                ],
            )
            return []
        log.info(
            "delete my data confirmed: draft %s, conversation events erased",
            "deleted" if has_draft else "none",
        )
        dispatcher.utter_message(text=message("deleted" if has_draft else "nothing_to_delete", language))
        return [
            *reset_slots(form_state.CONFIRMED, *form_state.POSITION_SLOTS),
            SlotSet(ERASE_SLOT, True),
            SlotSet("language", language),
        ]
