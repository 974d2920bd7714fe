"""check_status and the notifications of case changes (一网查看).

- `action_check_status` (check_status, and when the status_form is complete): the cases this
  conversation submitted (GET /api/v1/conversations/{id}/cases, then POST /api/v1/status as
  their owner), each as a timeline per department in the user's language. A case number in
  the message (FJ2026000123) that this conversation does not own opens the `status_form`,
  which asks for the full passport number used in the application (the second factor: the
  last four characters could be guessed); then this action asks the backend with it: the
  timeline, or the attempts left (and the form again), or the lock (third wrong answer for
  that case number, from anyone: 15 minutes, 423 with retry_after). Unknown numbers and wrong
  answers look the same, as the backend answers them. The passport number is never stored in
  a slot nor repeated in a message, and the message that gave it is stored redacted
  (`status_verified` is in other_sensitive_slots, knowledge/application/fields.yml).
- `validate_status_form`: reads the case number or the passport number, the format only.
- `action_case_update` (EXTERNAL_case_update from the backend's notification sender): fetches
  the case as its owning conversation and says what changed and what to do, in the
  conversation's language.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import date, datetime
from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from actions.forms.action import FormBase, reset_slots
from actions.forms.base import latest_text
from actions.language import conversation_language
from actions.messages import department_name, staff_button
from actions.ratings import offer
from knowledge.application import catalogue
from knowledge.application.messages import day
from texts import entries, scoped, t

log = logging.getLogger(__name__)

FORM = "status_form"
CASE_SLOT = "status_case_number"
VERIFIED_SLOT = "status_verified"
OWNER, GIVEN = "owner", "given"
# Region prefix, year, sequence: FJ2026000123, WH2026000456 (docs/application.md).
CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}\s?20\d{2}\s?\d{6})(?![A-Za-z0-9])")
PASSPORT = re.compile(r"^[A-Za-z0-9]{5,20}$")
MAX_CASES = 3  # the most recent cases shown for "where is my application?"

# The states the assistant has words for (the backend's item and case states).
SENTENCE_STATES = frozenset(
    key.split(".", 1)[1] for key in entries("case_states") if key.startswith("in_sentence.")
)
# What the applicant does next, by the state a department has reached.
NEXT_BY_STATE = {
    "received": "next_received",
    "under_review": "next_under_review",
    "supplement_requested": "next_supplement",
    "approved": "next_approved",
    "rejected": "next_rejected",
    "completed": "next_completed",
}


message = scoped("status")  # texts/status.yml

# States whose next step is "nothing to do for now" (the department is working on it).
WAITING_STATES = ("received", "under_review")
# An officer's note that asks the applicant for something ("please bring the original diploma",
# "请携带护照原件"): a request or a thing to bring, send, provide, sign, come or call.
_ASKS = re.compile(
    r"\b(?:please|bring|brings|provide|submit|upload|send|resend|sign|come|visit|call|contact|"
    r"present|hand in|fill in|need(?:s|ed)? (?:to|your|the|a|an)|must|required?)\b"
    r"|请|须|需要?您|需|务必|携带|带上|带来|提供|补充|补交|提交|上传|寄送|签字|签名|到场|前来|来窗口|致电|联系",
    re.IGNORECASE,
)


def asks_the_applicant(note: str) -> bool:
    """The department's note asks the applicant to do or bring something."""
    return bool(_ASKS.search(note or ""))


def find_case_number(text: str) -> str | None:
    match = CASE_NUMBER.search(text or "")
    return re.sub(r"\s", "", match.group(1)).upper() if match else None


def state_name(state: Any, language: str) -> str:
    """The state as the assistant says it (texts/case_states.yml in_sentence.<state>); an unknown
    state as it came."""
    if str(state) in SENTENCE_STATES:
        return t(f"case_states.in_sentence.{state}", language)
    return str(state or "")


def when(value: Any, language: str) -> str:
    """An ISO timestamp from the backend as a day in the user's language."""
    text = str(value or "")
    try:
        return day(datetime.fromisoformat(text.replace("Z", "+00:00")).date(), language)
    except ValueError:
        try:
            return day(date.fromisoformat(text[:10]), language)
        except ValueError:
            return text


def service_names(item: Mapping[str, Any], language: str) -> str:
    cat = catalogue()
    names = [cat.items[s].name[language] for s in item.get("services") or [] if s in cat.items]
    return ("、" if language == "zh" else "; ").join(names)


