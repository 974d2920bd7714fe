"""start_application: the merged form (一表申请) in conversation, saved as a draft, submitted once.

The flow lives in one form, `application_form`, whose only required slot is
`application_confirmed`; `validate_application_form` walks the phases itself and the slot
`application_phase` says where it is:

  resume   a saved draft exists: continue where it stopped, or start over (DELETE)
  consent  the consent text (knowledge/application/consent.yml): agree -> PUT consent,
           decline -> the form ends, nothing personal is asked (questions still answered)
  role     the worker, or the employer's HR person filling in for them
  items    the services (free text or buttons): "work permit and residence permit", "全部"
  fields   one question at a time, `application_step` names the field. Every answer is read by
           knowledge.application.parse_field and saved in the backend draft at once (PUT);
           only masked values come back into the conversation (`application_summary`)
  summary  all answers, masked, numbered, with edit buttons and "confirm"

What a message can do in the fields and summary phases, checked in this order:
  commands matched on the whole message, in both languages ("start over", "back", "skip",
  "keep", "change items", and in the summary "confirm"); a stop, staff, bot, language or
  delete-my-data request the model is sure of (left to the rules in bot/application.yml, as
  in the eligibility form); a correction of another field named in the message ("my passport
  number is actually E98765432": the field named at the start, or a correction word and a
  value that parses); "change 3" / "change phone" / "修改3" (edit by number or name); otherwise
  an answer to the current field. A wrong answer is explained with an example; at the second
  wrong answer to the same field the explanation and the offer of a person follow. A question
  or another service asked instead of an answer is pointed to "stop" without counting.
  While fields are asked the reply language is the form's own (application_state.language):
  names, numbers and addresses do not move it; "reply in English" does.

Personal data: raw values exist only in this process during one turn and in the request to
the backend; slots and bot messages carry masked values (knowledge.application.mask).
"""
from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from actions.language import conversation_language
from actions.messages import menu_buttons, staff_button
from knowledge.application import carry_over, catalogue, find_field_mentions, mask, parse_field
from knowledge.application import message as field_message
from knowledge.application.mentions import strip_lead_in
from knowledge.application.messages import day
from knowledge.reading import normalise as read_normalise
from texts import scoped

log = logging.getLogger(__name__)

FORM = "application_form"
CONFIRMED = "application_confirmed"
PHASE = "application_phase"
STEP = "application_step"
ITEMS = "application_items"
ROLE = "application_role"
SUMMARY = "application_summary"
STATE = "application_state"
POSITION_SLOTS = (PHASE, STEP, ITEMS, ROLE, SUMMARY, STATE)

# application_confirmed: what ends the form (action_application_submit reads it)
SUBMIT, DECLINED, CLOSED = True, "declined", "closed"

# Eligibility answers offered to the form (docs/application.md, "Eligibility carry-over").
ELIGIBILITY_SLOTS = ("age", "highest_degree", "nationality", "relevant_experience_years", "annual_salary_cny",
                     "application_type", "in_china")
SKIPPED_ELIGIBILITY = "skipped"

# Requests that, when a message answers nothing, are left to the rules (bot/application.yml).
OTHER_REQUESTS = {"stop", "request_human", "bot_challenge", "change_language", "delete_my_data"}
STOP_CONFIDENCE = 0.7
STOP_WORDS = re.compile(r"\b(stop|cancel|quit|exit|abort|pause)\b|算了|取消|退出|停止|不办了|不填了|不想填|暂停")
# Requests for something else that, when they are not an answer, are pointed to "stop".
ELSEWHERE = {"ask_policy", "check_eligibility", "check_status", "start_application", "give_feedback", "ask_help"}
HELP_AFTER = 2  # failed attempts at one field before the explanation and a person are offered
MAX_STATUS_ITEMS = 9

# --- recognising commands: the whole message, in either language ----------------------------
_EN_PRE = r"(?:(?:ok(?:ay)?|yes|please|pls|let'?s|i (?:want|would like|'d like) to|can we|could we)\s+)*"
_EN_POST = r"(?:\s+(?:please|pls|now|it|this|this one|this question|the question))*"
_ZH_PRE = r"(?:好的|好|请|我要|我想|麻烦)?"
_ZH_POST = r"(?:吧|一下|了|吗)?"


def _command(en: str, zh: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{_EN_PRE}(?:{en}){_EN_POST}|{_ZH_PRE}(?:{zh}){_ZH_POST})$")


