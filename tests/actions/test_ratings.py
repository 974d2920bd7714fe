"""The rating flow through the real actions, driven as Rasa runs the rating_form (validation, then
the question of the next empty slot, action_rating_submit when complete, the rules of
bot/ratings.yml when validation leaves a turn to them): both languages, free-text levels, skip,
a level asked again once then dropped, a bad rating with its reason (masked free text), another
request leaving the rating, asked once per event, and the hooks in submission, case update and
the handoff's EXTERNAL_rating_request."""

from __future__ import annotations

import asyncio
import copy
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.ratings as ratings
import actions.status as status
from actions.backend_client import BackendUnavailable
from actions.ratings import (
    ActionAskRatingLevel,
    ActionAskRatingReason,
    ActionRatingOffer,
    ActionRatingReply,
    ActionRatingSubmit,
    ValidateRatingForm,
)
from tests.actions.fakes import Dialogue, FakeBackend

SLOTS = ("rating_request", "rating_level", "rating_reason", "rating_state", "requested_slot")


class RatingChat:
    """One conversation with only the rating actions (and action_case_update)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, language: str = "en", sender: str = "conv-r") -> None:
        self.backend = FakeBackend()
        monkeypatch.setattr(ratings, "BackendClient", lambda: self.backend)
        monkeypatch.setattr(status, "BackendClient", lambda: self.backend)
        self.language = language
        self.sender = sender
        self.slots: Dict[str, Any] = dict.fromkeys(SLOTS)
        self.slots["language"] = language
        self.events: List[Dict[str, Any]] = []
        self.active_loop: str | None = None
        self.latest: Dict[str, Any] = {}
        self.left_to_rules = False

    def tracker(self) -> Tracker:
        return Tracker(
            sender_id=self.sender,
            slots=dict(self.slots),
            latest_message=copy.deepcopy(self.latest),
            events=copy.deepcopy(self.events),
            paused=False,
            followup_action=None,
            active_loop={"name": self.active_loop} if self.active_loop else {},
            latest_action_name=None,
        )

    def run(self, action: Any, texts: List[Dict[str, Any]], as_form: bool = False) -> List[Dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, self.tracker(), {}))
        texts.extend(dispatcher.messages)
        self.events.append({"event": "action", "name": "rating_form" if as_form else action.name()})
        for event in events:
            self.events.append(event)
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
            elif event["event"] == "active_loop":
                self.active_loop = event["name"]
        return events

    def message(
        self, text: str, intent: str, confidence: float = 0.9, entities: Dict[str, Any] | None = None
    ) -> None:
        self.latest = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
            "language": {"language": self.language, "reason": "script"},
        }
        self.events += [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": copy.deepcopy(self.latest)},
        ]

    def form(self, texts: List[Dict[str, Any]], after_user: bool) -> None:
        """The rating_form's run: validation, then the question, or the end."""
        events = self.run(ValidateRatingForm(), texts, as_form=True)
        if after_user and not events:
            self.left_to_rules = True  # rejected: bot/ratings.yml runs action_rating_submit, then the request
            self.run(ActionRatingSubmit(), texts)
            return
        ended = any(
            e["event"] == "slot" and e["name"] == "requested_slot" and e["value"] is None for e in events
        )
        if not ended and self.slots["rating_level"] is None:
            self.run(ActionAskRatingLevel(), texts)
            self.slots["requested_slot"] = "rating_level"
            return
        if not ended and self.slots["rating_reason"] is None:
            self.run(ActionAskRatingReason(), texts)
            self.slots["requested_slot"] = "rating_reason"
            return
        self.active_loop = None
        self.run(ActionRatingSubmit(), texts)

    def after(self, action: Any, texts: List[Dict[str, Any]]) -> None:
        self.run(action, texts)
        if self.active_loop == "rating_form":  # the action opened the rating: the form asks
            self.form(texts, after_user=False)

    def feedback(self, text: str = "I want to rate the service") -> List[Dict[str, Any]]:
        self.message(text, "give_feedback", 0.95)
        texts: List[Dict[str, Any]] = []
        self.after(ActionRatingOffer(), texts)
        return texts

    def say(
        self, text: str, intent: str = "inform", confidence: float = 0.9, **entities: Any
    ) -> List[Dict[str, Any]]:
        self.left_to_rules = False
        self.message(text, intent, confidence, entities)
        texts: List[Dict[str, Any]] = []
        if self.active_loop == "rating_form":
            self.form(texts, after_user=True)
        return texts

    def ratings_sent(self) -> List[tuple]:
        return [r for r in self.backend.requests if r[0] == "POST rating"]