def timeline_text(case: Mapping[str, Any], language: str) -> str:
    """One case: its state, then per department the state and the dated timeline."""
    state = "joint_review" if case.get("joint_review") else case.get("state")
    lines = [
        message(
            "case_header",
            language,
            number=case.get("number", ""),
            date=when(case.get("created_at"), language),
            state=state_name(state, language),
        )
    ]
    if case.get("joint_review"):
        lines.append(message("joint_review", language))
    for item in case.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        lines.append(
            message(
                "item_line",
                language,
                department=department_name(item, language),
                services=service_names(item, language),
                state=state_name(item.get("state"), language),
            )
        )
        for event in item.get("timeline") or []:
            if not isinstance(event, Mapping):
                continue
            note = str(event.get("note") or "").strip()
            key = "event_line_note" if note else "event_line"
            lines.append(
                "  - "
                + message(
                    key,
                    language,
                    date=when(event.get("at"), language),
                    state=state_name(event.get("state"), language),
                    note=note,
                )
            )
    return "\n".join(lines)


def clear() -> List[Dict[str, Any]]:
    return reset_slots(CASE_SLOT, VERIFIED_SLOT)


def ask_again(number: str | None) -> List[Dict[str, Any]]:
    return [SlotSet(CASE_SLOT, number), SlotSet(VERIFIED_SLOT, None), ActiveLoop(FORM)]


def normalised_passport(text: str) -> str:
    return re.sub(r"[\s\-]", "", text or "").upper()


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        client = BackendClient()
        verified = tracker.get_slot(VERIFIED_SLOT)
        number = tracker.get_slot(CASE_SLOT)
        try:
            if verified == GIVEN and number:
                return await self.with_passport(dispatcher, client, tracker, number, language)
            if verified == OWNER and number:
                case = await client.case_status(number, language, conversation_id=tracker.sender_id)
                dispatcher.utter_message(text=timeline_text(case, language))
                return clear()
            return await self.fresh(dispatcher, client, tracker, language)
        except BackendUnavailable:
            dispatcher.utter_message(text=message("unavailable", language), buttons=[staff_button(language)])
            return clear()
        except BackendError as exc:
            return self.refused(dispatcher, exc, number or find_case_number(latest_text(tracker)), language)

    async def fresh(
        self, dispatcher: CollectingDispatcher, client: BackendClient, tracker: Tracker, language: str
    ) -> List[Dict[str, Any]]:
        """check_status as asked: a number in the message, or "where is my application?"."""
        number = find_case_number(latest_text(tracker))
        if number:
            try:  # the owning conversation sees it at once; anyone else is asked for the passport check
                case = await client.case_status(number, language, conversation_id=tracker.sender_id)
            except BackendError as exc:
                if exc.code == "verification_required" and not isinstance(exc, BackendUnavailable):
                    return ask_again(number)  # the form asks for the passport number
                raise
            dispatcher.utter_message(text=timeline_text(case, language))
            return clear()
        owned = [
            str(c["number"]).upper() for c in await client.conversation_cases(tracker.sender_id, language)
        ]
        if not owned:
            dispatcher.utter_message(text=message("no_cases", language))
            return ask_again(None)  # the form asks for a case number
        texts = []
        for case_number in list(reversed(owned))[:MAX_CASES]:
            case = await client.case_status(case_number, language, conversation_id=tracker.sender_id)
            texts.append(timeline_text(case, language))
        if len(owned) > MAX_CASES:
            texts.append(message("more_cases", language, count=len(owned), shown=MAX_CASES))
        dispatcher.utter_message(text="\n\n".join(texts))
        return clear()

    async def with_passport(
        self,
        dispatcher: CollectingDispatcher,
        client: BackendClient,
        tracker: Tracker,
        number: str,
        language: str,
    ) -> List[Dict[str, Any]]:
        passport = normalised_passport(latest_text(tracker))
        if not PASSPORT.match(passport):  # the form checked it; a message from elsewhere is asked again
            return ask_again(number)
        case = await client.case_status(
            number, language, conversation_id=tracker.sender_id, passport_number=passport
        )
        dispatcher.utter_message(text=timeline_text(case, language))
        return clear()

    def refused(
        self, dispatcher: CollectingDispatcher, exc: BackendError, number: str | None, language: str
    ) -> List[Dict[str, Any]]:
        if exc.status == 423 or exc.code == "status_locked":
            dispatcher.utter_message(
                text=message(
                    "locked", language, number=number or "", minutes=minutes(exc.extra.get("retry_after"))
                ),
                buttons=[staff_button(language)],
            )
            return clear()
        if exc.status == 403 or exc.code == "verification_failed":
            attempts = exc.extra.get("attempts_left")
            if isinstance(attempts, int) and attempts <= 0:
                dispatcher.utter_message(
                    text=message("locked", language, number=number or "", minutes=15),
                    buttons=[staff_button(language)],
                )
                return clear()
            if attempts == 1:
                dispatcher.utter_message(text=message("wrong_last", language))
            else:
                dispatcher.utter_message(
                    text=message("wrong", language, attempts=attempts if isinstance(attempts, int) else 2)
                )
            return ask_again(number)
        if exc.code == "verification_required":
            return ask_again(number)
        log.info("status refused: %s", exc.code)
        dispatcher.utter_message(
            text=message("refused", language, problem=exc.message or exc.code),
            buttons=[staff_button(language)],
        )
        return clear()