COMMANDS: Dict[str, re.Pattern[str]] = {
    "restart": _command(
        r"start (?:all )?over|start again|start from scratch|restart|begin again|start a new (?:one|form|application)"
        r"|discard (?:it|the draft|my draft|the form|the application|everything)|new form|clear (?:the form|everything)",
        r"重新开始|重新填写|重新填|重来|从头开始|从头再来|放弃草稿|删除草稿|清空重填"),
    "back": _command(
        r"(?:go )?back|previous(?: question| one)?|(?:go )?back to the (?:previous|last) (?:question|one)"
        r"|the (?:previous|last) question|undo",
        r"上一步|上一题|上一个|返回|返回上一题|返回上一步|回到上一题|退回|后退"),
    "skip": _command(
        r"skip|pass|skip (?:it|this|that)|next|next question|no thanks|i'?d rather not say|prefer not to say"
        r"|leave (?:it|this) (?:blank|empty)",
        r"跳过|略过|下一题|不填|不想填这个|不方便透露|留空"),
    "keep": _command(
        r"keep|keep (?:it|the answer|my answer|the old answer)|no change|unchanged|leave it as it is|it'?s fine",
        r"保留|保留原答案|不改|不用改|维持原样|保持不变"),
    "confirm": _command(
        r"confirm|submit|confirm and submit|send|send it|yes,? (?:submit|confirm|send)(?: it)?|all correct|"
        r"everything is correct|looks good|that'?s (?:all )?(?:right|correct)|correct|yes|yep|yeah|sure|ok|okay",
        r"确认|提交|确认提交|确认无误|没问题|正确|对|是的|可以|好的|好|提交吧"),
    "continue": _command(
        r"continue|resume|carry on|go on|go ahead|continue (?:where i left off|my application|the application|the form)"
        r"|yes|yep|sure|ok|okay",
        r"继续|继续填写|继续填|接着填|接着来|继续申请|是|是的|好|好的|可以"),
    "items": _command(
        r"change (?:the |my )?(?:items|services|service|what i apply for)|choose (?:other|different) (?:items|services)"
        r"|add (?:an? )?(?:item|service)",
        r"修改事项|更改事项|修改申请事项|重新选择事项|改事项|增加事项|添加事项"),
    "role": _command(r"change (?:the |my )?role", r"修改身份|更改身份"),
    "agree": _command(r"i agree|agree|i consent|consent|accept|i accept|yes,? i agree|agreed|yes|yep|sure|ok|okay",
                      r"同意|我同意|接受|同意并继续|是|是的|好|好的|可以"),
    "decline": _command(r"i (?:do not|don't) agree|disagree|decline|i decline|no|nope|no,? i (?:do not|don't) agree"
                        r"|i (?:do not|don't) consent|reject|refuse",
                        r"不同意|我不同意|拒绝|不接受|不要|不"),
}
EDIT = re.compile(
    r"^(?:(?:please|pls|i want to|i'd like to|can i|let me)\s+)?(?:change|edit|correct|fix|modify|update|redo)\s+"
    r"(?:(?:no\.?|number|item|question|#)\s*)?(?P<ref>.+?)(?:\s+please)?$"
    r"|^(?:请|我要|我想)?(?:修改|更改|更正|改一下|改)\s*(?:第)?\s*(?P<zh>.+?)\s*(?:项|条|题)?$")
CORRECTION_CUE = re.compile(
    r"\b(actually|sorry|wrong|mistake|typo|correction|not|instead|changed?|correct(?:ed|ion)?|update[ds]?|really)\b"
    r"|其实|应该|不是|更正|改成|改为|错了|写错|搞错|弄错|更改|修改|换成|变成")
NO_ANSWER = re.compile(r"^(?:no|nope|none|no i don'?t|i don'?t have (?:one|it|any)|not applicable|没有|无|没|不需要|没有的)$")
# Kinds whose parser accepts almost any text: a correction needs the field named at the start.
FREE_TEXT_KINDS = {"text", "address", "name", "chinese_name", "family"}

# --- the items and the role, from free text or buttons --------------------------------------
# The services and kinds and their synonyms are data: knowledge/application/items.yml
# (`services`, `kinds`), compiled once by the catalogue; a new item or synonym is a data edit.
# "all" when no service is named: "all", "everything", "the whole package", "全部", "都办".
ALL_ITEMS = re.compile(r"\b(?:all|everything|every service|whole package)\b|全部|所有|都要|都办|全都|一起办")
CONJUNCTIONS = re.compile(r"\s*(?:,|;|/|\+|&|\band\b|\bplus\b|\bas well as\b|\balso\b|\bwith\b|、|，|；|和|及|以及|还有|与|跟|加上|并且|同时)\s*")
ROLE_HR = re.compile(r"\bhr\b|human resources?|personnel|employer|company|on behalf|for (?:my|our|an?) (?:employee|staff|"
                     r"worker|colleague|new hire|candidate)|recruit|人事|人力|单位|公司|雇主|代办|代理|经办|代为|代填|"
                     r"[代为替帮](?:员工|外籍员工|同事|申请人)")
ROLE_WORKER = re.compile(r"worker|employee|myself|\bme\b|for me\b|\bi am (?:the|an?) (?:applicant|foreigner)|applicant|"
                         r"my own|本人|自己|我自己|员工|申请人|外籍人员|外国人|个人")

# --- every sentence the form says itself, whole, in both languages -----------------------------
message = scoped("application")  # texts/application.yml


# --- helpers -------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """A whole message as a command is matched: folded, one space, no punctuation at the ends."""
    return read_normalise(text, trim_punctuation=True)


FIELD_COMMANDS = ("restart", "back", "skip", "keep", "items", "role")
SUMMARY_COMMANDS = ("restart", "back", "items", "role", "confirm", "decline")


