"""The eligibility form's answer parsers and `validate_eligibility_form`, on tracker fixtures.

Every example answer of issue 4 in both languages, the invalid values (explained in the
user's language, every other answer kept), corrections of an earlier answer, and the
result action's message and outage handling with a stubbed backend client.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import eligibility, parsing
from actions.backend_client import BackendError, BackendUnavailable
from actions.eligibility import ActionEligibilityResult, ValidateEligibilityForm, result_text

TODAY = date(2026, 11, 23)


# --- parsers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("三十万", 300_000),
        ("30w", 300_000),
        ("300k RMB", 300_000),
        ("about 25 wan a year", 250_000),
        ("月薪2万5", 300_000),
        ("25k per month", 300_000),
        ("annual salary 360,000", 360_000),
        ("1.2 million per year", 1_200_000),
        ("年薪35万", 350_000),
        ("450000", 450_000),
        ("二十五万元", 250_000),
    ],
)
def test_salary(text, value):
    assert parsing.parse_annual_salary_cny(text).value == value


@pytest.mark.parametrize(
    "text, error",
    [
        ("-5000", "salary_negative"),
        ("负10万", "salary_negative"),
        ("999999999999", "salary_too_high"),
        ("30", "salary_too_low"),
        ("quite a lot", "salary_number"),
        ("不知道", "required"),
    ],
)
def test_salary_invalid(text, error):
    assert parsing.parse_annual_salary_cny(text).error == error


@pytest.mark.parametrize(
    "text, value",
    [
        ("I'm 34", 34),
        ("34", 34),
        ("三十四岁", 34),
        ("我34岁", 34),
        ("1990年5月出生", 36),
        ("born 12 May 1988", 38),
        ("1990-05-12", 36),
        ("1990年12月1日出生", 35),
        ("age 41", 41),
    ],
)
def test_age(text, value):
    assert parsing.parse_age(text, today=TODAY).value == value


@pytest.mark.parametrize(
    "text, error",
    [
        ("7", "age_range"),
        ("200", "age_range"),
        ("2030年1月出生", "birth_future"),
        ("born 3 March 2027", "birth_future"),
        ("old enough", "age_number"),
        ("34.5", "age_range"),
        ("skip", "required"),
    ],
)
def test_age_invalid(text, error):
    assert parsing.parse_age(text, today=TODAY).error == error


@pytest.mark.parametrize(
    "text, value",
    [
        ("硕士", "master"),
        ("master's", "master"),
        ("PhD", "doctorate"),
        ("博士", "doctorate"),
        ("本科", "bachelor"),
        ("bachelor's", "bachelor"),
        ("master degree from tsinghua", "master"),
        ("大专", "below_bachelor"),
        ("below bachelor's", "below_bachelor"),
        ("high school only", "below_bachelor"),
        ("研究生", "master"),
    ],
)
def test_degree(text, value):
    assert parsing.parse_highest_degree(text).value == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("HSK5", 5),
        ("HSK 5", 5),
        ("汉语五级", 5),
        ("hsk level 4", 4),
        ("none", 0),
        ("没有", 0),
        ("no HSK", 0),
        ("I don't know", 0),
        ("不知道", 0),
        ("HSK6级", 6),
        ("HSK 7", 6),
    ],
)
def test_hsk(text, value):
    assert parsing.parse_hsk_level(text).value == value


def test_hsk_invalid():
    assert parsing.parse_hsk_level("fluent").error == "hsk_level"


@pytest.mark.parametrize(
    "text, value",
    [
        ("德国", "DE"),
        ("Germany", "DE"),
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("I'm German", "DE"),
        ("德国人", "DE"),
        ("from the US", "US"),
        ("我是日本人", "JP"),
        ("nationality: spain", "ES"),
        ("skip", parsing.SKIPPED),
        ("不知道", parsing.SKIPPED),
        ("I don't know", parsing.SKIPPED),
    ],
)
def test_nationality(text, value):
    assert parsing.parse_nationality(text).value == value


def test_nationality_unknown_suggests():
    parsed = parsing.parse_nationality("Germny")
    assert parsed.error == "nationality_suggest" and parsed.params["country"].alpha_2 == "DE"
    assert parsing.parse_nationality("Xyzzyland").error == "nationality_unknown"


@pytest.mark.parametrize(
    "text, value",
    [
        ("5", 5),
        ("五年", 5),
        ("5 years", 5),
        ("sorry, I have 5 years of experience, not 3", 5),
        ("我工作经验是5年不是3年", 5),
        ("18 months", 1.5),
        ("none", 0),
        ("没有", 0),
        ("十二年", 12),
    ],
)
def test_experience(text, value):
    assert parsing.parse_relevant_experience_years(text).value == value


def test_experience_invalid():
    assert parsing.parse_relevant_experience_years("a lot").error == "experience_number"
    assert parsing.parse_relevant_experience_years("-2").error == "experience_range"
    assert parsing.parse_relevant_experience_years("30", age=30).error == "experience_exceeds_age"


@pytest.mark.parametrize(
    "text, value",
    [
        ("6", 6),
        ("9 months", 9),
        ("9个月", 9),
        ("半年", 6),
        ("all year", 12),
        ("全年", 12),
        ("12个月", 12),
    ],
)
def test_months(text, value):
    assert parsing.parse_months_in_china_per_year(text).value == value


def test_months_invalid():
    assert parsing.parse_months_in_china_per_year("13").error == "months_range"
    assert parsing.parse_months_in_china_per_year("often").error == "months_number"


@pytest.mark.parametrize(
    "text, value",
    [
        ("yes", True),
        ("yes, I'm in China", True),
        ("在", True),
        ("我目前在境内", True),
        ("no", False),
        ("no, I'm outside China", False),
        ("不在", False),
        ("我目前在境外", False),
        ("skip", parsing.SKIPPED),
        ("跳过", parsing.SKIPPED),
    ],
)
def test_in_china(text, value):
    assert parsing.parse_in_china(text).value == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("new application", "new"),
        ("extension", "extension"),
        ("change of employer", "new"),  # a new employer is a new application (policy-facts.md)
        ("permit cancellation", "cancellation"),
        ("新办", "new"),
        ("延期", "extension"),
        ("续签", "extension"),
        ("变更", "change"),
        ("注销", "cancellation"),
        ("skip", parsing.SKIPPED),
        ("跳过", parsing.SKIPPED),
    ],
)
def test_application_type(text, value):
    assert parsing.parse_application_type(text).value == value


def test_application_type_invalid_is_explained_in_chinese():
    messages, slots = validate(make_tracker("随便", "zh", requested="application_type", slots={"age": 34}))
    assert slots == {"application_type": None} and "新办、延期、变更" in messages[0]


@pytest.mark.parametrize(
    "text, value",
    [
        ("三十万", 300_000),
        ("2万5", 25_000),
        ("十二", 12),
        ("一百零五", 105),
        ("1.5万", 15_000),
        ("三千五", 3_500),
    ],
)
def test_cn_number(text, value):
    assert parsing.cn_number(text) == value


# --- validate_eligibility_form ---------------------------------------------------------------


def make_tracker(
    text: str,
    language: str = "en",
    *,
    requested: str | None = "age",
    intent: str = "inform",
    slots: Dict[str, Any] | None = None,
) -> Tracker:
    all_slots = dict.fromkeys(eligibility.FORM_SLOTS)
    all_slots.update(slots or {})
    all_slots.update({"language": language, "requested_slot": requested})
    return Tracker(
        sender_id="test-user",
        slots=all_slots,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.99},
            "entities": [],
            "language": {"language": language, "reason": "script"},
        },
        events=[
            {"event": "slot", "name": "language", "value": language},
            {"event": "user", "text": text},
            {"event": "action", "name": "action_extract_slots"},
            {"event": "action", "name": "eligibility_form"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": "eligibility_form"},
        latest_action_name="action_listen",
    )


def validate(tracker: Tracker) -> tuple[List[str], Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateEligibilityForm().run(dispatcher, tracker, {}))
    return [m.get("text") or "" for m in dispatcher.messages], {e["name"]: e["value"] for e in events}


@pytest.mark.parametrize(
    "requested, text, language, value",
    [
        ("age", "I'm 34", "en", 34),
        ("age", "1990年5月出生", "zh", None),  # age from a date: checked below
        ("highest_degree", "硕士", "zh", "master"),
        ("highest_degree", "PhD", "en", "doctorate"),
        ("annual_salary_cny", "30w", "en", 300_000),
        ("annual_salary_cny", "三十万", "zh", 300_000),
        ("annual_salary_cny", "about 25 wan a year", "en", 250_000),
        ("annual_salary_cny", "月薪2万5", "zh", 300_000),
        ("hsk_level", "HSK5", "en", 5),
        ("hsk_level", "汉语五级", "zh", 5),
        ("nationality", "德国", "zh", "DE"),
        ("nationality", "Germany", "en", "DE"),
        ("nationality", "DE", "en", "DE"),
        ("nationality", "skip", "en", parsing.SKIPPED),
        ("in_china", "不知道", "zh", parsing.SKIPPED),
    ],
)
def test_answers_fill_the_requested_slot(requested, text, language, value):
    messages, slots = validate(make_tracker(text, language, requested=requested))
    assert messages == []
    if value is None:
        assert slots[requested] >= 35
    else:
        assert slots == {requested: value}


@pytest.mark.parametrize(
    "requested, text, language, expected",
    [
        ("age", "7", "en", "from 16 to 100"),
        ("age", "200", "zh", "16至100周岁"),
        ("age", "2030年5月出生", "zh", "出生日期晚于今天"),
        ("age", "old enough", "en", 'for example "34"'),
        ("annual_salary_cny", "-5000", "en", "cannot be negative"),
        ("annual_salary_cny", "999999999999", "zh", "超过1亿元"),
        ("annual_salary_cny", "a good salary", "en", 'for example "300,000"'),
        ("nationality", "Germny", "en", "Did you mean Germany?"),
        ("nationality", "德过国", "zh", "您是否指德国"),
        ("relevant_experience_years", "many", "zh", "例如“5年”"),
        ("hsk_level", "fluent", "en", "HSK 4"),
        ("age", "I don't know", "en", "cannot be skipped"),
        ("age", "不知道", "zh", "不能跳过"),
    ],
)
def test_invalid_answers_are_explained_and_nothing_else_is_lost(requested, text, language, expected):
    given = (
        {"highest_degree": "master", "hsk_level": 5}
        if requested == "age"
        else {"age": 34, "highest_degree": "master"}
    )
    messages, slots = validate(make_tracker(text, language, requested=requested, slots=given))
    assert slots == {requested: None}  # asked again; the answers already given are untouched
    assert len(messages) == 1 and expected in messages[0]


def test_unknown_country_with_no_close_name():
    messages, slots = validate(make_tracker("Xyzzyland", requested="nationality"))
    assert slots == {"nationality": None} and 'for example "Germany"' in messages[0]


@pytest.mark.parametrize(
    "text, language",
    [
        ("sorry, I have 5 years of experience, not 3", "en"),
        ("我工作经验是5年不是3年", "zh"),
    ],
)
def test_correction_of_an_earlier_answer_keeps_the_others(text, language):
    given = {"age": 34, "highest_degree": "master", "relevant_experience_years": 3}
    messages, slots = validate(make_tracker(text, language, requested="annual_salary_cny", slots=given))
    assert slots == {"relevant_experience_years": 5}  # salary still to be asked; age and degree untouched
    assert ("changed your answer" if language == "en" else "已为您更正") in messages[0]


def test_correction_of_age_while_nationality_is_asked():
    messages, slots = validate(
        make_tracker("actually my age is 36", requested="nationality", slots={"age": 34})
    )
    assert slots == {"age": 36}


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("34岁，硕士", "zh", {"age": 34, "highest_degree": "master"}),
        ("I'm 34 with a master's degree", "en", {"age": 34, "highest_degree": "master"}),
        (
            "34岁，硕士，5年经验",
            "zh",
            {"age": 34, "highest_degree": "master", "relevant_experience_years": 5},
        ),
        ("born 12 May 1988, PhD", "en", {"age": 38, "highest_degree": "doctorate"}),
    ],
)
def test_several_answers_in_one_message(monkeypatch, text, language, expected):
    monkeypatch.setattr(parsing, "date", type("D", (date,), {"today": staticmethod(lambda: TODAY)}))
    messages, slots = validate(make_tracker(text, language, requested="age"))
    assert slots == expected
    assert all(("Noted" in m or "已记录" in m) for m in messages)


def test_correction_does_not_answer_a_yes_no_question():
    messages, slots = validate(
        make_tracker(
            "sorry, I have 5 years of experience, not 3",
            requested="in_china",
            slots={"age": 34, "relevant_experience_years": 3},
        )
    )
    assert slots == {"relevant_experience_years": 5}


def test_salary_with_thousands_separator_is_one_answer():
    assert validate(make_tracker("annual salary 360,000", requested="annual_salary_cny"))[1] == {
        "annual_salary_cny": 360_000
    }


def test_experience_beyond_age_is_refused():
    messages, slots = validate(
        make_tracker("30 years", requested="relevant_experience_years", slots={"age": 30})
    )
    assert slots == {"relevant_experience_years": None} and "at the age of 30" in messages[0]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("stop", "stop"),
        ("算了", "stop"),
        ("/request_human", "request_human"),
        ("talk to a person", "request_human"),
    ],
)
def test_other_requests_are_left_to_the_rules(text, intent):
    messages, slots = validate(make_tracker(text, requested="hsk_level", intent=intent, slots={"age": 34}))
    assert slots == {} and messages == []


def test_a_language_switch_is_not_a_nationality():
    messages, slots = validate(
        make_tracker("reply in Chinese", requested="nationality", intent="change_language")
    )
    assert slots == {} and messages == []


def test_an_unsure_stop_is_a_wrong_answer():
    tracker = make_tracker("old enough", intent="stop")
    tracker.latest_message["intent"]["confidence"] = 0.56
    messages, slots = validate(tracker)
    assert slots == {"age": None} and 'for example "34"' in messages[0]


def test_no_validation_when_the_form_asks():
    tracker = make_tracker("I'm 34")
    tracker.events.append({"event": "action", "name": "utter_eligibility_intro"})
    assert validate(tracker) == ([], {})


def test_validate_methods_follow_the_financial_demo_shape():
    form = ValidateEligibilityForm()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("x", "zh")
    assert form.validate_annual_salary_cny("三十万", dispatcher, tracker, {}) == {
        "annual_salary_cny": 300_000
    }
    assert form.validate_age("7", dispatcher, tracker, {}) == {"age": None}
    assert "16至100" in dispatcher.messages[0]["text"]


# --- action_eligibility_result ------------------------------------------------------------------

RESULT = {
    "category": {"code": "B", "summary": "You are assessed as Category B.", "possibly_higher_text": None},
    "points": {
        "total": 67,
        "breakdown": {
            "salary": 14,
            "education": 15,
            "experience": 8,
            "months_in_china": 10,
            "chinese": 5,
            "location": 0,
            "age": 15,
            "extras": 0,
            "local_bonus": 0,
        },
        "thresholds": {"A": 85, "B": 60},
        "improvements": ["A salary of CNY 350,000 or more scores 17."],
    },
    "conditions": [
        {"id": "age_minimum", "status": "met", "text": "ok"},
        {"id": "passport", "status": "unknown", "text": "?"},
    ],
    "materials": [{"id": "passport", "name": "Passport"}],
    "deadlines": [{"id": "d", "text": "Apply within 30 days of entry."}],
    "fees": [{"id": "f", "text": "The work permit is free of charge."}],
    "social_insurance": {"agreement": True, "text": "Under the China-Germany agreement you can be exempt."},
    "checklist_path": "/checklist?age=34&lang=en",
}


class StubClient:
    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome
        self.sent: Dict[str, Any] | None = None

    async def assess_eligibility(self, answers, language):
        self.sent = answers
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def run_result(monkeypatch, outcome: Any, language: str = "en") -> tuple[List[dict], StubClient]:
    stub = StubClient(outcome)
    monkeypatch.setattr(eligibility, "BackendClient", lambda: stub)
    monkeypatch.setenv("BACKEND_PUBLIC_URL", "https://elig.example.cn/")
    slots = {
        "age": 34,
        "highest_degree": "master",
        "relevant_experience_years": 5,
        "annual_salary_cny": 300_000,
        "months_in_china_per_year": 6,
        "hsk_level": 5,
        "nationality": "DE",
        "in_china": parsing.SKIPPED,
        "application_type": parsing.SKIPPED,
    }
    tracker = make_tracker("no", language, requested=None, slots=slots)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionEligibilityResult().run(dispatcher, tracker, {}))
    assert events == []  # the answers are kept
    return dispatcher.messages, stub


def test_result_is_one_message_with_everything(monkeypatch):
    messages, stub = run_result(monkeypatch, RESULT)
    assert stub.sent == {
        "age": 34,
        "highest_degree": "master",
        "relevant_experience_years": 5,
        "annual_salary_cny": 300_000,
        "months_in_china_per_year": 6,
        "hsk_level": 5,
        "nationality": "DE",
    }  # skipped answers are left out
    assert len(messages) == 1
    text = messages[0]["text"]
    for part in (
        "Category B",
        "Points: 67 (salary 14",
        "CNY 350,000",
        "Passport",
        "30 days",
        "free of charge",
        "China-Germany",
        "https://elig.example.cn/checklist?age=34&lang=en",
        "1 other conditions",
    ):
        assert part in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/start_application", "/request_human"]


def test_result_in_chinese(monkeypatch):
    messages, _ = run_result(monkeypatch, RESULT, "zh")
    assert "积分：67分" in messages[0]["text"] and "可打印的完整材料清单" in messages[0]["text"]


def test_backend_outage_is_explained_and_answers_kept(monkeypatch):
    messages, _ = run_result(monkeypatch, BackendUnavailable("unreachable"), "zh")
    assert "服务暂时不可用" in messages[0]["text"] and "回答已保留" in messages[0]["text"]


def test_backend_refusal_names_the_problem(monkeypatch):
    refusal = BackendError(
        "eligibility_invalid",
        "invalid",
        422,
        [{"field": "relevant_experience_years", "message": "The experience exceeds the age."}],
    )
    messages, _ = run_result(monkeypatch, refusal)
    assert "The experience exceeds the age." in messages[0]["text"]


def test_result_text_without_optional_parts():
    text = result_text({"category": {"summary": "C."}, "points": {"total": 10}}, "", "en")
    assert text.startswith("C.") and "Points: 10" in text


def after_result(text: str, language: str = "en") -> Tracker:
    slots = {
        "age": 34,
        "highest_degree": "master",
        "relevant_experience_years": 3,
        "annual_salary_cny": 300_000,
        "months_in_china_per_year": 6,
        "hsk_level": 5,
        "nationality": "DE",
        "in_china": False,
    }
    tracker = make_tracker(text, language, requested=None, slots=slots)
    tracker.events[:] = [
        {"event": "action", "name": "action_eligibility_result"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "action", "name": "action_extract_slots"},
    ]
    return tracker


@pytest.mark.parametrize(
    "text, language", [("sorry, I have 5 years of experience, not 3", "en"), ("我工作经验是5年不是3年", "zh")]
)
def test_correction_after_the_result_recomputes_it(monkeypatch, text, language):
    stub = StubClient(RESULT)
    monkeypatch.setattr(eligibility, "BackendClient", lambda: stub)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionEligibilityResult().run(dispatcher, after_result(text, language), {}))
    assert [(e["name"], e["value"]) for e in events] == [("relevant_experience_years", 5)]
    assert stub.sent["relevant_experience_years"] == 5 and stub.sent["annual_salary_cny"] == 300_000
    assert len(dispatcher.messages) == 2  # the change confirmed, then the new result


def test_unclear_message_after_the_result_asks_which_answer(monkeypatch):
    stub = StubClient(RESULT)
    monkeypatch.setattr(eligibility, "BackendClient", lambda: stub)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionEligibilityResult().run(dispatcher, after_result("42"), {}))
    assert events == [] and stub.sent is None
    assert "which answer to change" in dispatcher.messages[0]["text"]


# --- buttons send what they say (issue 12: "HSK 1-2" sent HSK 2) --------------------------------
def _ask_buttons():
    from pathlib import Path

    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    for slot in parsing.PARSERS:
        for variant in domain["responses"].get(f"utter_ask_{slot}", []):
            for button in variant.get("buttons") or []:
                yield slot, button["title"], button["payload"]


@pytest.mark.parametrize("slot, title, payload", list(_ask_buttons()))
def test_every_eligibility_button_sends_what_its_title_says(slot, title, payload):
    import re as _re

    parsed = parsing.PARSERS[slot](payload)
    assert parsed.ok, (title, payload)
    numbers = {int(n) for n in _re.findall(r"\d+", title)}
    if numbers and isinstance(parsed.value, int) and not isinstance(parsed.value, bool):
        assert numbers == {parsed.value}, (title, parsed.value)
    if _re.search(r"employer|单位", title):  # a new employer is a new application (policy-facts.md)
        assert parsed.value == "new", (title, parsed.value)


@pytest.mark.parametrize(
    "text",
    ["I changed my employer", "new employer", "switching jobs", "我换单位了", "跳槽了", "更换用人单位"],
)
def test_a_new_employer_is_a_new_application_not_a_change(text):
    parsed = parsing.parse_application_type(text)
    assert parsed.value == "new" and parsed.params.get("new_employer")


@pytest.mark.parametrize("text", ["change of position", "变更", "change my passport number"])
def test_a_change_with_the_same_employer_stays_a_change(text):
    assert parsing.parse_application_type(text).value == "change"