def minutes(retry_after: Any) -> int:
    try:
        return max(1, math.ceil(float(retry_after) / 60))
    except (TypeError, ValueError):
        return 15


class ValidateStatusForm(FormBase):
    """The status_form's answers: a case number, or a passport number (checked for form only)."""

    form = FORM

    def name(self) -> str:
        return "validate_status_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        if not self.pending(tracker):
            return []
        language = conversation_language(tracker)
        text = latest_text(tracker)
        number = find_case_number(text)
        if number:
            try:
                owned = [
                    str(c["number"]).upper()
                    for c in await BackendClient().conversation_cases(tracker.sender_id, language)
                ]
            except BackendError:
                owned = []  # asked for the passport check; action_check_status reports an outage
            verified = OWNER if number in owned else None
            return [SlotSet(CASE_SLOT, number), SlotSet(VERIFIED_SLOT, verified)]
        if self.other_request(tracker):
            return []  # stop, staff, language: the rules (bot/status.yml)
        if not tracker.get_slot(CASE_SLOT):  # the form is asking for a case number
            dispatcher.utter_message(text=message("not_a_number", language))
            return [SlotSet(CASE_SLOT, None)]
        if PASSPORT.match(normalised_passport(text)):
            return [SlotSet(VERIFIED_SLOT, GIVEN)]  # action_check_status reads it from the message
        dispatcher.utter_message(text=message("passport_format", language))
        return [SlotSet(VERIFIED_SLOT, None)]


class ActionCaseUpdate(Action):
    """A department changed the state of a case this conversation submitted: say what and what next."""

    def name(self) -> str:
        return "action_case_update"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        entities = {
            e.get("entity"): e.get("value")
            for e in (tracker.latest_message or {}).get("entities") or []
            if isinstance(e, Mapping)
        }
        number = str(entities.get("case_number") or "").upper()
        department = str(entities.get("department") or "")
        new_state = str(entities.get("case_state") or "")
        if not number:
            return []
        case: Mapping[str, Any] = {}
        try:
            case = await BackendClient().case_status(number, language, conversation_id=tracker.sender_id)
        except BackendError as exc:  # tell what the notification itself says
            log.info("case update without details: %s", exc.code)
        item = next(
            (
                i
                for i in case.get("items") or []
                if isinstance(i, Mapping) and i.get("department") == department
            ),
            None,
        )
        state = (item or {}).get("state") or new_state
        lines = []
        if department:
            name = department_name(item or {"department": department}, language)
            lines.append(
                message(
                    "update_header",
                    language,
                    number=number,
                    department=name,
                    state=state_name(state, language),
                )
            )
        else:
            lines.append(message("update_case", language, number=number, state=state_name(state, language)))
        timeline = [e for e in (item or {}).get("timeline") or [] if isinstance(e, Mapping)]
        note = str(timeline[-1].get("note") or "").strip() if timeline else ""
        if note:
            lines.append(message("update_note", language, note=note))
        asks = bool(note) and asks_the_applicant(note)
        if asks and state in WAITING_STATES:
            # "Nothing to do for now" would contradict a note that asks for something
            lines.append(message("next_as_noted", language))
        elif state in NEXT_BY_STATE:
            lines.append(message(NEXT_BY_STATE[state], language))
        buttons = [{"title": message("button_status", language), "payload": "/check_status"}]
        if state in ("rejected", "supplement_requested") or asks:
            buttons.append(staff_button(language))
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        if state == "completed" and department:  # the department's item is done: rate it (once)
            return await offer(
                tracker, "item", "completion", language, case_number=number, department=department
            )
        return []
