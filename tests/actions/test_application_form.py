"""The application form (actions/application.py) on tracker fixtures, against an in-memory backend.

Conversations run through the actions as Rasa runs them (tests/actions/fakes.py: start, the
form's validation and question per message, the submission): the happy path for one item and
for all items in both languages, the eligibility carry-over, corrections, "back", "skip",
invalid and hostile values for every kind of field, help after two failed attempts, stop and
resume (also "tomorrow", with fresh slots), start over, edits in the summary, backend outages,
and that no raw passport number, phone, e-mail or date of birth ever reaches a slot or a bot
message (while the backend does receive them).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import application
from actions.application import ActionDeleteMyData, command, parse_items, parse_role
from knowledge.application import catalogue
from tests.actions.fakes import Dialogue, FakeBackend

# A valid answer for every field (en), as a user would type it.
VALID: Dict[str, str] = {
    "surname": "Schmidt",
    "given_names": "Anna Maria",
    "chinese_name": "施安娜",
    "gender": "female",
    "date_of_birth": "1990-05-12",
    "nationality": "Germany",
    "passport_number": "E12345678",
    "passport_expiry": "2031-03-01",
    "email": "anna.schmidt@example.com",
    "phone": "13812345678",
    "address_in_china": "Room 1203, Building 5, 88 Wusi Road, Gulou District, Fuzhou",
    "date_of_entry": "2026-11-03",
    "current_work_permit_number": "156320240012345678",
    "employer_name": "Fuzhou Example Technology Co. Ltd.",
    "employer_uscc": "91350100M000100Y43",
    "employer_contact": "Li Ming, 0591-87654321",
    "position": "Senior Software Engineer",
    "work_city": "Xiamen",
    "contract_start": "2027-01-01",
    "contract_end": "2028-12-31",
    "annual_salary_cny": "300k",
    "highest_degree": "master's",
    "institution": "Technical University of Munich",
    "graduation_year": "2015",
    "relevant_experience_years": "6 years",
    "family_members": "spouse, Max Schmidt, Germany, 1989-02-01",
}
VALID_ZH = {
    **VALID,
    "gender": "女",
    "date_of_birth": "1990年5月12日",
    "nationality": "德国",
    "annual_salary_cny": "三十万",
    "highest_degree": "硕士",
    "address_in_china": "福州市鼓楼区五四路88号5号楼1203室",
    "employer_name": "福州示例科技有限公司",
    "position": "高级软件工程师",
    "work_city": "厦门",
    "relevant_experience_years": "6年",
    "family_members": "无",
    "institution": "慕尼黑工业大学",
    "graduation_year": "2015年",
}
RAW_SENSITIVE = (
    "E12345678",
    "13812345678",
    "anna.schmidt@example.com",
    "1990-05-12",
    "1990年5月12日",
    "E98765432",
    "13912345678",
    "156320240012345678",
    "Max Schmidt",
    "1989-02-01",
)


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


def texts(messages: List[Dict[str, Any]]) -> str:
    return Dialogue.text(messages)


def payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def fill(dialogue: Dialogue, answers: Dict[str, str], stop_at: str | None = None) -> None:
    """Answer every question the form asks until the summary (or until `stop_at` is asked)."""
    for _ in range(40):
        if dialogue.slots["application_phase"] != "fields":
            return
        step = dialogue.slots["application_step"]
        if step == stop_at:
            return
        dialogue.say(answers[step])
        assert not dialogue.rejected
    raise AssertionError("the form did not reach the summary")


def begin(
    dialogue: Dialogue, items_text: str, role_text: str = "I am the worker", language: str = "en"
) -> None:
    dialogue.start("I want to apply" if language == "en" else "我要申请")
    dialogue.say("I agree" if language == "en" else "同意", intent="affirm")
    dialogue.say(role_text)
    dialogue.say(items_text, intent="ask_policy")


def assert_nothing_raw(dialogue: Dialogue) -> None:
    said = dialogue.everything_said()
    for raw in RAW_SENSITIVE:
        assert raw not in said, raw


# --- the whole conversation -------------------------------------------------------------------


def test_one_item_in_chinese_from_consent_to_case_number(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "zh")
    consent = texts(d.start("我要申请电子社保卡"))
    assert "征得您的同意" in consent and "医疗保障部门" in consent and "730天" in consent
    assert payloads(d.turns[-1]) == ["同意", "不同意"]
    assert "由谁填写" in texts(d.say("同意", intent="affirm"))
    assert backend.drafts["conv-1"]["consent"] == catalogue().consent.version
    assert "申请哪些事项" in texts(d.say("我是申请人本人"))
    noted = texts(d.say("电子社保卡"))
    assert "电子社保卡注册申领" in noted and "8个问题" in noted and "第1题（共8题）" in noted
    fill(d, VALID_ZH)
    summary = texts(d.turns[-1])
    assert "提交前请核对" in summary and "7. 护照号码：E12****78" in summary and "138****5678" in summary
    assert "1990-**-**" in summary and "3. 中文姓名：施安娜" in summary
    done = texts(d.say("确认提交", intent="affirm"))
    assert "办件编号为 FJ2026000123" in done and "人力资源和社会保障部门：电子社保卡注册申领" in done
    assert "需携带或上传的材料（2项）" in done and "办理时限" in done
    assert "通过一张表您只需填写8项信息（分别申请需8项）" in done
    assert "conv-1" not in backend.drafts and d.slots["application_phase"] is None
    assert_nothing_raw(d)


def test_all_items_by_the_employers_hr_in_english(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    begin(d, "all", role_text="I am the employer's HR")
    assert d.slots["application_role"] == "hr"
    assert d.slots["application_items"] == [
        "work_permit_new",
        "residence_permit_new",
        "social_insurance",
        "professional_title",
        "e_social_security_card",
    ]
    fields = d.slots["application_state"]["fields"]
    assert fields == catalogue().fields_for(d.slots["application_items"], "hr")
    assert "applicant's surname" in texts(d.turns[-1])  # HR is asked about the applicant
    asked: List[str] = []
    for _ in range(40):
        if d.slots["application_phase"] != "fields":
            break
        asked.append(d.slots["application_step"])
        d.say(VALID[d.slots["application_step"]])
    assert asked == fields  # every field once, in order
    done = texts(d.say("confirm", intent="affirm"))
    assert "Your case number is FJ2026000123" in done
    for department in (
        "Science and technology department",
        "Public security exit-entry administration",
        "Human resources and social security department",
        "Medical insurance bureau",
    ):
        assert department in done
    savings = catalogue().savings(d.backend.cases["FJ2026000123"]["items"], "hr")
    assert (
        f"you gave {savings.fields_once} pieces of information instead of {savings.fields_separately}" in done
    )
    assert_nothing_raw(d)
    sent = str(backend.requests)
    assert "E12345678" in sent and "13812345678" in sent  # the backend, and only the backend, gets them


def test_eligibility_answers_are_carried_over_and_not_asked(monkeypatch, backend):
    d = Dialogue(
        monkeypatch,
        backend,
        "en",
        slots={
            "age": 34,
            "highest_degree": "master",
            "nationality": "DE",
            "annual_salary_cny": 300_000,
            "relevant_experience_years": 5,
            "hsk_level": 4,
        },
    )
    begin(d, "work permit")
    assert "4 answers are taken over from your eligibility check" in texts(d.turns[-1])
    answers = backend.drafts["conv-1"]["answers"]
    assert answers["nationality"] == "DE" and answers["annual_salary_cny"] == 300_000
    assert answers["highest_degree"] == "master" and answers["relevant_experience_years"] == 5
    asked = []
    for _ in range(40):
        if d.slots["application_phase"] != "fields":
            break
        asked.append(d.slots["application_step"])
        d.say(VALID[d.slots["application_step"]])
    assert not {"nationality", "annual_salary_cny", "highest_degree", "relevant_experience_years"} & set(
        asked
    )
    assert "Germany" in texts(d.turns[-1]) and "CNY 300,000" in texts(d.turns[-1])


def test_skipped_or_invalid_eligibility_answers_are_asked(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en", slots={"nationality": "skipped", "annual_salary_cny": 5})
    begin(d, "work permit")
    assert "taken over" not in texts(d.turns[-1])
    assert "nationality" not in backend.drafts["conv-1"]["answers"]


# --- corrections, back, skip, keep -------------------------------------------------------------


@pytest.mark.parametrize(
    "language, text, field, masked",
    [
        ("en", "my passport number is actually E98765432", "passport_number", "E98****32"),
        ("zh", "我的护照号码应该是E98765432", "passport_number", "E98****32"),
        ("en", "sorry, my phone number is 13912345678", "phone", "139****5678"),
        ("zh", "我的手机号改成13912345678", "phone", "139****5678"),
        ("en", "actually my surname is Miller", "surname", "Miller"),
    ],
)
def test_correction_of_an_earlier_field_at_any_time(monkeypatch, backend, language, text, field, masked):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "e social security card" if language == "en" else "电子社保卡", language=language)
    answers = VALID if language == "en" else VALID_ZH
    fill(d, answers, stop_at="phone" if field != "phone" else None)
    if field == "phone":  # corrected from the summary
        assert d.slots["application_phase"] == "summary"
    step_before = d.slots["application_step"]
    reply = texts(d.say(text))
    assert ("I have changed your answer" if language == "en" else "已为您更正") in reply and masked in reply
    assert backend.drafts["conv-1"]["answers"][field] in ("E98765432", "13912345678", "Miller")
    assert d.slots["application_step"] == step_before  # the question being asked is asked again
    assert d.slots["application_summary"][field] == masked
    assert_nothing_raw(d)


def test_a_field_name_inside_an_answer_is_not_a_correction(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    begin(d, "residence permit")
    fill(d, VALID, stop_at="address_in_china")
    d.say("Company dormitory, Room 5, 88 Wusi Road, Fuzhou")  # names "company" (the employer's name field)
    assert backend.drafts["conv-1"]["answers"]["address_in_china"].startswith("Company dormitory")
    assert "employer_name" not in backend.drafts["conv-1"]["answers"]


@pytest.mark.parametrize(
    "language, back",
    [("en", "back"), ("en", "go back to the previous question"), ("zh", "上一步"), ("zh", "返回上一题")],
)
def test_go_back_asks_the_previous_question_with_the_masked_answer(monkeypatch, backend, language, back):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "e social security card" if language == "en" else "电子社保卡", language=language)
    fill(d, VALID if language == "en" else VALID_ZH, stop_at="phone")
    reply = texts(d.say(back))
    assert d.slots["application_step"] == "passport_number" and "E12****78" in reply
    assert payloads(d.turns[-1])[-1] in ("keep", "保留")
    d.say("E98765432")
    assert d.slots["application_step"] == "phone"  # on to the question left
    assert backend.drafts["conv-1"]["answers"]["passport_number"] == "E98765432"
    d.say("back")
    d.say("keep")
    assert d.slots["application_step"] == "phone"
    assert_nothing_raw(d)


def test_back_at_the_first_question(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    begin(d, "work permit")
    assert "This is the first question" in texts(d.say("back"))
    assert d.slots["application_step"] == "surname"


@pytest.mark.parametrize("text, language", [("skip", "en"), ("跳过", "zh"), ("no", "en"), ("没有", "zh")])
def test_skip_an_optional_field(monkeypatch, backend, text, language):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "e social security card" if language == "en" else "电子社保卡", language=language)
    fill(d, VALID, stop_at="chinese_name")
    d.say(text)
    assert d.slots["application_step"] == "gender"
    assert "chinese_name" in d.slots["application_state"]["skipped"]
    assert "chinese_name" not in backend.drafts["conv-1"]["answers"]


@pytest.mark.parametrize(
    "text, language, expected", [("skip", "en", "cannot be skipped"), ("跳过", "zh", "不能跳过")]
)
def test_required_fields_cannot_be_skipped(monkeypatch, backend, text, language, expected):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "work permit", language=language)
    reply = texts(d.say(text))
    assert expected in reply and d.slots["application_step"] == "surname"


# --- invalid values: every kind of field, both languages -------------------------------------------

INVALID = [
    # field, answer, English fragment, Chinese fragment
    ("surname", "Schm1dt", "only letters, spaces", "只能包含字母"),
    ("chinese_name", "Anna", "2 to 10 Chinese characters", "2至10个汉字"),
    ("gender", "robot", "female, male, unspecified (X)", "女、男、未指明（X）"),
    ("date_of_birth", "2099-01-01", "cannot be in the future", "不能晚于今天"),
    ("date_of_birth", "yesterday", "could not read a date", "未能从回答中识别出"),
    ("nationality", "Atlantis", "could not find that country", "未能识别该国家"),
    ("passport_number", "E1", "5 to 20 letters and digits", "5至20位字母和数字"),
    ("passport_expiry", "2026-12-01", "at least 6 more months", "至少还有6个月"),
    ("email", "anna@", "does not look like an e-mail", "不是有效的电子邮箱"),
    ("phone", "12345", "11 digits", "11位数字"),
    ("address_in_china", "abc", "too short", "地址过短"),
    ("date_of_entry", "2099-01-01", "cannot be in the future", "不能晚于今天"),
    ("employer_uscc", "91350100M000100Y44", "check character", "校验码"),
    ("employer_name", "<script>alert(1)</script>", "no other symbols, markup or emoji", "不能包含其他符号"),
    ("annual_salary_cny", "-5", "cannot be negative", "不能为负数"),
    ("highest_degree", "wizard", "doctorate", "博士"),
    ("graduation_year", "2099", "cannot be later than this year", "不能晚于今年"),
    ("relevant_experience_years", "200", "between 0 and 60", "0至60之间"),
    ("contract_start", "2020-01-01", "at most one year ago", "最早为一年前"),
    ("family_members", "spouse, ???", "family member 1", "第1位家属"),
]
INVALID_ITEMS = {
    "current_work_permit_number": "work permit extension",
    "date_of_entry": "residence permit",
    "address_in_china": "residence permit",
    "family_members": "residence permit",
}


def at_field(monkeypatch, backend: FakeBackend, field: str, language: str) -> Dialogue:
    d = Dialogue(monkeypatch, backend, language)
    items = INVALID_ITEMS.get(field, "all")
    begin(d, items, language=language)
    fill(d, VALID, stop_at=field)
    assert d.slots["application_step"] == field
    return d


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("field, answer, en, zh", INVALID)
def test_invalid_values_are_explained_with_an_example_and_nothing_is_lost(
    monkeypatch, backend, field, answer, en, zh, language
):
    d = at_field(monkeypatch, backend, field, language)
    before = dict(backend.drafts["conv-1"]["answers"])
    reply = d.say(answer)
    problem = reply[0]["text"]
    assert (en if language == "en" else zh) in problem
    assert ("For example:" if language == "en" else "例如：") in problem
    assert len(answer) < 6 or answer not in problem  # nothing typed is echoed
    assert d.slots["application_step"] == field
    assert backend.drafts["conv-1"]["answers"] == before  # nothing already entered is lost


@pytest.mark.parametrize(
    "answer, language",
    [
        ("'; DROP TABLE drafts; --", "en"),
        ("<img src=x onerror=alert(1)>", "zh"),
        ("x" * 5000, "en"),
        ("😀😀😀", "zh"),
        ("Robert'); DELETE FROM cases;--", "en"),
        ("\u202eevil", "en"),
    ],
)
@pytest.mark.parametrize(
    "field",
    [
        "surname",
        "passport_number",
        "phone",
        "email",
        "date_of_birth",
        "employer_uscc",
        "employer_name",
        "annual_salary_cny",
    ],
)
def test_hostile_values_are_refused_and_change_nothing(monkeypatch, backend, field, answer, language):
    d = at_field(monkeypatch, backend, field, language)
    before = dict(backend.drafts["conv-1"]["answers"])
    reply = texts(d.say(answer))
    assert ("For example:" if language == "en" else "例如：") in reply
    assert answer[:20] not in reply
    assert d.slots["application_step"] == field and backend.drafts["conv-1"]["answers"] == before


def test_markup_in_the_address_is_kept_as_plain_text(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "address_in_china", "en")
    d.say("<b>88 Wusi Road</b>, Fuzhou")
    assert backend.drafts["conv-1"]["answers"]["address_in_china"] == "<b>88 Wusi Road</b>, Fuzhou"
    assert d.slots["application_step"] != "address_in_china"


@pytest.mark.parametrize(
    "language, help_text", [("en", "Let me help with this question"), ("zh", "这道题我来帮您说明")]
)
def test_two_failed_attempts_offer_help_and_a_person(monkeypatch, backend, language, help_text):
    d = at_field(monkeypatch, backend, "passport_number", language)
    first = d.say("E1")
    assert help_text not in texts(first) and "/request_human" not in payloads(first)
    second = d.say("???")
    assert help_text in texts(second)
    assert ("5 to 20 letters and digits" if language == "en" else "5至20位字母和数字") in texts(second)
    assert "/request_human" in payloads(second)
    third = d.say("also wrong")
    assert "/request_human" in payloads(third)
    d.say("E12345678")
    assert d.slots["application_step"] == "passport_expiry"
    assert "passport_number" not in d.slots["application_state"]["failures"]


# --- other requests mid-form are left to the rules --------------------------------------------------


@pytest.mark.parametrize(
    "text, intent",
    [
        ("stop", "stop"),
        ("算了", "stop"),
        ("talk to a person", "request_human"),
        ("/request_human", "request_human"),
        ("are you a robot?", "bot_challenge"),
        ("delete my data", "delete_my_data"),
    ],
)
def test_other_requests_are_left_to_the_rules(monkeypatch, backend, text, intent):
    d = at_field(monkeypatch, backend, "email", "en")
    assert d.say(text, intent=intent, confidence=0.95) == [] and d.rejected


def test_a_language_switch_is_not_a_nationality(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "nationality", "en")
    d.say("reply in Chinese", intent="change_language", confidence=0.9)
    assert d.rejected and "nationality" not in backend.drafts["conv-1"]["answers"]


def test_an_old_button_mid_form_asks_the_current_question(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "email", "en")
    reply = texts(d.say("/start_application", intent="start_application"))
    assert "middle of your application" in reply and "e-mail address" in reply


# --- stop and resume, start over ---------------------------------------------------------------------


def test_stop_then_resume_where_it_left_off(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "email", "en")
    d.say("stop", intent="stop", confidence=0.99)
    assert d.rejected
    d.active_loop = None  # bot/application.yml: action_deactivate_loop, utter_application_stopped
    offer = texts(d.start("continue my application"))
    assert "You have an unfinished application" in offer and "Work permit: new application" in offer
    assert payloads(d.turns[-1]) == ["continue", "start over"]
    resumed = texts(d.say("continue", intent="affirm"))
    assert d.slots["application_step"] == "email" and "e-mail address" in resumed


def test_a_user_coming_back_tomorrow_resumes_from_the_backend(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "phone", "zh")
    tomorrow = Dialogue(monkeypatch, backend, "zh")  # same sender id, nothing in the slots
    offer = texts(tomorrow.start("继续我的申请"))
    assert "您有一份未完成的申请" in offer and "2026年11月23日" in offer
    tomorrow.say("继续填写", intent="affirm")
    assert tomorrow.slots["application_step"] == "phone"
    assert tomorrow.slots["application_summary"]["passport_number"] == "E12****78"
    fill(tomorrow, VALID)
    assert tomorrow.slots["application_phase"] == "summary"
    assert d.slots["application_step"] == "phone"


@pytest.mark.parametrize("language, text", [("en", "start over"), ("zh", "重新开始")])
def test_start_over_from_the_resume_offer_discards_the_draft(monkeypatch, backend, language, text):
    d = at_field(monkeypatch, backend, "email", language)
    d.active_loop = None
    d.start()
    reply = texts(d.say(text))
    assert "conv-1" not in backend.drafts
    assert ("discarded your unfinished application" if language == "en" else "已放弃您未完成的申请") in reply
    assert d.slots["application_phase"] == "consent" and d.slots["application_summary"] is None


def test_start_over_in_the_middle_of_the_form(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "email", "en")
    reply = texts(d.say("let's start over"))
    assert "conv-1" not in backend.drafts and "we need your consent" in reply


# --- consent --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("I do not agree", "en", "I will not ask for or keep any"),
        ("不同意", "zh", "不会询问或保存您的任何个人信息"),
    ],
)
def test_declined_consent_collects_nothing_and_ends_the_form(monkeypatch, backend, text, language, expected):
    d = Dialogue(monkeypatch, backend, language)
    d.start()
    reply = texts(d.say(text, intent="deny"))
    assert expected in reply and d.active_loop is None
    assert backend.drafts == {} and not [r for r in backend.requests if r[0] == "PUT draft"]
    assert "/ask_policy" in payloads(d.turns[-1])


def test_unclear_consent_answer_asks_again(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    d.start()
    reply = texts(d.say("hmm", intent="inform", confidence=0.4))
    assert 'please answer "I agree"' in reply and backend.drafts == {}


def test_items_that_cannot_be_combined(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    d.start()
    d.say("I agree", intent="affirm")
    d.say("worker")
    reply = texts(d.say("new work permit and work permit extension"))
    assert "cannot be applied for together" in reply and d.slots["application_phase"] == "items"


# --- the summary --------------------------------------------------------------------------------------


def summary_dialogue(monkeypatch, backend: FakeBackend, language: str = "en") -> Dialogue:
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "e social security card" if language == "en" else "电子社保卡", language=language)
    fill(d, VALID if language == "en" else VALID_ZH)
    assert d.slots["application_phase"] == "summary"
    return d


def test_summary_has_masked_values_edit_buttons_and_confirm(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    summary = d.turns[-1][-1]
    assert (
        "7. Passport number: E12****78" in summary["text"]
        and "5. Date of birth: 1990-**-**" in summary["text"]
    )
    buttons = summary["buttons"]
    assert buttons[0] == {"title": "Confirm and submit", "payload": "confirm"}
    assert {
        "title": "Change: contact details (7, 8, 9)",
        "payload": "change contact details",
    } in buttons or any(b["payload"] == "change contact details" for b in buttons)
    assert_nothing_raw(d)


@pytest.mark.parametrize(
    "language, group, field_button",
    [
        ("en", "change contact details", "Mobile phone in China"),
        ("zh", "修改联系方式", "手机"),
    ],
)
def test_the_summary_groups_its_buttons_and_a_group_lists_its_answers(
    monkeypatch, backend, language, group, field_button
):
    """Issue 12: the summary showed 27 buttons; now one per group, and a group shows its answers."""
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "all", language=language)
    fill(d, VALID if language == "en" else VALID_ZH)
    summary = d.turns[-1][-1]
    assert d.slots["application_phase"] == "summary"
    assert len(summary["buttons"]) <= 10, len(summary["buttons"])
    reply = d.say(group)
    shown = reply[-1]["buttons"]
    assert all(b["payload"] not in ("confirm", "确认") for b in shown)
    assert any(field_button in b["title"] for b in shown), shown
    edit = next(b["payload"] for b in shown if b["payload"].startswith(("change ", "修改")))
    d.say(edit)
    assert d.slots["application_phase"] == "fields"
    # and back to the summary without changing anything
    d.say(
        VALID["email"] if d.slots["application_step"] == "email" else "keep" if language == "en" else "保留"
    )
    assert d.slots["application_phase"] == "summary"


@pytest.mark.parametrize(
    "edit, language", [("change 8", "en"), ("change phone", "en"), ("修改8", "zh"), ("修改手机号", "zh")]
)
def test_edit_a_field_from_the_summary(monkeypatch, backend, edit, language):
    d = summary_dialogue(monkeypatch, backend, language)
    reply = texts(d.say(edit))
    assert d.slots["application_step"] == "phone" and "138****5678" in reply
    back = texts(d.say("13912345678"))
    assert d.slots["application_phase"] == "summary" and "139****5678" in back
    assert backend.drafts["conv-1"]["answers"]["phone"] == "13912345678"
    assert_nothing_raw(d)


def test_unknown_edit_number_is_explained(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    assert "I did not find that question" in texts(d.say("change 42"))
    assert d.slots["application_phase"] == "summary"


def test_no_at_the_summary_asks_what_to_change(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    assert "Which answer would you like to change?" in texts(d.say("no", intent="deny"))
    assert backend.cases == {}


def test_change_the_services_from_the_summary(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    d.say("change items")
    assert d.slots["application_phase"] == "items"
    d.say("e social security card and social insurance")
    assert d.slots["application_step"] == "address_in_china"  # only what the new service adds is asked


# --- the backend: outages and refusals ------------------------------------------------------------------


def test_backend_down_at_the_start_is_honest_and_closes_the_form(monkeypatch, backend):
    backend.down = True
    d = Dialogue(monkeypatch, backend, "zh")
    reply = texts(d.start())
    assert "申请服务暂时不可用" in reply and d.active_loop is None


def test_backend_down_during_an_answer_keeps_everything(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "email", "en")
    before = dict(backend.drafts["conv-1"]["answers"])
    backend.down = True
    reply = texts(d.say(VALID["email"]))
    assert "could not save that" in reply and "Everything you entered before is kept" in reply
    assert d.slots["application_step"] == "email"
    backend.down = False
    d.say(VALID["email"])
    assert d.slots["application_step"] == "phone" and backend.drafts["conv-1"]["answers"] == {
        **before,
        "email": "anna.schmidt@example.com",
    }


def test_backend_down_at_submission_reopens_the_summary(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    backend.down = True
    reply = texts(d.say("confirm", intent="affirm"))
    assert "could not submit your application" in reply
    assert d.active_loop == "application_form" and d.slots["application_phase"] == "summary"
    backend.down = False
    assert "Your case number is" in texts(d.say("confirm", intent="affirm"))


def test_a_refused_submission_asks_the_missing_field(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    del backend.drafts["conv-1"]["answers"]["phone"]  # e.g. removed by the backend in the meantime
    reply = texts(d.say("confirm", intent="affirm"))
    assert "cannot be submitted yet" in reply and d.slots["application_step"] == "phone"
    assert d.active_loop == "application_form"


def test_a_value_the_backend_refuses_is_explained(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "contract_end", "en")
    reply = texts(
        d.say("2026-12-01")
    )  # before the contract start: only the backend knows the start date here
    assert "could not be saved" in reply and "must end after it starts" in reply
    assert d.slots["application_step"] == "contract_end"


# --- slots and messages never hold raw personal data ------------------------------------------------------


def test_slots_hold_field_keys_and_masked_values_only(monkeypatch, backend):
    d = summary_dialogue(monkeypatch, backend)
    for slot in application.POSITION_SLOTS:
        value = str(d.slots[slot])
        for raw in RAW_SENSITIVE:
            assert raw not in value
    assert set(d.slots["application_state"]) == {
        "fields",
        "history",
        "skipped",
        "failures",
        "saved",
        "shown",
        "reask",
    }
    for request in backend.requests:
        if request[0] == "PUT draft" and "state" in request[2]:
            assert not any(raw in str(request[2]["state"]) for raw in RAW_SENSITIVE)


# --- delete my data -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, question, expected",
    [
        ("en", "Before I delete anything", "I have deleted your unfinished application"),
        ("zh", "删除前请确认", "已删除您未完成的申请"),
    ],
)
def test_delete_my_data_asks_first_then_deletes_the_draft(monkeypatch, backend, language, question, expected):
    d = at_field(monkeypatch, backend, "email", language)
    d.active_loop = None
    messages: List[Dict[str, Any]] = []
    d.user("delete my data", "delete_my_data", 0.95, None)
    d.run(ActionDeleteMyData(), messages)
    assert question in texts(messages) and "conv-1" in backend.drafts  # asked, nothing deleted
    assert "/confirm_delete_my_data" in [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert not d.slots.get("erase_requested")
    messages.clear()
    d.user("/confirm_delete_my_data", "confirm_delete_my_data", 1.0, None)
    d.run(ActionDeleteMyData(), messages)
    assert expected in texts(messages) and "conv-1" not in backend.drafts
    assert d.slots["application_phase"] is None
    assert d.slots["erase_requested"] is True  # the tracker store erases the conversation on it


def test_delete_my_data_without_a_draft(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    messages: List[Dict[str, Any]] = []
    d.user("delete my data", "delete_my_data", 0.95, None)
    d.run(ActionDeleteMyData(), messages)
    assert "no unfinished application" in texts(messages) and "Delete now?" in texts(messages)
    messages.clear()
    d.user("/confirm_delete_my_data", "confirm_delete_my_data", 1.0, None)
    d.run(ActionDeleteMyData(), messages)
    assert "I have deleted this conversation" in texts(messages)


# --- the parsers of the dialogue -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, items",
    [
        ("work permit and residence permit", ["work_permit_new", "residence_permit_new"]),
        ("工作许可和居留许可", ["work_permit_new", "residence_permit_new"]),
        (
            "全部",
            [
                "work_permit_new",
                "residence_permit_new",
                "social_insurance",
                "professional_title",
                "e_social_security_card",
            ],
        ),
        (
            "all",
            [
                "work_permit_new",
                "residence_permit_new",
                "social_insurance",
                "professional_title",
                "e_social_security_card",
            ],
        ),
        (
            "全部（首次申请）",
            [
                "work_permit_new",
                "residence_permit_new",
                "social_insurance",
                "professional_title",
                "e_social_security_card",
            ],
        ),
        ("工作许可延期", ["work_permit_extension"]),
        ("I want to extend my work permit", ["work_permit_extension"]),
        (
            "work permit extension and residence permit extension",
            ["work_permit_extension", "residence_permit_extension"],
        ),
        ("居留许可延期和工作许可延期", ["work_permit_extension", "residence_permit_extension"]),
        (
            "change of work permit and residence permit extension",
            ["work_permit_change", "residence_permit_extension"],
        ),
        ("social insurance and e social security card", ["social_insurance", "e_social_security_card"]),
        ("社保和电子社保卡", ["social_insurance", "e_social_security_card"]),
        ("职称评审", ["professional_title"]),
        ("hello", []),
        ("<script>", []),
        ("x" * 5000, []),
    ],
)
def test_parse_items(text, items):
    assert parse_items(text) == items


@pytest.mark.parametrize(
    "text, role",
    [
        ("I am the worker", "worker"),
        ("我是申请人本人", "worker"),
        ("I'm applying for myself", "worker"),
        ("I am the employer's HR", "hr"),
        ("我是用人单位人事", "hr"),
        ("HR", "hr"),
        ("代员工填写", "hr"),
        ("hello", None),
    ],
)
def test_parse_role(text, role):
    assert parse_role(text) == role


@pytest.mark.parametrize(
    "text, name",
    [
        ("start over", "restart"),
        ("重新开始", "restart"),
        ("go back", "back"),
        ("上一步", "back"),
        ("返回", "back"),
        ("skip", "skip"),
        ("跳过", "skip"),
        ("keep", "keep"),
        ("保留", "keep"),
        ("change items", "items"),
        ("修改事项", "items"),
        ("I don't want to continue", None),
        ("Schmidt", None),
    ],
)
def test_commands(text, name):
    assert command(text) == name


def test_no_validation_when_the_form_starts():
    tracker = Tracker(
        sender_id="x",
        slots={"application_phase": "consent"},
        latest_message={"text": "apply"},
        events=[
            {"event": "user", "text": "apply"},
            {"event": "action", "name": "action_application_start"},
            {"event": "action", "name": "application_form"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": "application_form"},
        latest_action_name="action_application_start",
    )
    assert asyncio.run(application.ValidateApplicationForm().run(CollectingDispatcher(), tracker, {})) == []


# --- the reply language while fields are answered -----------------------------------------------------


def test_latin_answers_do_not_move_a_chinese_conversation_to_english(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "zh")
    begin(d, "电子社保卡", language="zh")
    assert "第2题（共8题）" in texts(d.say("Schmidt", language="en"))  # the detector may call it English
    assert "此题不能跳过" in texts(d.say("skip", language="en"))  # given names are required: said in Chinese
    assert "中文姓名" in texts(d.say("Anna Maria", language="en"))
    assert "性别" in texts(d.say("skip", language="en"))
    assert d.slots["language"] == "zh"


def test_chinese_answers_do_not_move_an_english_conversation_to_chinese(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "address_in_china", "en")
    assert "On which date did you (last) enter China?" in texts(
        d.say("福州市鼓楼区五四路88号5号楼1203室", language="zh")
    )


def test_an_explicit_language_request_moves_the_form(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "zh")
    begin(d, "电子社保卡", language="zh")
    d.say("please reply in English", intent="change_language", confidence=0.95, language="en")
    assert d.rejected
    # bot/application.yml: utter_language_changed, then the form asks again, now in English
    messages: List[Dict[str, Any]] = []
    d.events.append({"event": "action", "name": "utter_language_changed"})
    d.run(application.ActionAskApplicationConfirmed(), messages, form="application_form")
    assert "What is your surname" in texts(messages) and d.slots["language"] == "en"
    assert "What are your given names" in texts(d.say("施密特", language="zh"))


def test_a_case_update_pushed_mid_form_is_left_to_its_rule(monkeypatch, backend):
    d = at_field(monkeypatch, backend, "email", "en")
    before = dict(d.slots)
    d.user("", "EXTERNAL_case_update", 1.0, None, [{"entity": "case_number", "value": "FJ2026000001"}])
    messages: List[Dict[str, Any]] = []
    assert (
        d.run(application.ValidateApplicationForm(), messages, form="application_form") == []
        and messages == []
    )
    assert d.slots == before


@pytest.mark.parametrize(
    "text, intent, language, expected",
    [
        ("where is my application now?", "check_status", "en", 'To do something else first, say "stop"'),
        ("我的申请到哪一步了", "check_status", "zh", "如需先办理其他事项，请说“暂停”"),
    ],
)
def test_another_request_mid_form_is_pointed_to_stop_without_counting(
    monkeypatch, backend, text, intent, language, expected
):
    d = at_field(monkeypatch, backend, "phone", language)
    reply = texts(d.say(text, intent=intent, confidence=0.95))
    assert expected in reply and d.slots["application_step"] == "phone"
    assert "phone" not in d.slots["application_state"]["failures"]


@pytest.mark.parametrize(
    "language, text, expected, note",
    [
        (
            "en",
            "I changed my employer, I want a work permit change",
            ["work_permit_new"],
            "the current one is cancelled",
        ),
        (
            "zh",
            "我换单位了，要办工作许可变更和居留许可变更",
            ["work_permit_new", "residence_permit_change"],
            "原工作许可须注销",
        ),
    ],
)
def test_a_new_employer_gets_a_new_work_permit_not_a_change(
    monkeypatch, backend, language, text, expected, note
):
    d = Dialogue(monkeypatch, backend, language)
    d.start("I want to apply" if language == "en" else "我要申请")
    d.say("I agree" if language == "en" else "同意", intent="affirm")
    d.say("I am the worker" if language == "en" else "我是申请人本人")
    reply = texts(d.say(text, intent="start_application"))
    assert d.slots["application_items"] == expected and note in reply


def test_a_new_employer_named_in_the_first_message_is_a_new_work_permit():
    from actions.application.actions import entity_items

    said = {
        "text": "I changed my employer and need a work permit change",
        "entities": [{"entity": "service_item", "value": "work_permit_change"}],
    }
    assert entity_items(said) == ["work_permit_new"]
    said["text"] = "I need a work permit change, my position changed"
    assert entity_items(said) == ["work_permit_change"]