def command(text: str, names: tuple = FIELD_COMMANDS) -> str | None:
    """The command a whole message is, among `names` (the first that matches), if any."""
    norm = normalise(text)
    if not norm or len(norm) > 80:
        return None
    return next((name for name in names if COMMANDS[name].match(norm)), None)


def is_command(text: str, name: str) -> bool:
    norm = normalise(text)
    return bool(norm) and len(norm) <= 80 and bool(COMMANDS[name].match(norm))


def parse_role(text: str) -> str | None:
    norm = normalise(text)
    if not norm or len(norm) > 300:
        return None
    if ROLE_HR.search(norm):
        return "hr"
    if ROLE_WORKER.search(norm):
        return "worker"
    return None


def parse_items(text: str) -> List[str]:
    """Item keys named in a message: "work permit and residence permit" -> both new;
    "工作许可延期" -> work_permit_extension; "all" / "全部" -> every service, new."""
    norm = normalise(text)
    if not norm or len(norm) > 500:
        return []
    cat = catalogue()
    kinds_in_text = [kind for kind, pattern in cat.kinds.items() if pattern.search(norm)]
    chosen: Dict[str, List[str]] = {}
    for segment in CONJUNCTIONS.split(norm):
        kinds = [kind for kind, pattern in cat.kinds.items() if pattern.search(segment)]
        for key, service in cat.services.items():
            if service.pattern.search(segment):
                if len(kinds_in_text) == 1:
                    kind = kinds_in_text[0]
                else:
                    kind = kinds[0] if len(kinds) == 1 else service.default_kind
                if kind not in chosen.setdefault(key, []):
                    chosen[key].append(kind)  # two kinds of one service: reported as a conflict
    if not chosen and ALL_ITEMS.search(norm):
        chosen = {key: [kinds_in_text[0] if len(kinds_in_text) == 1 else service.default_kind]
                  for key, service in cat.services.items()}
    return _item_keys(chosen)


def _item_keys(chosen: Mapping[str, List[str]]) -> List[str]:
    """Service -> kinds named, as item keys in catalogue order (a one-variant service: its item)."""
    cat = catalogue()
    keys = [cat.item_for(service, kind) for service, kinds in chosen.items() for kind in kinds]
    order = list(cat.items)
    return sorted(dict.fromkeys(k for k in keys if k in cat.items), key=order.index)


def item_names(items: List[str], language: str) -> List[str]:
    cat = catalogue()
    return [cat.items[key].name[language] for key in items if key in cat.items]


def show_value(value: Any, language: str) -> str:
    """An answer from the draft view (already masked and written out by the backend)."""
    if value is None or value == "":
        return message("not_given", language)
    return str(value)


