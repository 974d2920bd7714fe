"""A policy question asked in the middle of a form (issue 11, "Answers"; issue 12, consent):
answered from the real knowledge base (a backend on a local port), sourced as actions/faq.py
answers it, then the form asks its question again, briefly, and nothing entered is lost.
Both forms, both languages. The drafts are the in-memory backend of tests/actions/fakes.py;
the answers come from the real retriever through the real BackendClient."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import eligibility
from actions.backend_client import BackendClient
from actions.eligibility import ValidateEligibilityForm
from actions.policy_answer import candidate_payload
from knowledge.application import catalogue
from tests.actions.fakes import Dialogue, FakeBackend
from tests.actions.test_application_form import VALID, VALID_ZH, begin, fill, texts
from tests.backend.conftest import SERVICE_TOKEN, BackendServer, database_urls, start_backend  # noqa: F401

COST = {"en": "wait, how much does the residence permit cost?", "zh": "等等，居留许可要多少钱？"}
SOURCE = {"en": "Source:", "zh": "来源："}
BACK = {"en": "Back to your application:", "zh": "我们继续填写申请："}


class KnowledgeBackend(FakeBackend):
    """Drafts in memory; policy questions answered by the real backend."""

    async def answer_policy_question(self, question: str, language: str):
        self._call("POST faq/answer", question)
        return await BackendClient().answer_policy_question(question, language)

    async def get_faq_entry(self, entry_id: str, language: str):
        self._call("GET faq entry", entry_id)
        return await BackendClient().get_faq_entry(entry_id, language)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:  # noqa: F811
    seeds = sorted((Path(__file__).resolve().parents[2] / "knowledge" / "faq").glob("*.yml"))
    running = start_backend(tmp_path_factory.mktemp("questions"), database_urls(), faq_files=seeds)
    yield running
    running.stop()


@pytest.fixture
def backend(server: BackendServer, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBackend:
    monkeypatch.setenv("BACKEND_URL", server.url)
    monkeypatch.setenv("SERVICE_TOKEN", SERVICE_TOKEN)
    return KnowledgeBackend()


def consent_length(language: str) -> int:
    return len(catalogue().consent.text(language))


# --- the application form ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_policy_question_at_a_field_is_answered_and_the_field_asked_again(monkeypatch, backend, language):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "all", language=language)
    answers = VALID if language == "en" else VALID_ZH
    fill(d, answers, stop_at="date_of_birth")
    before = dict(d.slots["application_summary"])
    reply = d.say(COST[language], intent="ask_policy", confidence=0.97)
    said = texts(reply)
    assert not d.rejected
    assert SOURCE[language] in said  # the knowledge base's answer, sourced
    assert ("400" in said) or ("元" in said) or ("yuan" in said.lower()), said
    assert "stop" not in said and "暂停" not in said  # no longer pointed to "stop"
    assert BACK[language] in said  # then the question again
    question = catalogue().fields["date_of_birth"].question_for("worker", language)
    assert question in said
    # nothing lost, nothing counted, the same question
    assert d.slots["application_step"] == "date_of_birth"
    assert d.slots["application_summary"] == before
    assert "date_of_birth" not in d.slots["application_state"]["failures"]
    # and the form goes on where it was
    d.say(answers["date_of_birth"])
    assert d.slots["application_step"] != "date_of_birth"


@pytest.mark.parametrize(
    "language, complaint, intent",
    [("zh", "我要投诉", "give_feedback"), ("en", "I want to complain about the service", "give_feedback")],
)
def test_a_complaint_is_not_taken_as_a_name(monkeypatch, backend, language, complaint, intent):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "all", language=language)
    step = d.slots["application_step"]
    assert catalogue().fields[step].kind in ("name", "text")
    d.say(complaint, intent=intent, confidence=0.96)
    assert d.slots["application_step"] == step
    assert complaint not in d.everything_said().split("\n")[-1]
    drafts = [r for r in backend.requests if r[0] == "PUT draft"]
    assert all(complaint not in str(r) for r in drafts)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_question_inside_a_name_field_is_answered_not_saved(monkeypatch, backend, language):
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "all", language=language)
    step = d.slots["application_step"]
    said = texts(d.say(COST[language], intent="ask_policy", confidence=0.97))
    assert SOURCE[language] in said and d.slots["application_step"] == step
    assert all(COST[language] not in str(r) for r in backend.requests if r[0] == "PUT draft")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_related_question_button_inside_the_form_is_answered(monkeypatch, backend, language):
    """The buttons under an answer (related questions, "did you mean") send /ask_policy{"faq_id"}."""
    d = Dialogue(monkeypatch, backend, language)
    begin(d, "all", language=language)
    step = d.slots["application_step"]
    said = texts(
        d.say(
            candidate_payload("wp-fee"),
            intent="ask_policy",
            confidence=1.0,
            entities=[{"entity": "faq_id", "value": "wp-fee"}],
        )
    )
    assert SOURCE[language] in said and BACK[language] in said
    assert "already" not in said and "正在填写中" not in said
    assert d.slots["application_step"] == step


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_consent_text_is_shown_once_then_asked_briefly(monkeypatch, backend, language):
    d = Dialogue(monkeypatch, backend, language)
    first = texts(d.start("I want to apply" if language == "en" else "我要申请"))
    assert len(first) >= consent_length(language)
    # a policy question at the consent step: answered, then consent asked again in one line
    reply = d.say(COST[language], intent="ask_policy", confidence=0.97)
    said = texts(reply)
    assert SOURCE[language] in said
    assert catalogue().consent.text(language) not in said
    last = reply[-1]
    assert "\n" not in last["text"] and len(last["text"]) < 200
    assert {"I agree", "I do not agree"} <= {b["payload"] for b in last["buttons"]} or {"同意", "不同意"} <= {
        b["payload"] for b in last["buttons"]
    }
    # anything else that is not a consent answer: the one line again, not the text
    reply = d.say("hmm" if language == "en" else "嗯", intent="inform", confidence=0.3)
    assert catalogue().consent.text(language) not in texts(reply) and len(texts(reply)) < 200
    assert backend.drafts == {}
    # the text on request, then consent goes through
    shown = texts(d.say("Show the consent text" if language == "en" else "查看同意书全文", confidence=0.5))
    assert catalogue().consent.text(language) in shown
    d.say("I agree" if language == "en" else "同意", intent="affirm")
    assert d.slots["application_phase"] == "role"


# --- the eligibility form ----------------------------------------------------------------------


def eligibility_tracker(text: str, language: str, requested: str, slots: Dict[str, Any]) -> Tracker:
    return Tracker(
        sender_id="eligibility-user",
        slots={"language": language, "requested_slot": requested, **slots},
        latest_message={
            "text": text,
            "intent": {"name": "ask_policy", "confidence": 0.97},
            "entities": [],
            "language": {"language": language, "reason": "script"},
        },
        events=[
            {"event": "slot", "name": "language", "value": language},
            {"event": "action", "name": "eligibility_form"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text},
            {"event": "action", "name": "action_extract_slots"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": "eligibility_form"},
        latest_action_name="action_extract_slots",
    )


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("requested", ["age", "annual_salary_cny", "nationality"])
def test_a_policy_question_in_the_eligibility_check_is_answered_and_the_check_goes_on(
    backend, language, requested
):
    kept = {"highest_degree": "master", "relevant_experience_years": 5}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateEligibilityForm().run(
            dispatcher, eligibility_tracker(COST[language], language, requested, kept), {}
        )
    )
    said = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert SOURCE[language] in said
    assert eligibility.message("back_to_check", language) in said
    # the question stays unanswered (the form asks it again), every other answer is kept
    assert events == [{"event": "slot", "timestamp": None, "name": requested, "value": None}]
    assert not any(e.get("name") in kept for e in events)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_answer_is_still_an_answer_in_the_eligibility_check(backend, language):
    tracker = eligibility_tracker("34", language, "age", {})
    tracker.latest_message["intent"] = {"name": "inform", "confidence": 0.9}
    events = asyncio.run(ValidateEligibilityForm().run(CollectingDispatcher(), tracker, {}))
    assert events[-1]["name"] == "age" and events[-1]["value"] == 34
