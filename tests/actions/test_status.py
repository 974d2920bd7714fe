"""check_status and the case-update notification (actions/status.py) on tracker fixtures.

The conversation that submitted a case sees it at once; any other case number needs the last
full passport number (status_form): right, wrong with the attempts left, and the
lock after the third wrong answer. The four characters are never stored in a slot nor echoed.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.status import find_case_number, timeline_text
from tests.actions.fakes import Dialogue, FakeBackend
from tests.actions.test_application_form import VALID, begin, fill


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


def texts(messages: List[Dict[str, Any]]) -> str:
    return Dialogue.text(messages)


def submitted(
    monkeypatch,
    backend: FakeBackend,
    sender: str = "owner-1",
    items: str = "work permit and residence permit",
) -> str:
    """A case submitted by conversation `sender` through the form; its number."""
    d = Dialogue(monkeypatch, backend, "en", sender=sender)
    begin(d, items)
    fill(d, VALID)
    d.say("confirm", intent="affirm")
    return next(n for n, c in backend.cases.items() if c["conversation_id"] == sender)


# --- the owner ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, text, expected",
    [
        (
            "en",
            "where is my application?",
            [
                "Application FJ2026000123, submitted on 23 November 2026: submitted.",
                "Public security exit-entry administration (Residence permit: new application): under review",
                "25 November 2026: under review. Note: Documents checked.",
            ],
        ),
        (
            "zh",
            "我的申请到哪一步了",
            [
                "申请 FJ2026000123（提交于2026年11月23日）：已提交。",
                "公安机关出入境管理部门（外国人居留证件：首次申请）：审查中",
                "2026年11月25日：审查中。备注：Documents checked.",
            ],
        ),
    ],
)
def test_the_owner_sees_the_timeline_per_item(monkeypatch, backend, language, text, expected):
    number = submitted(monkeypatch, backend)
    backend.change_state(number, "exit_entry", "under_review", "Documents checked.")
    d = Dialogue(monkeypatch, backend, language, sender="owner-1")
    reply = texts(d.status(text))
    for part in expected:
        assert part in reply
    assert ("Science and technology department" in reply) or ("科技部门" in reply)
    assert d.active_loop is None and d.slots["status_verified"] is None


def test_the_owner_asking_by_number_needs_no_check(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, "en", sender="owner-1")
    reply = texts(d.status(f"status of {number}"))
    assert f"Application {number}" in reply and d.active_loop is None


def test_no_case_in_this_conversation_asks_for_a_number_then_the_passport(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, "en", sender="someone-else")
    reply = texts(d.status("where is my application?"))
    assert "I found no application submitted in this conversation" in reply
    assert d.active_loop == "status_form" and "<utter_ask_status_case_number>" in reply
    assert "That does not look like a case number" in texts(d.say("my case"))
    asked = texts(d.say(number.lower()))
    assert f"<utter_ask_status_verified {number}>" in asked
    shown = texts(d.say("E12345678"))
    assert f"Application {number}" in shown and d.active_loop is None


# --- another case number: the passport check ---------------------------------------------------------------


@pytest.mark.parametrize(
    "language, passport", [("en", "E12345678"), ("zh", "e12345678"), ("en", " E1234-5678 ")]
)
def test_another_number_with_the_full_passport_number(monkeypatch, backend, language, passport):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, language, sender="other-phone")
    asked = texts(d.status(f"check {number}" if language == "en" else f"查一下{number}的进度"))
    assert f"<utter_ask_status_verified {number}>" in asked and d.active_loop == "status_form"
    assert d.slots["status_case_number"] == number
    shown = texts(d.say(passport))
    assert (f"Application {number}" if language == "en" else f"申请 {number}") in shown
    assert "5678" not in shown
    assert all("5678" not in str(e.get("value")) for e in d.returned if e.get("event") == "slot")


def test_the_last_four_characters_are_not_enough(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, "en", sender="other-phone")
    d.status(f"check {number}")
    assert "full passport number" in texts(d.say("5678")) and d.active_loop == "status_form"
    assert not [r for r in backend.requests if r[0] == "POST status" and r[3]]  # nothing sent


def test_a_new_conversation_gets_no_fresh_tries(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    for sender in ("guess-1", "guess-2", "guess-3"):
        d = Dialogue(monkeypatch, backend, "en", sender=sender)
        d.status(f"status of {number}")
        reply = texts(d.say("X00000000"))
    assert "locked after three wrong answers" in reply


@pytest.mark.parametrize(
    "language, wrong2, wrong1, locked",
    [
        (
            "en",
            "You have 2 more attempts",
            "You have one more attempt",
            "locked after three wrong answers. Please try again in 15 minutes",
        ),
        ("zh", "您还可以再试2次", "您还可以再试1次", "查询已锁定。请15分钟后再试"),
    ],
)
def test_wrong_answers_count_down_then_lock(monkeypatch, backend, language, wrong2, wrong1, locked):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, language, sender="guesser")
    d.status(f"status of {number}")
    assert wrong2 in texts(d.say("X00000000")) and d.active_loop == "status_form"
    assert wrong1 in texts(d.say("X11111111")) and d.active_loop == "status_form"
    reply = texts(d.say("X22222222"))
    assert locked in reply and d.active_loop is None
    assert "/request_human" in [b["payload"] for m in d.turns[-1] for b in m.get("buttons") or []]
    # still locked, even with the right answer
    d.status(f"status of {number}")
    assert locked in texts(d.say("E12345678"))
    for guess in ("X00000000", "X11111111", "X22222222"):
        assert guess not in d.everything_said()


def test_unknown_numbers_look_like_wrong_answers(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en", sender="prober")
    d.status("status of FJ2026999999")
    assert "You have 2 more attempts" in texts(d.say("X1234567"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", "5 to 20 letters"),
        ("E1234567890123456789012", "5 to 20 letters"),
        ("😀😀", "5 to 20 letters"),
        ("<b>1</b>", "5 to 20 letters"),
    ],
)
def test_the_passport_check_wants_a_passport_number(monkeypatch, backend, text, expected):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, "en", sender="other")
    d.status(f"status of {number}")
    reply = texts(d.say(text))
    assert expected in reply and d.slots["status_verified"] is None and d.active_loop == "status_form"
    assert not [r for r in backend.requests if r[0] == "POST status" and r[3]]  # nothing counted
    assert "E1234567890123456789012" not in d.everything_said()


def test_stop_during_the_passport_check_is_left_to_the_rules(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    d = Dialogue(monkeypatch, backend, "en", sender="other")
    d.status(f"status of {number}")
    assert d.say("stop", intent="stop", confidence=0.99) == [] and d.rejected


def test_backend_down(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "zh", sender="x")
    backend.down = True
    assert "办件服务暂时不可用" in texts(d.status("我的申请到哪一步了"))


@pytest.mark.parametrize(
    "text, number",
    [
        ("status of FJ2026000123", "FJ2026000123"),
        ("我的案件号fj2026000123进度如何", "FJ2026000123"),
        ("case WH 2026 000456", "WH2026000456"),
        ("E12345678", None),
        ("13812345678", None),
        ("FJ20260001234", None),
    ],
)
def test_find_case_number(text, number):
    assert find_case_number(text) == number


# --- notifications ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, state, note, expected",
    [
        (
            "en",
            "approved",
            "",
            [
                "News about your application",
                "Science and technology department (or administrative "
                'approval bureau) has changed its state to "approved"',
                "Congratulations",
            ],
        ),
        (
            "zh",
            "supplement_requested",
            "请补充学历认证。",
            [
                "您的申请",
                "科技部门（或行政审批服务部门）的办理状态已变为“需补充材料”",
                "部门备注：请补充学历认证。",
                "请按部门要求补充材料",
            ],
        ),
        (
            "en",
            "rejected",
            "The contract is not valid.",
            [
                '"not approved"',
                "The department's note: The contract is not valid.",
                "a member of staff can help",
            ],
        ),
    ],
)
def test_case_update_tells_what_changed_and_what_to_do(monkeypatch, backend, language, state, note, expected):
    number = submitted(monkeypatch, backend)
    backend.change_state(number, "science_technology", state, note)
    d = Dialogue(monkeypatch, backend, language, sender="owner-1")
    reply = texts(
        d.external({"case_number": number, "department": "science_technology", "case_state": state})
    )
    for part in expected:
        assert part in reply
    assert "/check_status" in [b["payload"] for m in d.turns[-1] for b in m.get("buttons") or []]


@pytest.mark.parametrize(
    "language, state, note, forbidden, expected",
    [
        (
            "en",
            "under_review",
            "Please bring the original of your degree certificate to the window.",
            "Nothing to do for now",
            "Please do what the department's note asks",
        ),
        ("zh", "received", "请携带护照原件到窗口核验。", "目前无需您操作", "请按部门备注的要求办理"),
        ("en", "under_review", "We need your signed contract.", "Nothing to do for now", "note asks"),
    ],
)
def test_a_note_that_asks_for_something_is_not_followed_by_nothing_to_do(
    monkeypatch, backend, language, state, note, forbidden, expected
):
    number = submitted(monkeypatch, backend)
    backend.change_state(number, "exit_entry", state, note)
    d = Dialogue(monkeypatch, backend, language, sender="owner-1")
    reply = texts(d.external({"case_number": number, "department": "exit_entry", "case_state": state}))
    assert note in reply and forbidden not in reply and expected in reply
    assert "/request_human" in [b["payload"] for m in d.turns[-1] for b in m.get("buttons") or []]


def test_a_note_that_asks_nothing_keeps_nothing_to_do(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    backend.change_state(number, "exit_entry", "under_review", "File complete, review started.")
    d = Dialogue(monkeypatch, backend, "en", sender="owner-1")
    reply = texts(
        d.external({"case_number": number, "department": "exit_entry", "case_state": "under_review"})
    )
    assert "Nothing to do for now" in reply


def test_case_update_when_the_backend_is_down_says_what_the_notification_says(monkeypatch, backend):
    number = submitted(monkeypatch, backend)
    backend.down = True
    d = Dialogue(monkeypatch, backend, "zh", sender="owner-1")
    reply = texts(d.external({"case_number": number, "department": "exit_entry", "case_state": "approved"}))
    assert "公安机关出入境管理部门的办理状态已变为“已批准”" in reply


def test_case_update_without_a_number_says_nothing(monkeypatch, backend):
    d = Dialogue(monkeypatch, backend, "en")
    assert d.external({}) == []


def test_timeline_text_without_items():
    text = timeline_text(
        {"number": "FJ2026000001", "created_at": "2026-11-23T08:00:00Z", "state": "submitted"}, "en"
    )
    assert text == "Application FJ2026000001, submitted on 23 November 2026: submitted."