def answers_pending(tracker: Tracker, form: str = FORM) -> bool:
    """True when the latest user message has not been answered by any action yet (Rasa logs
    the form's own run before it calls the validation action)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "action_extract_slots", form):
            return False
    return False


def is_external(tracker: Tracker) -> bool:
    """An intent triggered by the backend (EXTERNAL_case_update), not typed by the user."""
    return str(latest_intent(tracker)[0] or "").startswith("EXTERNAL_")


def latest_text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0)


def is_other_request(tracker: Tracker, sure: bool = True) -> bool:
    """A stop, staff request, bot question, language switch or deletion the model is sure of
    (`sure=False`, once the message has failed as an answer: any confidence, except for stop
    and deletion, which are only taken when sure)."""
    intent, confidence = latest_intent(tracker)
    text = latest_text(tracker)
    if intent == "stop":
        return confidence >= STOP_CONFIDENCE or bool(STOP_WORDS.search(text.casefold()))
    if intent not in OTHER_REQUESTS:
        return False
    return text.startswith("/") or confidence >= STOP_CONFIDENCE or (not sure and intent != "delete_my_data")


def new_state(state: Any = None) -> Dict[str, Any]:
    """The non-personal dialogue state: field keys, counts and the time the draft was saved."""
    state = dict(state or {}) if isinstance(state, Mapping) else {}
    return {
        "fields": [str(k) for k in state.get("fields") or []],
        "history": [str(k) for k in state.get("history") or []],
        "skipped": [str(k) for k in state.get("skipped") or []],
        "failures": {str(k): int(v) for k, v in dict(state.get("failures") or {}).items() if str(v).isdigit()},
        "saved": state.get("saved") if isinstance(state.get("saved"), str) else None,
    }


def next_step(fields: List[str], answered: Mapping[str, Any], skipped: List[str]) -> str | None:
    for key in fields:
        if answered.get(key) in (None, "") and key not in skipped:
            return key
    return None


def today() -> date:
    return date.today()


def parsed_ok(parsed: Any) -> bool:
    return parsed is not None and parsed.ok and (parsed.value is not None or parsed.skipped)


def problems_text(exc: BackendError) -> str:
    problems = " ".join(str(d.get("message") or "").strip() for d in exc.details if d.get("message"))
    return problems or exc.message or exc.code


def eligibility_answers(tracker: Tracker, fields: List[str]) -> Dict[str, Any]:
    """The eligibility check's answers for these fields (`carry_over_from` in fields.yml),
    where they are valid here too."""
    slots = {slot: tracker.get_slot(slot) for slot in ELIGIBILITY_SLOTS}
    try:
        found = carry_over(slots, today=today())
    except Exception:  # noqa: BLE001 - an eligibility value the form cannot take is simply asked again
        log.exception("carry-over failed")
        return {}
    return {key: value for key, value in found.items() if key in fields}


# --- the turn ------------------------------------------------------------------------------------

class Turn:
    """One message in the application form: reads it, talks to the backend, collects the slot changes."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, client: BackendClient) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.client = client
        self.text = latest_text(tracker)
        self.sender = tracker.sender_id
        self.phase = tracker.get_slot(PHASE) or "consent"
        self.step = tracker.get_slot(STEP)
        self.items = list(tracker.get_slot(ITEMS) or [])
        self.role = tracker.get_slot(ROLE)
        summary = tracker.get_slot(SUMMARY)
        self.summary: Dict[str, Any] = dict(summary) if isinstance(summary, Mapping) else {}
        self.state = new_state(tracker.get_slot(STATE))
        self.confirmed: Any = None
        # inside the form only an explicit request moves the reply language: answers such as
        # "Anna Maria" or a Chinese address are data (nlu/components/language_detection.resolve)
        self.language = conversation_language(tracker)

    # --- output ---
    def say(self, key: str, buttons: List[Dict[str, str]] | None = None, **params: Any) -> None:
        self.dispatcher.utter_message(text=message(key, self.language, **params), buttons=buttons or [])

    def events(self) -> List[Dict[str, Any]]:
        events = [SlotSet(CONFIRMED, self.confirmed), SlotSet(PHASE, self.phase), SlotSet(STEP, self.step),
                  SlotSet(ITEMS, self.items or None), SlotSet(ROLE, self.role),
                  SlotSet(SUMMARY, self.summary or None), SlotSet(STATE, self.state)]
        return events

    def backend_state(self) -> Dict[str, Any]:
        return {"phase": self.phase, "step": self.step, "history": self.state["history"],
                "skipped": self.state["skipped"], "failures": self.state["failures"]}

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

    # --- the phases ---
    async def handle(self) -> List[Dict[str, Any]] | None:
        """The slot events of this turn, or None: left to the rules (the form is rejected)."""
        if self.text.startswith("/"):
            if is_other_request(self.tracker):
                return None
            self.say("already_in_form")  # a button from earlier ("Apply") while the form is open
            return self.events()
        handler = {
            "resume": self.on_resume, "consent": self.on_consent, "role": self.on_role, "items": self.on_items,
            "fields": self.on_fields, "summary": self.on_summary,
        }.get(self.phase)
        if handler is None:  # closed, or a phase this version does not know
            self.confirmed = CLOSED
            return self.events()
        return await handler()

    async def on_resume(self) -> List[Dict[str, Any]] | None:
        name = command(self.text, ("restart", "continue", "decline"))
        intent, _ = latest_intent(self.tracker)
        if name == "restart":
            return await self.restart()
        if name == "continue" or (intent == "affirm" and not name):
            try:
                draft = await self.client.get_draft(self.sender, self.language)
            except BackendUnavailable:
                self.say("unavailable_save")
                return self.events()
            if draft is None:
                self.say("draft_expired")
                self.reset_to("consent")
                return self.events()
            self.resume_from(draft)
            return self.events()
        if is_other_request(self.tracker):
            return None
        self.say("resume_unclear")
        return self.events()

    def resume_from(self, draft: Mapping[str, Any]) -> None:
        saved = draft.get("state") if isinstance(draft.get("state"), Mapping) else {}
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

    async def restart(self) -> List[Dict[str, Any]]:
        try:
            await self.client.delete_draft(self.sender, self.language)
        except BackendUnavailable:
            self.say("unavailable_save")
            return self.events()
        self.say("restarted")
        self.reset_to("consent")
        return self.events()

    async def on_consent(self) -> List[Dict[str, Any]] | None:
        name = command(self.text, ("decline", "agree"))
        intent, confidence = latest_intent(self.tracker)
        if name == "decline" or (intent == "deny" and name is None):
            self.confirmed = DECLINED
            self.reset_to("consent")
            return self.events()
        if name == "agree" or (intent == "affirm" and name is None and confidence >= 0.5):
            version = catalogue().consent.version
            self.phase = "role"
            channel = self.tracker.get_latest_input_channel()
            changes: Dict[str, Any] = {"consent": {"given": True, "version": version}}
            if channel:
                changes["channel"] = channel
            if await self.save(changes) is None:
                self.phase = "consent"
            return self.events()
        if is_other_request(self.tracker):
            return None
        self.say("consent_unclear")
        return self.events()

    async def on_role(self) -> List[Dict[str, Any]] | None:
        role = parse_role(self.text)
        if role is None:
            if is_other_request(self.tracker):
                return None
            self.say("role_unclear")
            return self.events()
        previous = (self.role, self.phase)
        self.role = role
        self.state["fields"] = catalogue().fields_for(self.items, role) if self.items else []
        if self.items:
            self.advance()
        else:
            self.phase = "items"
        if await self.save({"role": role}) is None:
            self.role, self.phase = previous
        return self.events()

    async def on_items(self) -> List[Dict[str, Any]] | None:
        items = parse_items(self.text)
        cat = catalogue()
        if not items:
            if is_other_request(self.tracker):
                return None
            self.say("items_unclear")
            return self.events()
        pairs = cat.conflicts(items)
        if pairs:
            first, second = pairs[0]
            self.dispatcher.utter_message(text=field_message(
                "items_conflict_pair", self.language, first=cat.items[first].name, second=cat.items[second].name))
            return self.events()
        role = self.role or "worker"
        before = (list(self.items), self.phase, self.step, dict(self.state))
        self.items = items
        self.state["fields"] = cat.fields_for(items, role)
        self.advance()
        if await self.save({"items": items, "role": role}) is None:
            self.items, self.phase, self.step, self.state = before
            return self.events()
        self.state["fields"] = self.state["fields"] or cat.fields_for(items, role)
        lines = "\n".join(f"- {name}" for name in item_names(items, self.language))
        self.say("items_noted", items=lines, count=len(self.fields))
        await self.carry_over()
        return self.events()

    async def carry_over(self) -> None:
        answers = {k: v for k, v in eligibility_answers(self.tracker, self.fields).items()
                   if self.summary.get(k) in (None, "")}
        if not answers:
            self.advance()
            return
        planned = dict(self.summary)
        planned.update(dict.fromkeys(answers, True))
        step_before = self.step
        self.step = next_step(self.fields, planned, self.state["skipped"])
        self.phase = "fields" if self.step else "summary"
        try:
            draft = await self.client.save_draft(self.sender, {"answers": answers, "state": self.backend_state()},
                                                 self.language)
        except BackendError as exc:  # the form simply asks these questions
            log.info("carry-over not saved: %s", exc.code)
            self.step = step_before
            self.advance()
            return
        self.take_draft(draft)
        cat = catalogue()
        labels = ("、" if self.language == "zh" else ", ").join(cat.fields[k].label[self.language] for k in answers)
        self.say("carried_over", count=len(answers), fields=labels)
        self.advance()

    async def on_fields(self) -> List[Dict[str, Any]] | None:
        if not self.step or self.step not in self.fields:
            self.advance()
            return self.events()
        name = command(self.text)
        if name == "restart":
            return await self.restart()
        if name == "back":
            return self.go_back()
        if name == "keep":
            return await self.keep()
        if name == "items":
            self.phase, self.step = "items", None
            return self.events()
        if name == "role":
            self.phase, self.step = "role", None
            return self.events()
        if name != "skip" and is_other_request(self.tracker):
            return None  # "reply in Chinese" is a language switch, not the nationality "Chinese"
        corrected = await self.corrections()
        if corrected is not None:
            return corrected
        edited = self.edit_target()
        if edited:
            return edited
        return await self.answer(skip=name == "skip")

    async def on_summary(self) -> List[Dict[str, Any]] | None:
        name = command(self.text, SUMMARY_COMMANDS)
        intent, confidence = latest_intent(self.tracker)
        if name == "restart":
            return await self.restart()
        if name == "items":
            self.phase, self.step = "items", None
            return self.events()
        if name == "role":
            self.phase, self.step = "role", None
            return self.events()
        if name == "back":
            return self.go_back()
        missing = next_step(self.fields, self.summary, self.state["skipped"])
        if missing:  # e.g. the services changed: ask what they need first
            self.advance()
            return self.events()
        if name == "confirm" or (intent == "affirm" and name is None and confidence >= 0.5):
            self.confirmed = SUBMIT
            return self.events()
        if is_other_request(self.tracker):
            return None
        corrected = await self.corrections()
        if corrected is not None:
            return corrected
        edited = self.edit_target()
        if edited:
            return edited
        if is_other_request(self.tracker, sure=False):
            return None
        if intent == "deny" or name == "decline":
            self.say("summary_which")
        else:
            self.say("summary_unclear")
        return self.events()

    # --- what a message can do with the fields ---
    def go_back(self) -> List[Dict[str, Any]]:
        history = [k for k in self.state["history"] if k in self.fields and k != self.step]
        if not history:
            self.say("first_question")
            return self.events()
        previous = history[-1]
        self.state["history"] = history[:-1]
        self.phase, self.step = "fields", previous
        return self.events()

    async def keep(self) -> List[Dict[str, Any]]:
        key = self.step
        if self.summary.get(key) in (None, "") and key not in self.state["skipped"]:
            self.say("nothing_to_keep")
            return self.events()
        self.remember(key)
        self.advance()
        await self.save({})
        return self.events()

    def edit_target(self) -> List[Dict[str, Any]] | None:
        match = EDIT.match(normalise(self.text))
        if not match:
            return None
        ref = (match.group("ref") or match.group("zh") or "").strip()
        if re.fullmatch(r"\d{1,3}", ref):
            number = int(ref)
            if not 1 <= number <= len(self.fields):
                self.say("edit_unknown")
                return self.events()
            key = self.fields[number - 1]
        else:
            # Only a field's name ("change phone", "修改手机号"): anything longer may be an answer.
            mentioned = find_field_mentions(ref)
            if not mentioned or len(normalise(ref)) > 40:
                return None
            key = mentioned[0]
        if key not in self.fields:
            self.say("not_in_form", label=catalogue().fields[key].label[self.language])
            return self.events()
        # The question being asked comes back by itself afterwards: it is still unanswered.
        self.phase, self.step = "fields", key
        self.state["skipped"] = [k for k in self.state["skipped"] if k != key]
        return self.events()

    async def corrections(self) -> List[Dict[str, Any]] | None:
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
            return self.events()
        for key, value in found.items():
            self.say("corrected", label=cat.fields[key].label[self.language],
                     value=mask(key, value, self.language))
        if self.phase == "fields" and self.step and self.summary.get(self.step) not in (None, ""):
            self.advance()
        return self.events()

    def known_answers(self) -> Dict[str, Any]:
        """Answers the parsers may compare with (contract_end after contract_start...): the
        non-sensitive ones; the backend checks the rest against the real values."""
        cat = catalogue()
        return {k: v for k, v in self.summary.items() if k in cat.fields and not cat.fields[k].sensitive}

    async def answer(self, skip: bool) -> List[Dict[str, Any]] | None:
        key = self.step
        spec = catalogue().fields[key]
        parsed = None
        if skip:
            if not spec.optional:
                self.say("cannot_skip", help=spec.help(self.language))
                return self.events()
        elif spec.optional and spec.kind != "family" and NO_ANSWER.match(normalise(self.text)):
            skip = True  # "Do you have a Chinese name?" - "no"
        else:
            parsed = parse_field(key, self.text, today=today(), answers=self.known_answers())
        if skip or (parsed is not None and parsed.skipped):
            if not spec.optional:
                self.say("cannot_skip", help=spec.help(self.language))
                return self.events()
            return await self.accept(key, None)
        if parsed_ok(parsed):
            return await self.accept(key, parsed.value)
        if is_other_request(self.tracker, sure=False):
            return None  # "can I talk to someone": not a wrong answer; asked again after the rules
        intent, confidence = latest_intent(self.tracker)
        if intent in ELSEWHERE and confidence >= STOP_CONFIDENCE:
            self.say("busy")  # a question or another service: not counted as a wrong answer
            return self.events()
        self.failed(key, parsed.message(self.language) or message("edit_unknown", self.language))
        return self.events()

    def failed(self, key: str, problem: str) -> None:
        count = int(self.state["failures"].get(key, 0)) + 1
        self.state["failures"][key] = count
        spec = catalogue().fields[key]
        if count == HELP_AFTER:
            self.dispatcher.utter_message(text=problem)
            buttons = [staff_button(self.language)]
            if spec.optional:
                buttons.insert(0, {"title": message("button_skip", self.language),
                                   "payload": message("payload_skip", self.language)})
            self.say("help", buttons=buttons, help=spec.help(self.language))
        elif count > HELP_AFTER:
            self.dispatcher.utter_message(text=problem, buttons=[staff_button(self.language)])
        else:
            self.dispatcher.utter_message(text=problem)

    async def accept(self, key: str, value: Any) -> List[Dict[str, Any]]:
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
                self.sender, {"answers": {key: value}, "state": self.backend_state()}, self.language)
        except BackendUnavailable:
            self.phase, self.step, self.state, self.summary = before
            self.say("unavailable_save")
            return self.events()
        except BackendError as exc:
            self.phase, self.step, self.state, self.summary = before
            if exc.status == 409 or exc.code == "consent_required":
                self.say("draft_expired")
                self.reset_to("consent")
                return self.events()
            self.failed(key, message("refused", self.language, problems=problems_text(exc)))
            return self.events()
        self.take_draft(draft)
        if value is None:
            self.summary.pop(key, None)
        self.advance()
        return self.events()


class ValidateApplicationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_application_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        if tracker.get_slot(PHASE) == "closed" and tracker.get_slot(CONFIRMED) is None:
            return [SlotSet(CONFIRMED, CLOSED)]  # the backend was down at the start: end the form
        if not answers_pending(tracker):
            return []  # the form is starting or asking again: nothing new from the user
        if is_external(tracker):
            return []  # a case update pushed by the backend: its rule answers, then the form asks again
        turn = Turn(dispatcher, tracker, BackendClient())
        events = await turn.handle()
        return [] if events is None else events


class ActionApplicationStart(Action):
    """Resume offer when a draft is saved, else the consent; then the form takes over."""

    def name(self) -> str:
        return "action_application_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        events = [SlotSet(CONFIRMED, None), SlotSet(STEP, None), SlotSet(ITEMS, None), SlotSet(ROLE, None),
                  SlotSet(SUMMARY, None), SlotSet(STATE, None)]
        try:
            draft = await BackendClient().get_draft(tracker.sender_id, language)
        except BackendError as exc:
            log.info("draft lookup failed: %s", exc.code)
            dispatcher.utter_message(text=message("unavailable_start", language), buttons=[staff_button(language)])
            return [*events, SlotSet(PHASE, "closed")]
        if draft is None:
            return [*events, SlotSet(PHASE, "consent")]
        saved = draft.get("state") if isinstance(draft.get("state"), Mapping) else {}
        state = new_state(saved)
        state["fields"] = list(draft.get("fields") or [])
        state["saved"] = str(draft.get("updated_at") or "") or None
        return [SlotSet(CONFIRMED, None), SlotSet(PHASE, "resume"), SlotSet(STEP, None),
                SlotSet(ITEMS, list(draft.get("items") or []) or None), SlotSet(ROLE, draft.get("role")),
                SlotSet(SUMMARY, dict(draft.get("answers_masked") or {}) or None), SlotSet(STATE, state)]


