"""The application form's state machine: one message in, messages and slot changes out.

No rasa-sdk here: `TurnInput` is the message (text, intent, confidence), the slots, the
sender, the channel and the reply language; `Turn.handle()` reads it, talks to the backend
(actions/backend_client.py), collects the messages to send (`Turn.messages`, each
{"text", "buttons"}) and returns the slot changes, or None when the message is left to the
rules (the form is rejected). actions/application/actions.py turns these into rasa-sdk's
`dispatcher.utter_message` and `SlotSet` events.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Awaitable, Callable, Dict, List, Mapping, TypeGuard

from actions.application.commands import (
    CORRECTION_CUE,
    EDIT,
    FREE_TEXT_KINDS,
    NO_ANSWER,
    SUMMARY_COMMANDS,
    command,
    normalise,
    parse_items,
    parse_role,
)
from actions.application.render import group_named, item_names
from actions.application.state import (
    CLOSED,
    CONFIRMED,
    DECLINED,
    ELIGIBILITY_SLOTS,
    FORM,
    ITEMS,
    PHASE,
    ROLE,
    STATE,
    STEP,
    SUBMIT,
    SUMMARY,
    new_state,
    next_step,
)
from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from actions.forms.base import (
    Latest,
    is_elsewhere,
    is_not_an_answer,
    is_other_request,
    is_policy_question,
    offer,
    record_failure,
)
from actions.messages import staff_button
from actions.policy_answer import policy_reply
from knowledge.application import carry_over, catalogue, find_field_mentions, mask, parse_field
from knowledge.application import message as field_message
from knowledge.application.mentions import strip_lead_in
from knowledge.reading import Parsed, new_employer
from texts import scoped

log = logging.getLogger(__name__)

message = scoped("application")  # texts/application.yml

Changes = Dict[str, Any]  # slot name -> new value, in the order they are set
NAVIGATION = ("restart", "back", "items", "role")  # commands that move to another question or phase
UNDERSTOOD = ("date_not_yet",)  # reader codes that explain a situation, not a wrong answer
PHASES = ("resume", "consent", "role", "items", "fields", "summary")  # Turn.handle's handlers


@dataclass(frozen=True)
class TurnInput:
    """What the machine reads of one turn."""

    text: str
    intent: str | None
    confidence: float
    slots: Mapping[str, Any]
    sender: str
    channel: str | None
    # inside the form only an explicit request moves the reply language: answers such as
    # "Anna Maria" or a Chinese address are data (nlu/components/language_detection.resolve)
    language: str
    entities: tuple = ()  # the message's entities (a clicked related-question button's faq_id...)
    said: Latest = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "said", Latest(self.text.strip(), self.intent, float(self.confidence or 0)))


def today() -> date:
    return date.today()


def parsed_ok(parsed: Parsed | None) -> TypeGuard[Parsed]:
    return parsed is not None and parsed.ok and (parsed.value is not None or parsed.skipped)


def problems_text(exc: BackendError) -> str:
    problems = " ".join(str(d.get("message") or "").strip() for d in exc.details if d.get("message"))
    return problems or exc.message or exc.code


def eligibility_answers(slots: Mapping[str, Any], fields: List[str]) -> Dict[str, Any]:
    """The eligibility check's answers for these fields (`carry_over_from` in fields.yml),
    where they are valid here too."""
    slots = {slot: slots.get(slot) for slot in ELIGIBILITY_SLOTS}
    try:
        found = carry_over(slots, today=today())
    except Exception:  # noqa: BLE001 - an eligibility value the form cannot take is simply asked again
        log.exception("carry-over failed")
        return {}
    return {key: value for key, value in found.items() if key in fields}


# --- the turn ------------------------------------------------------------------------------------


class Turn:
    """One message in the application form: reads it, talks to the backend, collects the slot changes."""

    def __init__(self, turn: TurnInput, client: BackendClient) -> None:
        self.input = turn
        self.said = turn.said
        self.client = client
        self.text = turn.said.text
        self.sender = turn.sender
        slots = turn.slots
        self.phase = slots.get(PHASE) or "consent"
        self.step = slots.get(STEP)
        self.items = list(slots.get(ITEMS) or [])
        self.role = slots.get(ROLE)
        summary = slots.get(SUMMARY)
        self.summary: Dict[str, Any] = dict(summary) if isinstance(summary, Mapping) else {}
        self.state = new_state(slots.get(STATE))
        self.confirmed: Any = None
        self.language = turn.language
        self.messages: List[Dict[str, Any]] = []  # {"text", "buttons"}, in the order they are said

    # --- output ---
    def utter(self, text: str, buttons: List[Dict[str, str]] | None = None) -> None:
        self.messages.append({"text": text, "buttons": buttons or []})

    def say(self, key: str, buttons: List[Dict[str, str]] | None = None, **params: Any) -> None:
        self.utter(message(key, self.language, **params), buttons)

    def changes(self) -> Changes:
        """Every slot the form keeps, as this turn leaves it."""
        return {
            CONFIRMED: self.confirmed,
            PHASE: self.phase,
            STEP: self.step,
            ITEMS: self.items or None,
            ROLE: self.role,
            SUMMARY: self.summary or None,
            STATE: self.state,
        }

    def backend_state(self) -> Dict[str, Any]:
        return {
            "phase": self.phase,
            "step": self.step,
            "history": self.state["history"],
            "skipped": self.state["skipped"],
            "failures": self.state["failures"],
        }

    # --- backend ---
    async def save(self, changes: Dict[str, Any]) -> Dict[str, Any] | None:
        """PUT the changes with the dialogue state; the draft view, or None after telling the user."""
        body = {"language": self.language, **changes, "state": self.backend_state()}
        try:
            draft = await self.client.save_draft(self.sender, body, self.language)
        except BackendUnavailable:
            self.say("unavailable_save")
            return None
        except BackendError as exc:
            if exc.status == 409 or exc.code == "consent_required":
                self.say("draft_expired")
                self.reset_to("consent")
                return None
            self.say("refused", problems=problems_text(exc))
            return None
        self.take_draft(draft)
        return draft

    def take_draft(self, draft: Mapping[str, Any]) -> None:
        masked = draft.get("answers_masked")
        if isinstance(masked, Mapping):
            self.summary = dict(masked)
        if draft.get("fields"):
            self.state["fields"] = list(draft["fields"])
        if draft.get("items"):
            self.items = list(draft["items"])
        if draft.get("role"):
            self.role = draft["role"]

    def reset_to(self, phase: str) -> None:
        self.phase, self.step, self.items, self.role, self.summary = phase, None, [], None, {}
        self.state = new_state()

    @property
    def fields(self) -> List[str]:
        if not self.state["fields"] and self.items:
            self.state["fields"] = catalogue().fields_for(self.items, self.role or "worker")
        return self.state["fields"]

    def advance(self) -> None:
        """Move to the first unanswered, unskipped field, or to the summary."""
        self.step = next_step(self.fields, self.summary, self.state["skipped"])
        self.phase = "fields" if self.step else "summary"

    def remember(self, key: str) -> None:
        history = [k for k in self.state["history"] if k != key]
        self.state["history"] = [*history, key]
        self.state["failures"].pop(key, None)

    async def answer_policy_question(self) -> None:
        """A policy question asked instead of an answer: answered as actions/faq.py answers it
        (sourced), then the form's question is asked again (render.question, "after_question");
        nothing entered changes and no failure is counted."""
        reply = await policy_reply(self.client, self.text, self.language, self.input.entities, in_form=True)
        for said in reply.messages:
            self.utter(said["text"], said["buttons"])
        self.state["reask"] = "after_question"

    async def policy_question(self) -> bool:
        """True when the message was a policy question and has been answered."""
        if not is_policy_question(FORM, self.said):
            return False
        await self.answer_policy_question()
        return True

    # --- the phases ---
    async def handle(self) -> Changes | None:
        """The slot events of this turn, or None: left to the rules (the form is rejected)."""
        self.state["reask"] = None
        if self.text.startswith("/ask_policy") and self.phase in PHASES:
            await self.answer_policy_question()  # a related-question button under an answer
            return self.changes()
        if self.text.startswith("/"):
            if is_other_request(FORM, self.said):
                return None
            self.say("already_in_form")  # a button from earlier ("Apply") while the form is open
            return self.changes()
        handlers: Dict[str, Callable[[], Awaitable[Changes | None]]] = {
            "resume": self.on_resume,
            "consent": self.on_consent,
            "role": self.on_role,
            "items": self.on_items,
            "fields": self.on_fields,
            "summary": self.on_summary,
        }
        handler = handlers.get(self.phase)
        if handler is None:  # closed, or a phase this version does not know
            self.confirmed = CLOSED
            return self.changes()
        return await handler()

    async def on_resume(self) -> Changes | None:
        name = command(self.text, ("restart", "continue", "decline"))
        intent = self.said.intent
        if name == "restart":
            return await self.restart()
        if name == "continue" or (intent == "affirm" and not name):
            try:
                draft = await self.client.get_draft(self.sender, self.language)
            except BackendUnavailable:
                self.say("unavailable_save")
                return self.changes()
            if draft is None:
                self.say("draft_expired")
                self.reset_to("consent")
                return self.changes()
            self.resume_from(draft)
            return self.changes()
        if is_other_request(FORM, self.said):
            return None
        if await self.policy_question():
            return self.changes()
        self.say("resume_unclear")
        return self.changes()

    def resume_from(self, draft: Mapping[str, Any]) -> None:
        kept = draft.get("state")
        saved: Mapping[str, Any] = kept if isinstance(kept, Mapping) else {}
        self.state = new_state(saved)
        self.summary = {}
        self.take_draft(draft)
        self.state["fields"] = list(draft.get("fields") or [])
        if not (draft.get("consent") or {}).get("given"):
            self.phase, self.step = "consent", None
        elif not self.role:
            self.phase, self.step = "role", None
        elif not self.items:
            self.phase, self.step = "items", None
        else:
            wanted = saved.get("step")
            if saved.get("phase") == "fields" and wanted in self.fields and wanted not in self.summary:
                self.phase, self.step = "fields", wanted
            else:
                self.advance()

    async def restart(self) -> Changes:
        try:
            await self.client.delete_draft(self.sender, self.language)
        except BackendUnavailable:
            self.say("unavailable_save")
            return self.changes()
        self.say("restarted")
        self.reset_to("consent")
        return self.changes()

    async def on_consent(self) -> Changes | None:
        name = command(self.text, ("decline", "agree"))
        intent, confidence = self.said.intent, self.said.confidence
        if command(self.text, ("show_consent",)):
            self.state["shown"] = [k for k in self.state["shown"] if k != "consent"]
            return self.changes()  # the question shows the whole text again
        if name == "decline" or (intent == "deny" and name is None):
            self.confirmed = DECLINED
            self.reset_to("consent")
            return self.changes()
        if name == "agree" or (intent == "affirm" and name is None and confidence >= 0.5):
            version = catalogue().consent.version
            self.phase = "role"
            channel = self.input.channel
            changes: Dict[str, Any] = {"consent": {"given": True, "version": version}}
            if channel:
                changes["channel"] = channel
            if await self.save(changes) is None:
                self.phase = "consent"
            return self.changes()
        if is_other_request(FORM, self.said):
            return None
        # a policy question is answered; anything else: the question (the one-line reminder
        # with the buttons once the text has been shown) says what is needed
        await self.policy_question()
        return self.changes()

    async def on_role(self) -> Changes | None:
        role = parse_role(self.text)
        if role is None:
            if is_other_request(FORM, self.said):
                return None
            if await self.policy_question():
                return self.changes()
            self.say("role_unclear")
            return self.changes()
        previous = (self.role, self.phase)
        self.role = role
        if self.items and not self.state["fields"]:
            # items named in the message that started the form (ActionApplicationStart), never
            # saved yet: taken as if answered to the items question, which is not asked
            await self.on_items(preset=list(self.items))
            if self.phase == "role":  # not saved: the role question stays
                self.role = previous[0]
            return self.changes()
        self.state["fields"] = catalogue().fields_for(self.items, role) if self.items else []
        if self.items:
            self.advance()
        else:
            self.phase = "items"
        if await self.save({"role": role}) is None:
            self.role, self.phase = previous
        return self.changes()

    async def on_items(self, preset: List[str] | None = None) -> Changes | None:
        items = preset or parse_items(self.text)
        cat = catalogue()
        if not items:
            if is_other_request(FORM, self.said):
                return None
            if await self.policy_question():
                return self.changes()
            self.say("items_unclear")
            return self.changes()
        pairs = cat.conflicts(items)
        if pairs:
            first, second = pairs[0]
            self.utter(
                field_message(
                    "items_conflict_pair",
                    self.language,
                    first=cat.items[first].name,
                    second=cat.items[second].name,
                )
            )
            return self.changes()
        role = self.role or "worker"
        before = (list(self.items), self.phase, self.step, dict(self.state))
        self.items = items
        self.state["fields"] = cat.fields_for(items, role)
        self.advance()
        if await self.save({"items": items, "role": role}) is None:
            self.items, self.phase, self.step, self.state = before
            return self.changes()
        self.state["fields"] = self.state["fields"] or cat.fields_for(items, role)
        lines = "\n".join(f"- {name}" for name in item_names(items, self.language))
        self.say("items_noted", items=lines, count=len(self.fields))
        if "work_permit_new" in items and new_employer(self.text):
            self.say("new_employer")  # not a "change": the old permit is cancelled (policy-facts.md)
        await self.carry_over()
        return self.changes()

    async def carry_over(self) -> None:
        answers = {
            k: v
            for k, v in eligibility_answers(self.input.slots, self.fields).items()
            if self.summary.get(k) in (None, "")
        }
        if not answers:
            self.advance()
            return
        planned = dict(self.summary)
        planned.update(dict.fromkeys(answers, True))
        step_before = self.step
        self.step = next_step(self.fields, planned, self.state["skipped"])
        self.phase = "fields" if self.step else "summary"
        try:
            draft = await self.client.save_draft(
                self.sender, {"answers": answers, "state": self.backend_state()}, self.language
            )
        except BackendError as exc:  # the form simply asks these questions
            log.info("carry-over not saved: %s", exc.code)
            self.step = step_before
            self.advance()
            return
        self.take_draft(draft)
        cat = catalogue()
        labels = ("、" if self.language == "zh" else ", ").join(
            cat.fields[k].label[self.language] for k in answers
        )
        self.say("carried_over", count=len(answers), fields=labels)
        self.advance()

    async def on_fields(self) -> Changes | None:
        if not self.step or self.step not in self.fields:
            self.advance()
            return self.changes()
        name = command(self.text)
        if name in NAVIGATION:
            return await self.navigate(name)
        if name == "keep":
            return await self.keep()
        if name != "skip" and is_other_request(FORM, self.said):
            return None  # "reply in Chinese" is a language switch, not the nationality "Chinese"
        changed = await self.correct_or_edit()
        if changed is not None:
            return changed
        return await self.answer(skip=name == "skip")

    async def on_summary(self) -> Changes | None:
        name = command(self.text, SUMMARY_COMMANDS)
        intent, confidence = self.said.intent, self.said.confidence
        group = group_named(self.text)
        if group is not None:  # "change personal details": that group's answers as buttons
            self.state["reask"] = f"group:{group}"
            return self.changes()
        if command(self.text, ("show_summary",)):
            return self.changes()  # the question is the summary
        if name in NAVIGATION:
            return await self.navigate(name)
        missing = next_step(self.fields, self.summary, self.state["skipped"])
        if missing:  # e.g. the services changed: ask what they need first
            self.advance()
            return self.changes()
        if name == "confirm" or (intent == "affirm" and name is None and confidence >= 0.5):
            self.confirmed = SUBMIT
            return self.changes()
        if is_other_request(FORM, self.said):
            return None
        changed = await self.correct_or_edit()
        if changed is not None:
            return changed
        if is_other_request(FORM, self.said, sure=False):
            return None
        if await self.policy_question():
            return self.changes()
        if intent == "deny" or name == "decline":
            self.say("summary_which")
        else:
            self.say("summary_unclear")
        return self.changes()

    # --- what a message can do with the fields ---
    async def navigate(self, name: str) -> Changes:
        """Start over, back, or back to the role or the items: the same in the fields and the summary."""
        if name == "restart":
            return await self.restart()
        if name == "back":
            return self.go_back()
        self.phase, self.step = name, None  # "items" or "role"
        return self.changes()

    def go_back(self) -> Changes:
        history = [k for k in self.state["history"] if k in self.fields and k != self.step]
        if not history:
            self.say("first_question")
            return self.changes()
        previous = history[-1]
        self.state["history"] = history[:-1]
        self.phase, self.step = "fields", previous
        return self.changes()

    async def keep(self) -> Changes:
        key = self.step
        assert key is not None  # on_fields asks only with a step
        if self.summary.get(key) in (None, "") and key not in self.state["skipped"]:
            self.say("nothing_to_keep")
            return self.changes()
        self.remember(key)
        self.advance()
        await self.save({})
        return self.changes()

    async def correct_or_edit(self) -> Changes | None:
        """A correction of another field named in the message, else a request to edit one
        ("change 3"); None: neither."""
        corrected = await self.corrections()
        if corrected is not None:
            return corrected
        return self.edit_target()

    def edit_target(self) -> Changes | None:
        match = EDIT.match(normalise(self.text))
        if not match:
            return None
        ref = (match.group("ref") or match.group("zh") or "").strip()
        if re.fullmatch(r"\d{1,3}", ref):
            number = int(ref)
            if not 1 <= number <= len(self.fields):
                self.say("edit_unknown")
                return self.changes()
            key = self.fields[number - 1]
        else:
            # Only a field's name ("change phone", "修改手机号"): anything longer may be an answer.
            mentioned = find_field_mentions(ref)
            if not mentioned or len(normalise(ref)) > 40:
                return None
            key = mentioned[0]
        if key not in self.fields:
            self.say("not_in_form", label=catalogue().fields[key].label[self.language])
            return self.changes()
        # The question being asked comes back by itself afterwards: it is still unanswered.
        self.phase, self.step = "fields", key
        self.state["skipped"] = [k for k in self.state["skipped"] if k != key]
        return self.changes()

    async def corrections(self) -> Changes | None:
        """Other fields named in the message with a value that parses: saved, confirmed (masked)."""
        cat = catalogue()
        norm = normalise(self.text)
        found: Dict[str, Any] = {}
        for key in find_field_mentions(self.text):
            if key == self.step or key not in self.fields:
                continue
            spec = cat.fields[key]
            led = strip_lead_in(self.text, spec) != self.text.strip()
            if not led and (spec.kind in FREE_TEXT_KINDS or not CORRECTION_CUE.search(norm)):
                continue
            parsed = parse_field(key, self.text, today=today(), answers=self.known_answers())
            if parsed_ok(parsed) and not parsed.skipped:
                found[key] = parsed.value
        if not found:
            return None
        for key in found:  # not added to the history: "back" still goes to the question asked before
            self.state["failures"].pop(key, None)
            self.state["skipped"] = [k for k in self.state["skipped"] if k != key]
        if self.phase == "summary":
            self.step = None
        if await self.save({"answers": found}) is None:
            return self.changes()
        for key, value in found.items():
            self.say(
                "corrected", label=cat.fields[key].label[self.language], value=mask(key, value, self.language)
            )
        if self.phase == "fields" and self.step and self.summary.get(self.step) not in (None, ""):
            self.advance()
        return self.changes()

    def known_answers(self) -> Dict[str, Any]:
        """Answers the parsers may compare with (contract_end after contract_start...): the
        non-sensitive ones; the backend checks the rest against the real values."""
        cat = catalogue()
        return {k: v for k, v in self.summary.items() if k in cat.fields and not cat.fields[k].sensitive}

    async def answer(self, skip: bool) -> Changes | None:
        key = self.step
        assert key is not None  # on_fields asks only with a step
        spec = catalogue().fields[key]
        parsed = None
        if skip:
            if not spec.optional:
                self.say("cannot_skip", help=spec.help(self.language))
                return self.changes()
        elif spec.optional and spec.kind != "family" and NO_ANSWER.match(normalise(self.text)):
            skip = True  # "Do you have a Chinese name?" - "no"
        elif spec.kind in FREE_TEXT_KINDS and is_not_an_answer(FORM, self.said):
            # a question, a complaint or another request is not a name, an address or an employer
            if await self.policy_question():
                return self.changes()
            self.say("busy")
            return self.changes()
        else:
            parsed = parse_field(key, self.text, today=today(), answers=self.known_answers())
        if skip or (parsed is not None and parsed.skipped):
            if not spec.optional:
                self.say("cannot_skip", help=spec.help(self.language))
                return self.changes()
            return await self.accept(key, None)
        if parsed_ok(parsed):
            return await self.accept(key, parsed.value)
        if is_other_request(FORM, self.said, sure=False):
            return None  # "can I talk to someone": not a wrong answer; asked again after the rules
        if await self.policy_question():
            return self.changes()
        if is_elsewhere(FORM, self.said):
            self.say("busy")  # a question or another service: not counted as a wrong answer
            return self.changes()
        assert parsed is not None  # read above unless skipped
        if parsed.error in UNDERSTOOD:  # "还在韩国，没入境": understood, answered, not a wrong answer
            self.utter(parsed.message(self.language) or message("edit_unknown", self.language))
            return self.changes()
        self.failed(key, parsed.message(self.language) or message("edit_unknown", self.language))
        return self.changes()

    def failed(self, key: str, problem: str) -> None:
        """A wrong answer: explained; at the form's `help_after`th failure with help and a person
        (and skip when the field is optional), after it with the person's button."""
        spec = catalogue().fields[key]
        offered = offer(FORM, record_failure(self.state["failures"], key))
        if offered == "help":
            self.utter(problem)
            buttons = [staff_button(self.language)]
            if spec.optional:
                buttons.insert(
                    0,
                    {
                        "title": message("button_skip", self.language),
                        "payload": message("payload_skip", self.language),
                    },
                )
            self.say("help", buttons=buttons, help=spec.help(self.language))
        elif offered == "person":
            self.utter(problem, [staff_button(self.language)])
        else:
            self.utter(problem)

    async def accept(self, key: str, value: Any) -> Changes:
        """Save one answer (None: skipped) and move on; on a refusal the question stays."""
        before = (self.phase, self.step, new_state(self.state), dict(self.summary))
        self.remember(key)
        if value is None:
            self.state["skipped"] = [*[k for k in self.state["skipped"] if k != key], key]
            planned = {k: v for k, v in self.summary.items() if k != key}
        else:
            self.state["skipped"] = [k for k in self.state["skipped"] if k != key]
            planned = {**self.summary, key: True}
        self.step = next_step(self.fields, planned, self.state["skipped"])
        self.phase = "fields" if self.step else "summary"
        try:
            draft = await self.client.save_draft(
                self.sender, {"answers": {key: value}, "state": self.backend_state()}, self.language
            )
        except BackendUnavailable:
            self.phase, self.step, self.state, self.summary = before
            self.say("unavailable_save")
            return self.changes()
        except BackendError as exc:
            self.phase, self.step, self.state, self.summary = before
            if exc.status == 409 or exc.code == "consent_required":
                self.say("draft_expired")
                self.reset_to("consent")
                return self.changes()
            self.failed(key, message("refused", self.language, problems=problems_text(exc)))
            return self.changes()
        self.take_draft(draft)
        if value is None:
            self.summary.pop(key, None)
        self.advance()
        return self.changes()