def text_of(texts: List[Dict[str, Any]]) -> str:
    return "\n".join(t.get("text") or "" for t in texts)


def payloads(texts: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for t in texts for b in t.get("buttons") or []]


# --- levels, in both languages ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "language,answer,level",
    [
        ("en", "5", 5),
        ("en", "Very satisfied", 5),
        ("en", "ok-ish", 3),
        ("en", "pretty good", 4),
        ("zh", "非常满意", 5),
        ("zh", "还行", 3),
        ("zh", "满意", 4),
        ("zh", "五星", 5),
    ],
)
def test_a_typed_level_is_understood_and_stored(
    monkeypatch: pytest.MonkeyPatch, language: str, answer: str, level: int
) -> None:
    chat = RatingChat(monkeypatch, language)
    asked = chat.feedback("我要评价" if language == "zh" else "I want to rate the service")
    assert ("您满意吗" if language == "zh" else "How satisfied are you?") in text_of(asked)
    assert payloads(asked) == [
        '/give_feedback{"rating_level": "5"}',
        '/give_feedback{"rating_level": "4"}',
        '/give_feedback{"rating_level": "3"}',
        '/give_feedback{"rating_level": "2"}',
        '/give_feedback{"rating_level": "1"}',
        '/give_feedback{"rating_level": "skipped"}',
    ]
    titles = [b["title"] for t in asked for b in t.get("buttons") or []]
    assert titles[0] == ("5 非常满意" if language == "zh" else "5 Very satisfied")
    answered = chat.say(answer)
    assert chat.ratings_sent() == [("POST rating", 1, "conv-r", level, {"reason": None, "comment": None})]
    assert ("感谢您的评价" if language == "zh" else "Thank you for your rating") in text_of(answered)
    assert chat.active_loop is None and chat.slots["rating_request"] is None


def test_a_button_gives_the_level(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch)
    chat.feedback()
    chat.say('/give_feedback{"rating_level": "4"}', "give_feedback", 1.0, rating_level="4")
    assert chat.ratings_sent()[0][3] == 4


def test_skip_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for answer, intent in (("skip", "inform"), ("跳过", "inform"), ("no thanks", "deny"), ("stop", "stop")):
        chat = RatingChat(monkeypatch)
        chat.feedback()
        said = chat.say(answer, intent, 0.95)
        assert chat.ratings_sent() == [] and chat.active_loop is None, answer
        assert "No problem" in text_of(said)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_rating_of_7_or_abc_is_asked_again_once_then_dropped(
    monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    chat = RatingChat(monkeypatch, language)
    chat.feedback()
    again = chat.say("7")
    assert ("1到5" if language == "zh" else "from 1 to 5") in text_of(again)
    assert len(payloads(again)) == 6  # the buttons again
    dropped = chat.say("abc", "nlu_fallback", 0.3)
    assert ("先不评价" if language == "zh" else "leave the rating") in text_of(dropped)
    assert chat.ratings_sent() == [] and chat.active_loop is None
    assert chat.say("5") == []  # not asked any more: nothing reads it as a rating


def test_a_bad_rating_asks_what_went_wrong_and_keeps_free_text_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chat = RatingChat(monkeypatch)
    chat.feedback("this bot is terrible")
    reason = chat.say("terrible", "give_feedback", 0.8)
    assert "What went wrong?" in text_of(reason)
    assert '/give_feedback{"rating_reason": "took_too_long"}' in payloads(reason)
    assert '/give_feedback{"rating_reason": "none"}' in payloads(reason)
    done = chat.say("they lost my file, call me on 13812345678")
    level, extra = chat.ratings_sent()[0][3], chat.ratings_sent()[0][4]
    assert level == 1 and extra["reason"] == "other"
    assert "13812345678" not in extra["comment"] and "lost my file" in extra["comment"]
    assert "reply to you here by" in text_of(done) and "13 October 2026" in text_of(done)


def test_a_bad_rating_with_a_reason_button_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch, "zh")
    chat.feedback("我要评价")
    chat.say("不满意", "give_feedback", 0.9)
    done = chat.say(
        '/give_feedback{"rating_reason": "materials_twice"}',
        "give_feedback",
        1.0,
        rating_reason="materials_twice",
    )
    assert chat.ratings_sent()[0][3:] == (2, {"reason": "materials_twice", "comment": None})
    assert "2026年10月13日前" in text_of(done)