class ActionAskApplicationConfirmed(Action):
    """The form's question: the current phase's prompt, the field's question, or the summary."""

    def name(self) -> str:
        return "action_ask_application_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        phase = tracker.get_slot(PHASE) or "consent"
        items = list(tracker.get_slot(ITEMS) or [])
        summary = tracker.get_slot(SUMMARY) or {}
        state = new_state(tracker.get_slot(STATE))
        role = tracker.get_slot(ROLE) or "worker"
        fields = state["fields"] or (catalogue().fields_for(items, role) if items else [])

        def button(key: str, **params: Any) -> Dict[str, str]:
            return {"title": message(f"button_{key}", language, **params),
                    "payload": message(f"payload_{key}", language, **params)}

        if phase == "resume":
            answered = sum(1 for k in fields if summary.get(k) not in (None, ""))
            if items:
                text = message("resume", language, items="; ".join(item_names(items, language)), answered=answered,
                               total=len(fields), saved=self.saved_at(tracker, language))
            else:
                text = message("resume_no_items", language)
            dispatcher.utter_message(text=text, buttons=[button("continue"), button("restart")])
        elif phase == "consent":
            text = "\n\n".join([catalogue().consent.text(language), message("consent_question", language)])
            dispatcher.utter_message(text=text, buttons=[button("agree"), button("decline")])
        elif phase == "role":
            dispatcher.utter_message(text=message("ask_role", language), buttons=[button("worker"), button("hr")])
        elif phase == "items":
            dispatcher.utter_message(text=message("ask_items", language),
                                     buttons=[button("wp_rp"), button("wp_rp_extension"), button("all")])
        elif phase == "fields":
            step = tracker.get_slot(STEP)
            if step in catalogue().fields:
                self.ask_field(dispatcher, step, fields, summary, state, role, language)
        elif phase == "summary":
            dispatcher.utter_message(**summary_message(items, role, fields, summary, state, language))
        return []

    @staticmethod
    def saved_at(tracker: Tracker, language: str) -> str:
        saved = new_state(tracker.get_slot(STATE))["saved"] or ""
        try:
            return day(date.fromisoformat(saved[:10]), language)
        except ValueError:
            return day(date.today(), language)

    @staticmethod
    def ask_field(dispatcher: CollectingDispatcher, step: str, fields: List[str], summary: Mapping[str, Any],
                  state: Mapping[str, Any], role: str, language: str) -> None:
        spec = catalogue().fields[step]
        lines = []
        if step in fields:
            lines.append(message("progress", language, number=fields.index(step) + 1, total=len(fields)))
        lines.append(spec.question_for(role, language))
        buttons: List[Dict[str, str]] = []
        for choice in (spec.choices.values() if spec.kind in ("gender", "choice") else []):
            buttons.append({"title": choice.label[language], "payload": choice.label[language]})
        current = summary.get(step)
        if current not in (None, "") or step in state.get("skipped", []):
            lines.append(message("current_answer", language, value=show_value(current, language)))
            buttons.append({"title": message("button_keep", language), "payload": message("payload_keep", language)})
        elif spec.optional:
            buttons.append({"title": message("button_skip", language), "payload": message("payload_skip", language)})
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)


