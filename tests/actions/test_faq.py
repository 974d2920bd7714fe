"""action_answer_policy_question and action_faq_feedback against a real backend on a local port."""

from __future__ import annotations

import re
import socket
import string
from pathlib import Path
from typing import Any, Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.faq import ActionAnswerPolicyQuestion, ActionFaqFeedback
from backend.models import FaqFeedback
from tests.backend.conftest import SERVICE_TOKEN, BackendServer, database_urls, start_backend  # noqa: F401
from texts import entries

MESSAGES = entries("faq")  # texts/faq.yml


def make_tracker(
    text: str,
    language: str = "en",
    *,
    intent: str = "ask_policy",
    entities: Any = None,
    last_faq_id: str | None = None,
) -> Tracker:
    """A tracker as the action server receives it after the user's message."""
    return Tracker(
        sender_id="test-user",
        slots={"language": language, "last_faq_id": last_faq_id},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.99},
            "entities": entities or [],
            "language": {"language": language, "reason": "script"},
        },
        events=[{"event": "slot", "name": "language", "value": language}, {"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action: Any, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def last_faq_id(events: list[dict]) -> Any:
    return [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "last_faq_id"][-1]


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:  # noqa: F811
    server = start_backend(tmp_path_factory.mktemp("actions"), database_urls())
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def backend_env(backend: BackendServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_URL", backend.url)
    monkeypatch.setenv("SERVICE_TOKEN", SERVICE_TOKEN)


async def test_answer_cites_source_and_date_then_asks_if_it_helped() -> None:
    messages, events = await run(
        ActionAnswerPolicyQuestion(), make_tracker("How much does the work permit cost?")
    )
    assert messages[0]["text"] == (
        "The work permit itself is free of charge.\n\n"
        "Source: https://example.org/work-permit-guide (checked on 2026-11-02)."
    )
    assert messages[-1]["text"] == "Was this answer helpful?"
    assert payloads(messages) == ["/affirm", "/deny"]
    assert last_faq_id(events) == "t-wp-fee"


async def test_answer_is_in_chinese_for_a_chinese_conversation() -> None:
    messages, _ = await run(ActionAnswerPolicyQuestion(), make_tracker("工作许可多少钱？", "zh"))
    assert messages[0]["text"] == (
        "工作许可本身不收费。\n\n来源：https://example.org/work-permit-guide（核对日期：2026-11-02）。"
    )
    assert messages[-1]["text"] == "这个回答对您有帮助吗？"
    assert [b["title"] for b in messages[-1]["buttons"]] == ["有帮助", "没有帮助"]


async def test_uncertain_answer_says_confirm_with_the_office_and_offers_staff() -> None:
    tracker = make_tracker("Can I get my pension contributions back when I leave China?")
    messages, events = await run(ActionAnswerPolicyQuestion(), tracker)
    assert messages[0]["text"].startswith("You may ask for a lump-sum payment")
    assert "confirm with the office" in messages[1]["text"]
    assert messages[1]["buttons"] == [{"title": "Talk to staff", "payload": "/request_human"}]
    assert last_faq_id(events) == "t-si-refund"


async def test_unrelated_question_is_not_answered_with_confidence() -> None:
    messages, events = await run(
        ActionAnswerPolicyQuestion(), make_tracker("what's the weather in Paris tomorrow")
    )
    assert "Was this answer helpful?" not in [m.get("text") for m in messages]
    assert payloads(messages)[-1] == "/request_human"
    assert last_faq_id(events) is None


async def test_clicking_a_candidate_button_answers_that_entry() -> None:
    tracker = make_tracker(
        '/ask_policy{"faq_id":"t-rp-deadline"}',
        "zh",
        entities=[{"entity": "faq_id", "value": "t-rp-deadline"}],
    )
    messages, events = await run(ActionAnswerPolicyQuestion(), tracker)
    assert messages[0]["text"].startswith("入境后30日内申请工作类居留许可。")
    assert last_faq_id(events) == "t-rp-deadline"


async def test_too_long_question_gets_a_clear_request_to_shorten_it() -> None:
    messages, _ = await run(ActionAnswerPolicyQuestion(), make_tracker("work permit " * 1000))
    assert messages[0]["text"] == MESSAGES["too_long"]["en"]


async def test_backend_outage_gives_a_clear_message_in_the_users_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{closed_port}")
    messages, events = await run(ActionAnswerPolicyQuestion(), make_tracker("工作许可多少钱？", "zh"))
    assert messages == [
        {
            **messages[0],
            "text": MESSAGES["backend_down"]["zh"],
            "buttons": [{"title": "转人工", "payload": "/request_human"}],
        }
    ]
    assert last_faq_id(events) is None
    feedback, _ = await run(
        ActionFaqFeedback(), make_tracker("是的", "zh", intent="affirm", last_faq_id="t-wp-fee")
    )
    assert feedback[0]["text"] == MESSAGES["feedback_not_saved"]["zh"]


async def test_wrong_service_token_is_handled_without_a_stack_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", "wrong")
    messages, _ = await run(ActionAnswerPolicyQuestion(), make_tracker("How much does the work permit cost?"))
    assert messages[0]["text"] == MESSAGES["no_match"]["en"]


def _feedback_rows(backend: BackendServer) -> list[tuple[str, bool, str]]:
    with backend.app.ctx.session_factory() as session:
        rows = session.execute(select(FaqFeedback.entry_id, FaqFeedback.helpful, FaqFeedback.language)).all()
    return [tuple(r) for r in rows]


async def test_yes_to_was_this_helpful_is_stored_with_the_entry_id(backend: BackendServer) -> None:
    before = _feedback_rows(backend)
    messages, events = await run(
        ActionFaqFeedback(), make_tracker("yes", intent="affirm", last_faq_id="t-rp-deadline")
    )
    assert messages[0]["text"] == "Thank you for your feedback!"
    assert _feedback_rows(backend)[len(before) :] == [("t-rp-deadline", True, "en")]
    assert last_faq_id(events) is None


async def test_no_to_was_this_helpful_is_stored_and_offers_staff(backend: BackendServer) -> None:
    before = _feedback_rows(backend)
    messages, _ = await run(
        ActionFaqFeedback(), make_tracker("没有", "zh", intent="deny", last_faq_id="t-wp-fee")
    )
    assert messages[0]["text"] == MESSAGES["feedback_sorry"]["zh"]
    assert payloads(messages) == ["/request_human"]
    assert _feedback_rows(backend)[len(before) :] == [("t-wp-fee", False, "zh")]


async def test_feedback_without_a_previous_answer_stores_nothing(backend: BackendServer) -> None:
    before = _feedback_rows(backend)
    messages, _ = await run(ActionFaqFeedback(), make_tracker("yes", intent="affirm"))
    assert messages[0]["text"] == MESSAGES["anything_else"]["en"]
    assert _feedback_rows(backend) == before


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in MESSAGES.items():
        assert set(texts) == {"en", "zh"}, key
        assert texts["en"].strip() and texts["zh"].strip(), key
        assert fields(texts["en"]) == fields(texts["zh"]), key
        assert not re.search(r"[\u4e00-\u9fff]", texts["en"]), key


def test_action_module_has_no_web_or_database_code() -> None:
    source = (Path(__file__).resolve().parents[2] / "actions" / "faq.py").read_text(encoding="utf-8")
    assert "sqlalchemy" not in source and "backend." not in source


class _NeverConfidentRetriever:
    """Ranks every entry but is never confident: the candidates path, deterministically."""

    def index(self, documents: list) -> None:
        self.ids = sorted(d.id for d in documents)

    def search(self, text: str, language: str, k: int = 3) -> list:
        from backend.services.index import Hit

        return [Hit(doc_id, 0.3 - i * 0.1, 0.2 - i * 0.05) for i, doc_id in enumerate(self.ids[:k])]

    def confident(self, hits: list) -> bool:
        return False


async def test_below_the_threshold_offers_three_candidate_questions_and_staff(
    tmp_path: Path,
    database_urls: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = start_backend(tmp_path, database_urls(), retriever_factory=_NeverConfidentRetriever)
    try:
        monkeypatch.setenv("BACKEND_URL", server.url)
        messages, events = await run(ActionAnswerPolicyQuestion(), make_tracker("permit?", "zh"))
    finally:
        server.stop()
    assert messages == [
        {
            **messages[0],
            "text": MESSAGES["candidates"]["zh"],
            "buttons": [
                {
                    "title": "入境后多少天内要申请居留许可？",
                    "payload": '/ask_policy{"faq_id":"t-rp-deadline"}',
                },
                {"title": "离开中国时养老保险能退吗？", "payload": '/ask_policy{"faq_id":"t-si-refund"}'},
                {"title": "办理工作许可要收费吗？", "payload": '/ask_policy{"faq_id":"t-wp-fee"}'},
                {"title": "转人工", "payload": "/request_human"},
            ],
        }
    ]
    assert last_faq_id(events) is None


async def test_menu_button_without_a_question_asks_for_the_question() -> None:
    messages, events = await run(ActionAnswerPolicyQuestion(), make_tracker("/ask_policy", "zh"))
    assert messages[0]["text"] == MESSAGES["empty"]["zh"]
    assert last_faq_id(events) is None


class _AnswersWithRelatedRetriever(_NeverConfidentRetriever):
    """Answers its first entry; the second is close enough to be related, the third is not."""

    def search(self, text: str, language: str, k: int = 3) -> list:
        from knowledge.retrieval import Hit

        return [Hit(doc_id, score, 0.9) for doc_id, score in zip(self.ids[:k], (0.8, 0.6, 0.1), strict=False)]

    def decide(self, hits: list) -> Any:
        from knowledge.retrieval import ANSWER, Decision

        return Decision(ANSWER, tuple(hits))


async def test_a_direct_answer_offers_related_questions_before_asking_if_it_helped(
    tmp_path: Path,
    database_urls: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = start_backend(tmp_path, database_urls(), retriever_factory=_AnswersWithRelatedRetriever)
    try:
        monkeypatch.setenv("BACKEND_URL", server.url)
        messages, events = await run(ActionAnswerPolicyQuestion(), make_tracker("30 days?", "en"))
    finally:
        server.stop()
    assert messages[0]["text"].startswith("Apply for the work residence permit within 30 days")
    assert messages[-2] == {
        **messages[-2],
        "text": MESSAGES["related"]["en"],
        "buttons": [
            {
                "title": "Can I get my pension contributions back when I leave China?",
                "payload": '/ask_policy{"faq_id":"t-si-refund"}',
            },
        ],
    }
    assert messages[-1]["text"] == MESSAGES["ask_helpful"]["en"]
    assert last_faq_id(events) == "t-rp-deadline"