def test_the_reason_can_be_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch)
    chat.feedback()
    chat.say("1")
    chat.say("skip")
    assert chat.ratings_sent()[0][3:] == (1, {"reason": None, "comment": None})


def test_another_request_leaves_the_rating_without_asking_again(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch)
    chat.feedback()
    said = chat.say("how much does the work permit cost for a category B worker?", "ask_policy", 0.93)
    assert chat.left_to_rules and said == []  # the policy rule answers; the rating is over
    assert chat.ratings_sent() == [] and chat.active_loop is None
    # a level given before the user walked away from the reason question is kept
    chat.feedback()
    chat.say("2")
    chat.say("can I talk to a real person", "request_human", 0.95)
    assert chat.left_to_rules and chat.ratings_sent()[0][3] == 2


def test_asked_once_per_event_and_never_when_the_backend_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch)
    chat.message("", "EXTERNAL_rating_request", 1.0, {"rating_target": "conversation", "rating_event": "h-1"})
    first: List[Dict[str, Any]] = []
    chat.after(ActionRatingOffer(), first)
    assert "help of our staff" in text_of(first)
    chat.say("skip")
    chat.message("", "EXTERNAL_rating_request", 1.0, {"rating_target": "conversation", "rating_event": "h-1"})
    second: List[Dict[str, Any]] = []
    chat.after(ActionRatingOffer(), second)
    assert second == [] and chat.active_loop is None  # the same handoff: not asked again
    chat.backend.down = True
    chat.message("", "EXTERNAL_rating_request", 1.0, {"rating_target": "conversation", "rating_event": "h-2"})
    third: List[Dict[str, Any]] = []
    chat.after(ActionRatingOffer(), third)
    assert third == [] and chat.active_loop is None
    assert "cannot be taken right now" in text_of(chat.feedback())


def test_a_completed_item_is_rated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch)
    # the case itself is not found: the notification's own entities are told
    update = {"case_number": "FJ2026000123", "department": "science_technology", "case_state": "completed"}
    chat.message("", "EXTERNAL_case_update", 1.0, update)
    texts: List[Dict[str, Any]] = []
    chat.after(status.ActionCaseUpdate(), texts)
    assert "How satisfied are you with how" in text_of(texts) and "FJ2026000123" in text_of(texts)
    chat.say("4")
    chat.message("", "EXTERNAL_case_update", 1.0, update)
    repeat: List[Dict[str, Any]] = []
    chat.after(status.ActionCaseUpdate(), repeat)
    assert "How satisfied" not in text_of(repeat) and chat.active_loop is None
    # a state other than completed asks nothing
    chat.message(
        "", "EXTERNAL_case_update", 1.0, {**update, "case_state": "under_review", "department": "exit_entry"}
    )
    other: List[Dict[str, Any]] = []
    chat.after(status.ActionCaseUpdate(), other)
    assert chat.active_loop is None


def test_a_submitted_application_opens_the_rating(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.actions.test_application_form import VALID_ZH, fill

    backend = FakeBackend()
    dialogue = Dialogue(monkeypatch, backend, "zh")
    dialogue.start("我要申请电子社保卡")
    dialogue.say("同意", intent="affirm")
    dialogue.say("我是申请人本人")
    dialogue.say("电子社保卡")
    fill(dialogue, VALID_ZH)
    dialogue.say("确认提交", intent="affirm")
    asks = [r for r in backend.requests if r[0] == "POST rating-request"]
    assert len(asks) == 1 and asks[0][2:4] == ("case", "submission")
    assert asks[0][4]["case_number"] == "FJ2026000123"
    assert dialogue.active_loop == "rating_form"  # the form asks next (一事一评)


def test_the_reply_is_told_in_the_conversation_s_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for language, expected in (
        ("en", "About your rating, our helpdesk replies: sorry"),
        ("zh", "关于您的评价，人工客服答复如下：sorry"),
    ):
        chat = RatingChat(monkeypatch, language)
        chat.message("", "EXTERNAL_rating_reply", 1.0, {"department": "helpdesk", "rating_reply": "sorry"})
        texts: List[Dict[str, Any]] = []
        chat.run(ActionRatingReply(), texts)
        assert text_of(texts) == expected


def test_the_backend_refusing_the_rating_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = RatingChat(monkeypatch)
    chat.feedback()

    async def refuse(*args: Any, **kwargs: Any) -> Dict[str, Any]:
        raise BackendUnavailable("unreachable")

    monkeypatch.setattr(chat.backend, "rate", refuse)
    assert "could not be recorded" in text_of(chat.say("5"))
    assert chat.active_loop is None