def summary_message(items: List[str], role: str, fields: List[str], summary: Mapping[str, Any],
                    state: Mapping[str, Any], language: str) -> Dict[str, Any]:
    cat = catalogue()
    lines = [message("summary_intro", language),
             message("summary_items", language, items="; ".join(item_names(items, language))),
             message("summary_role_hr" if role == "hr" else "summary_role_worker", language)]
    buttons = [{"title": message("button_confirm", language), "payload": message("payload_confirm", language)}]
    for number, key in enumerate(fields, start=1):
        label = cat.fields[key].label[language]
        lines.append(message("summary_line", language, number=number, label=label,
                             value=show_value(summary.get(key), language)))
        buttons.append({"title": message("button_edit", language, number=number, label=label),
                        "payload": message("payload_edit", language, number=number)})
    buttons.append({"title": message("button_items", language), "payload": message("payload_items", language)})
    buttons.append({"title": message("button_restart", language), "payload": message("payload_restart", language)})
    lines.append(message("summary_help", language))
    return {"text": "\n".join(lines), "buttons": buttons}


def _bullets(lines: List[str]) -> List[str]:
    return [f"- {line}" for line in lines if line]


def case_text(case: Mapping[str, Any], language: str) -> str:
    """The answer to a submission: number, departments, next steps, materials, deadlines, savings."""
    cat = catalogue()
    parts = [message("submitted", language, number=case.get("number", ""))]
    if case.get("is_test"):
        parts.append(message("submitted_test", language))
    items = [i for i in case.get("items") or [] if isinstance(i, Mapping)]
    if case.get("joint_review"):
        names = ("、" if language == "zh" else "; ").join(department_name(i, language) for i in items)
        parts.append(message("joint_review", language, departments=names))
    elif items:
        lines = [message("department_line", language, department=department_name(i, language),
                         items=("、" if language == "zh" else "; ").join(
                             item_names([s for s in i.get("services") or [] if s in cat.items], language)))
                 for i in items]
        parts.append("\n".join([message("departments", language), *_bullets(lines)]))
    if case.get("next_steps"):
        parts.append("\n".join([message("next_steps", language), *_bullets([str(s) for s in case["next_steps"]])]))
    materials = [m for m in case.get("materials") or [] if m]
    if materials:
        names = [str(m.get("name") or m.get("id") or "") if isinstance(m, Mapping) else str(m) for m in materials]
        parts.append("\n".join([message("materials", language, count=len(names)), *_bullets(names)]))
    if case.get("deadlines"):
        deadlines = [str(d.get("text") or "") if isinstance(d, Mapping) else str(d) for d in case["deadlines"]]
        parts.append("\n".join([message("deadlines", language), *_bullets(deadlines)]))
    savings = case.get("savings")
    if isinstance(savings, Mapping) and all(k in savings for k in ("fields_once", "fields_separately",
                                                                    "materials_once", "materials_separately")):
        parts.append(field_message("savings", language, **{k: savings[k] for k in (
            "fields_once", "fields_separately", "materials_once", "materials_separately")}))
    parts.append(message("status_hint", language))
    return "\n\n".join(p for p in parts if p)


