"""check_eligibility: the `eligibility_form` questions and the one-time notification (一次告知).

- `validate_eligibility_form` reads each answer with actions/parsing.py. It accepts an
  answer to the question asked, or to another question named in the message (a
  correction: "sorry, I have 5 years of experience, not 3" / "我工作经验是5年不是3年"),
  and never clears an answer already given. An answer it cannot use is explained (what
  is needed, with an example) in the user's language and the question is asked again.
  A message that answers nothing and is another request ("stop", "talk to staff") is
  left to the rules (the form is rejected for that turn; answers are kept).
- `action_eligibility_result` sends the answers to POST /api/v1/eligibility/assess and
  answers in one message: category, points with breakdown and improvements, unmet
  conditions, materials, deadlines, fees, social-insurance exemption, printable checklist
  link (BACKEND_PUBLIC_URL + checklist_path); then buttons to apply or talk to staff.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from actions.language import conversation_language
from actions.messages import Catalogue, staff_button
from knowledge.eligibility import load_data

log = logging.getLogger(__name__)

FORM = "eligibility_form"
FORM_SLOTS = list(parsing.PARSERS)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# Requests that, when a message answers no question, are left to their rules mid-form
# (bot/eligibility.yml: stop leaves the form; the others are answered, then the question
# is asked again). Anything else that answers nothing is explained like a wrong answer.
OTHER_REQUESTS = {"stop", "request_human", "bot_challenge", "change_language"}
# A "stop" (or other request) the model is unsure of ("old enough" as an age) is read as an answer.
STOP_CONFIDENCE = 0.7
STOP_WORDS = re.compile(r"\b(stop|cancel|quit|exit|abort)\b|算了|取消|退出|停止|不办了|不填了|不想填")

# Every user-facing sentence, whole, in both languages (never glued from fragments).
MESSAGES: Dict[str, Dict[str, str]] = {
    "required": {
        "en": "I need this one to work out your category, so it cannot be skipped. An estimate is fine.",
        "zh": "这一项是评估类别所必需的，不能跳过，填写大概数字即可。",
    },
    "age_number": {
        "en": "Please give your age in whole years, for example \"34\", or your date of birth, for example \"1990-05-12\".",
        "zh": "请填写您的周岁年龄，例如“34”，或出生日期，例如“1990年5月12日”。",
    },
    "age_range": {
        "en": "An age of {age} is not possible for a work permit: the age must be from 16 to 100. Please give your age in whole years, for example \"34\".",
        "zh": "年龄{age}岁无法办理工作许可：年龄须在16至100周岁之间。请填写您的周岁年龄，例如“34”。",
    },
    "birth_future": {
        "en": "That date of birth is in the future. Please check it, or simply give your age, for example \"34\".",
        "zh": "这个出生日期晚于今天，请核对；也可以直接填写年龄，例如“34”。",
    },
    "degree": {
        "en": "Please tell me your highest degree: doctorate (PhD), master's, bachelor's, or below a bachelor's.",
        "zh": "请告诉我您的最高学历：博士、硕士、学士（本科），或本科以下。",
    },
    "experience_number": {
        "en": "Please give your relevant work experience as a number of years, for example \"5 years\" (\"0\" if none).",
        "zh": "请用年数填写您的相关工作经历，例如“5年”（没有请填“0”）。",
    },
    "experience_range": {
        "en": "The years of experience must be a number from 0 to 80, for example \"5 years\".",
        "zh": "工作经历年数须在0至80之间，例如“5年”。",
    },
    "experience_exceeds_age": {
        "en": "{years} years of experience is more than possible at the age of {age} (at most your age minus 14). Please check the number of years, or correct your age.",
        "zh": "{age}岁不可能有{years}年工作经历（最多为年龄减14年）。请核对年数，或更正您的年龄。",
    },
    "salary_number": {
        "en": "Please give the annual salary from your Chinese employer in yuan, for example \"300,000\", \"300k\" or \"30万\"; a monthly figure is fine too (\"25k a month\").",
        "zh": "请填写中国用人单位支付的年薪（元），例如“300000”“30万”；也可以填月薪，例如“月薪2万5”。",
    },
    "salary_negative": {
        "en": "A salary cannot be negative. Please give the annual salary in yuan, for example \"300,000\".",
        "zh": "工资不能为负数。请填写年薪（元），例如“30万”。",
    },
    "salary_too_low": {
        "en": "{amount} yuan a year seems too low to be right. Please give the amount in yuan with its unit, for example \"300,000\", \"300k\" or \"30万\".",
        "zh": "年薪{amount}元似乎不对。请带上单位填写金额，例如“300000元”或“30万”。",
    },
    "salary_too_high": {
        "en": "That salary is above CNY 100 million a year, which cannot be right. Please give the annual salary in yuan, for example \"300,000\".",
        "zh": "年薪超过1亿元，应该有误。请填写年薪（元），例如“30万”。",
    },
    "months_number": {
        "en": "Please give the number of months a year you will work in China, from 0 to 12, for example \"9\".",
        "zh": "请填写每年在华工作的月数（0至12），例如“9”。",
    },
    "months_range": {
        "en": "The months in China per year must be from 0 to 12, for example \"9\".",
        "zh": "每年在华工作月数须在0至12之间，例如“9”。",
    },
    "hsk_level": {
        "en": "Please give your HSK level from 1 to 6, for example \"HSK 4\", or \"none\".",
        "zh": "请填写汉语水平考试（HSK）级别（1至6级），例如“HSK4”或“汉语四级”；没有请填“没有”。",
    },
    "nationality_suggest": {
        "en": "I don't know that country. Did you mean {country}? Please type the country name, for example \"Germany\" or \"DE\".",
        "zh": "没有找到这个国家。您是否指{country}？请输入国家名称，例如“德国”或“DE”。",
    },
    "nationality_unknown": {
        "en": "I don't know that country. Please type the country of your passport, for example \"Germany\" or \"DE\", or \"skip\".",
        "zh": "没有找到这个国家。请输入您护照的签发国家，例如“德国”或“DE”，也可以回答“跳过”。",
    },
    "yes_no": {
        "en": "Please answer yes (you are in China now) or no (you are outside China), or \"skip\".",
        "zh": "请回答“是”（目前在中国境内）或“否”（在境外），也可以回答“跳过”。",
    },
    "noted": {
        "en": "Noted: {field}: {value}.",
        "zh": "已记录：{field}：{value}。",
    },
    "application_type": {
        "en": "Please choose: a new application, an extension, a change (new employer or position) or a cancellation, or \"skip\" for a new application.",
        "zh": "请选择：新办、延期、变更（更换单位或岗位）或注销；也可以回答“跳过”，按新办处理。",
    },
    "corrected": {
        "en": "Thank you, I have changed your answer: {field}: {value}.",
        "zh": "好的，已为您更正：{field}：{value}。",
    },
    # --- the result ---
    "points_line": {
        "en": "Points: {total} (salary {salary}, education {education}, experience {experience}, months in China {months_in_china}, Chinese {chinese}, location {location}, age {age}, extras {extras}, local bonus {local_bonus}). Category A needs {a}, B needs {b}.",
        "zh": "积分：{total}分（工资{salary}、学历{education}、工作经历{experience}、在华工作时间{months_in_china}、汉语水平{chinese}、工作地点{location}、年龄{age}、加分项{extras}、地方加分{local_bonus}）。A类需{a}分，B类需{b}分。",
    },
    "improvements": {"en": "What would raise your points:", "zh": "提高积分的办法："},
    "unmet": {"en": "Conditions not met:", "zh": "尚未满足的条件："},
    "to_confirm": {
        "en": "{count} other conditions (certificates, passport, employer) cannot be checked here; the checklist says what they require.",
        "zh": "另有{count}项条件（证明文件、护照、用人单位等）无法在此核实，具体要求见材料清单。",
    },
    "materials": {"en": "Materials ({count}):", "zh": "所需材料（{count}项）："},
    "deadlines": {"en": "Deadlines:", "zh": "办理时限："},
    "fees": {"en": "Fees:", "zh": "费用："},
    "social_insurance": {"en": "Social insurance:", "zh": "社会保险："},
    "checklist": {
        "en": "Printable checklist with every detail: {url}",
        "zh": "可打印的完整材料清单：{url}",
    },
    "assumptions": {"en": "Assumed:", "zh": "评估假设："},
    "next": {
        "en": "Would you like to start the application with these answers, or talk to a member of staff?",
        "zh": "需要用这些信息直接开始申请，还是转接工作人员？",
    },
    "correction_unclear": {
        "en": "I did not catch which answer to change. Please name it with the new value, for example \"my salary is 400k\" or \"I have 5 years of experience\".",
        "zh": "没能确定您要更改哪一项。请说明项目和新的数值，例如“年薪40万”或“工作经验5年”。",
    },
    "button_apply": {"en": "Start the application", "zh": "开始申请"},
    "backend_down": {
        "en": "Sorry, I cannot work out the result right now because a service is unavailable. Your answers are kept: say \"check eligibility\" again in a few minutes, or talk to a member of staff.",
        "zh": "抱歉，相关服务暂时不可用，现在无法给出评估结果。您的回答已保留，请过几分钟再说“评估条件”，或转接工作人员。",
    },
    "refused": {
        "en": "I could not work out the result with these answers: {problems} Please correct the answer (for example \"I have 5 years of experience\") and say \"check eligibility\" again.",
        "zh": "根据这些回答无法完成评估：{problems}请更正相应回答（例如“我工作经验是5年”），然后再说“评估条件”。",
    },
}

FIELD_NAMES: Dict[str, Dict[str, str]] = {
    "age": {"en": "age", "zh": "年龄"},
    "highest_degree": {"en": "highest degree", "zh": "最高学历"},
    "relevant_experience_years": {"en": "years of relevant experience", "zh": "相关工作经历（年）"},
    "annual_salary_cny": {"en": "annual salary (CNY)", "zh": "年薪（元）"},
    "months_in_china_per_year": {"en": "months in China per year", "zh": "每年在华工作月数"},
    "hsk_level": {"en": "HSK level", "zh": "HSK级别"},
    "nationality": {"en": "nationality", "zh": "国籍"},
    "in_china": {"en": "in China now", "zh": "目前在中国境内"},
    "application_type": {"en": "kind of application", "zh": "申请类型"},
}

VALUE_NAMES: Dict[Any, Dict[str, str]] = {
    "doctorate": {"en": "doctorate", "zh": "博士"},
    "master": {"en": "master's", "zh": "硕士"},
    "bachelor": {"en": "bachelor's", "zh": "学士"},
    "below_bachelor": {"en": "below a bachelor's", "zh": "本科以下"},
    "new": {"en": "new application", "zh": "新办"},
    "extension": {"en": "extension", "zh": "延期"},
    "change": {"en": "change", "zh": "变更"},
    "cancellation": {"en": "cancellation", "zh": "注销"},
    parsing.SKIPPED: {"en": "not given", "zh": "未提供"},
    True: {"en": "yes", "zh": "是"},
    False: {"en": "no", "zh": "否"},
}


message = Catalogue(MESSAGES)


def show_value(slot: str, value: Any, language: str) -> str:
    if slot == "nationality" and isinstance(value, str) and value != parsing.SKIPPED:
        from knowledge.countries import by_code

        country = by_code(value)
        return country.name(language) if country else value
    if isinstance(value, bool) or value in VALUE_NAMES:
        return VALUE_NAMES[value][language]
    return str(value)


def _params(params: Dict[str, Any], language: str) -> Dict[str, Any]:
    return {k: (v.name(language) if hasattr(v, "name") and callable(v.name) else v) for k, v in params.items()}


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        if not answers_pending(tracker):
            return []  # the form is (re)starting or re-asking: nothing new from the user
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        requested = tracker.get_slot("requested_slot")
        language = conversation_language(tracker)
        confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0
        if intent == "stop" and (confidence >= STOP_CONFIDENCE or STOP_WORDS.search(text.casefold())):
            return []  # bot/eligibility.yml leaves the form, keeping the answers
        if intent in OTHER_REQUESTS and (text.startswith("/") or confidence >= STOP_CONFIDENCE):
            return []  # "reply in Chinese" is a language switch, not the nationality "Chinese"

        # Other questions named in the message: corrections ("sorry, I have 5 years of
        # experience, not 3") or extra answers ("34岁，硕士"), each read from its own clauses.
        events: Dict[str, Any] = {}
        by_slot, clauses = parsing.clauses_by_slot(text)
        for slot, clause in by_slot.items():
            if slot == requested:
                continue
            parsed = self.parse(slot, clause, tracker)
            if parsed.ok:
                key = "corrected" if tracker.get_slot(slot) is not None else "noted"
                events[slot] = parsed.value
                dispatcher.utter_message(text=message(
                    key, language, field=FIELD_NAMES[slot][language], value=show_value(slot, parsed.value, language)))
        if requested in FORM_SLOTS:
            answer = text
            if events:  # what is left once the other questions' clauses are taken out
                answer = parsing.without_negated("".join(
                    piece for piece, slots in clauses if not any(slot in events for slot in slots)))
            parsed = self.parse(requested, answer, tracker)
            if parsed.ok:
                events[requested] = parsed.value
            elif events:
                pass  # the message changed other answers only; the question is asked again
            elif intent in OTHER_REQUESTS and intent != "stop" and not parsing.is_skip(text):
                return []  # another request: the rules answer it, the form asks again after
            else:
                explain(dispatcher, parsed, language)
                events[requested] = None
        return [SlotSet(slot, value) for slot, value in events.items()]

    def parse(self, slot: str, text: str, tracker: Tracker) -> parsing.Parsed:
        if slot == "relevant_experience_years":
            return parsing.parse_relevant_experience_years(text, age=tracker.get_slot("age"))
        return parsing.PARSERS[slot](text)

    # The financial-demo shape, one method per question (used by run and by tests).
    def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        parsed = self.parse(slot, str(value), tracker)
        if not parsed.ok:
            explain(dispatcher, parsed, conversation_language(tracker))
            return {slot: None}
        return {slot: parsed.value}

    def validate_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return self._validate("age", value, dispatcher, tracker)

    def validate_highest_degree(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict):
        return self._validate("highest_degree", value, dispatcher, tracker)

    def validate_relevant_experience_years(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                           domain: DomainDict):
        return self._validate("relevant_experience_years", value, dispatcher, tracker)

    def validate_annual_salary_cny(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict):
        return self._validate("annual_salary_cny", value, dispatcher, tracker)

    def validate_months_in_china_per_year(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict):
        return self._validate("months_in_china_per_year", value, dispatcher, tracker)

    def validate_hsk_level(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return self._validate("hsk_level", value, dispatcher, tracker)

    def validate_nationality(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict):
        return self._validate("nationality", value, dispatcher, tracker)

    def validate_application_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict):
        return self._validate("application_type", value, dispatcher, tracker)

    def validate_in_china(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return self._validate("in_china", value, dispatcher, tracker)


def answers_pending(tracker: Tracker) -> bool:
    """True when the latest user message has not been answered by any action yet (Rasa
    logs the form's own run before it calls this validation action)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "action_extract_slots", FORM):
            return False
    return False


def new_message_after_result(tracker: Tracker) -> bool:
    """True when the result action answers a user message (a correction after the result),
    not the form that has just been completed."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "action" and event.get("name") not in ("action_extract_slots",
                                                                          "action_eligibility_result"):
            return event.get("name") == "action_listen"
    return False


def explain(dispatcher: CollectingDispatcher, parsed: parsing.Parsed, language: str) -> None:
    dispatcher.utter_message(text=message(parsed.error or "required", language, **_params(parsed.params, language)))


def assessment_request(tracker: Tracker) -> Dict[str, Any]:
    """The form's answers under the API's field names; skipped answers are left out."""
    answers = {}
    for slot in FORM_SLOTS:
        value = tracker.get_slot(slot)
        if value is not None and value != parsing.SKIPPED:
            answers[slot] = value
    return answers


def _bullets(lines: List[str]) -> List[str]:
    return [f"- {line}" for line in lines if line]


def result_text(result: Dict[str, Any], checklist_url: str, language: str) -> str:
    parts: List[str] = []
    category = result.get("category") or {}
    parts.append(category.get("summary") or category.get("name") or "")
    points = result.get("points") or {}
    breakdown = dict.fromkeys(("salary", "education", "experience", "months_in_china", "chinese", "location", "age",
                              "extras", "local_bonus"), 0)
    breakdown.update(points.get("breakdown") or {})
    # The backend sends the table's thresholds; without them, the active table's (knowledge/points).
    thresholds = {**load_data().table().thresholds, **(points.get("thresholds") or {})}
    parts.append(message("points_line", language, total=points.get("total", 0), a=thresholds["A"],
                         b=thresholds["B"], **breakdown))
    if points.get("improvements"):
        parts.append("\n".join([message("improvements", language), *_bullets(points["improvements"])]))
    if category.get("possibly_higher_text"):
        parts.append(category["possibly_higher_text"])
    conditions = result.get("conditions") or []
    unmet = [c.get("text", "") for c in conditions if c.get("status") == "unmet"]
    if unmet:
        parts.append("\n".join([message("unmet", language), *_bullets(unmet)]))
    unknown = [c for c in conditions if c.get("status") == "unknown"]
    if unknown:
        parts.append(message("to_confirm", language, count=len(unknown)))
    if (result.get("acceptance") or {}).get("text"):
        parts.append(result["acceptance"]["text"])
    materials = result.get("materials") or []
    if materials:
        parts.append("\n".join([message("materials", language, count=len(materials)),
                                *_bullets([m.get("name", "") for m in materials])]))
    if result.get("deadlines"):
        parts.append("\n".join([message("deadlines", language), *_bullets([d.get("text", "") for d in result["deadlines"]])]))
    if result.get("fees"):
        parts.append("\n".join([message("fees", language), *_bullets([f.get("text", "") for f in result["fees"]])]))
    social = result.get("social_insurance") or {}
    if social.get("agreement") and social.get("text"):
        parts.append("\n".join([message("social_insurance", language), social["text"]]))
    if result.get("assumptions"):
        parts.append("\n".join([message("assumptions", language), *_bullets(result["assumptions"])]))
    if checklist_url:
        parts.append(message("checklist", language, url=checklist_url))
    parts.append(message("next", language))
    return "\n\n".join(p for p in parts if p)


class ActionEligibilityResult(Action):
    def name(self) -> str:
        return "action_eligibility_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        language = conversation_language(tracker)
        buttons = [
            {"title": message("button_apply", language), "payload": "/start_application"},
            staff_button(language),
        ]
        events: List[Dict[str, Any]] = []
        if new_message_after_result(tracker):  # a correction after the result: recompute
            text = ((tracker.latest_message or {}).get("text") or "").strip()
            form = ValidateEligibilityForm()
            for slot in parsing.mentioned_slots(text):
                parsed = form.parse(slot, text, tracker)
                if parsed.ok:
                    events.append(SlotSet(slot, parsed.value))
                    tracker.slots[slot] = parsed.value
                    dispatcher.utter_message(text=message(
                        "corrected", language, field=FIELD_NAMES[slot][language],
                        value=show_value(slot, parsed.value, language)))
            if not events:
                dispatcher.utter_message(text=message("correction_unclear", language), buttons=buttons)
                return []
        try:
            result = await BackendClient().assess_eligibility(assessment_request(tracker), language)
        except BackendUnavailable:
            dispatcher.utter_message(text=message("backend_down", language), buttons=buttons[1:])
            return events
        except BackendError as exc:
            log.info("eligibility refused: %s", exc)
            problems = " ".join(d.get("message", "") for d in exc.details) or exc.message
            dispatcher.utter_message(text=message("refused", language, problems=problems + " "), buttons=buttons[1:])
            return events
        base = (os.environ.get("BACKEND_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
        path: str | None = result.get("checklist_path")
        url = f"{base}{path}" if path else ""
        dispatcher.utter_message(text=result_text(result, url, language), buttons=buttons)
        return events