def department_name(item: Mapping[str, Any], language: str) -> str:
    department = catalogue().departments.get(str(item.get("department")))
    if department is not None:
        return department.name[language]
    return str(item.get("department_name") or item.get("department") or "")


class ActionApplicationSubmit(Action):
    """The form is complete: submit (POST .../submit), or close after a declined consent."""

    def name(self) -> str:
        return "action_application_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        confirmed = tracker.get_slot(CONFIRMED)
        clear = [SlotSet(CONFIRMED, None), SlotSet(PHASE, None), SlotSet(STEP, None), SlotSet(ITEMS, None),
                 SlotSet(ROLE, None), SlotSet(SUMMARY, None), SlotSet(STATE, None)]
        if confirmed == DECLINED:
            dispatcher.utter_message(text=message("declined", language),
                                     buttons=[{"title": t, "payload": p} for t, p in menu_buttons(language)])
            return clear
        if confirmed is not True:
            return [SlotSet(CONFIRMED, None)]  # closed: the start already said why
        try:
            case = await BackendClient().submit_draft(tracker.sender_id, language)
        except BackendUnavailable:
            dispatcher.utter_message(text=message("submit_unavailable", language), buttons=[staff_button(language)])
            return [SlotSet(CONFIRMED, None), SlotSet(PHASE, "summary"), SlotSet(STEP, None), ActiveLoop(FORM)]
        except BackendError as exc:
            log.info("submission refused: %s", exc.code)
            if exc.status == 404 or exc.code in ("no_draft", "consent_required"):
                dispatcher.utter_message(text=message("draft_expired", language))
                return [*clear, SlotSet(PHASE, "consent"), ActiveLoop(FORM)]
            dispatcher.utter_message(text=message("submit_refused", language, problems=problems_text(exc) + " "))
            refused = [str(d.get("field")) for d in exc.details if d.get("field")]
            state = new_state(tracker.get_slot(STATE))
            summary = dict(tracker.get_slot(SUMMARY) or {})
            for key in refused:
                summary.pop(key, None)
            step = next((k for k in state["fields"] if k in refused), None) or next_step(
                state["fields"], summary, state["skipped"])
            return [SlotSet(CONFIRMED, None), SlotSet(PHASE, "fields" if step else "summary"), SlotSet(STEP, step),
                    SlotSet(SUMMARY, summary or None), ActiveLoop(FORM)]
        dispatcher.utter_message(text=case_text(case, language), buttons=[
            {"title": message("button_status", language), "payload": "/check_status"}])
        return clear


class ActionDeleteMyData(Action):
    """"Delete my data": the unfinished application (the draft) is deleted at once."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        client = BackendClient()
        try:  # the backend answers DELETE with 204 either way: ask first, to say the right thing
            deleted = await client.get_draft(tracker.sender_id, language) is not None
            if deleted:
                await client.delete_draft(tracker.sender_id, language)
        except BackendError as exc:
            log.info("draft deletion failed: %s", exc.code)
            dispatcher.utter_message(text=message("delete_unavailable", language), buttons=[staff_button(language)])
            return []
        dispatcher.utter_message(text=message("deleted" if deleted else "nothing_to_delete", language))
        return [SlotSet(CONFIRMED, None), SlotSet(PHASE, None), SlotSet(STEP, None), SlotSet(ITEMS, None),
                SlotSet(ROLE, None), SlotSet(SUMMARY, None), SlotSet(STATE, None)]
