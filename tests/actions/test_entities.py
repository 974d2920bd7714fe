"""The entities of a message used by the dialogue (docs/intents.md, "Entities"), on tracker fixtures:

- service_item at the start of the application: the items question is skipped after the
  consent and the role, the items-noted message and the summary show them; conflicting or
  unknown ones fall back to asking; a resumed draft keeps its own items;
- country at the start of the eligibility form: the nationality is pre-filled (and said),
  and stays correctable;
- country with a social-insurance answer: the bilateral agreement's line for that country.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import eligibility, faq
from actions.application.actions import entity_items
from actions.backend_client import FaqAnswer, FaqEntry
from actions.eligibility import ValidateEligibilityForm
from actions.faq import ActionAnswerPolicyQuestion, for_country
from tests.actions.fakes import Dialogue, FakeBackend
from tests.actions.test_application_form import VALID, VALID_ZH, fill


def items(*values: str) -> List[Dict[str, Any]]:
    return [{"entity": "service_item", "value": v} for v in values]


EXTENSIONS = items("work_permit_extension", "residence_permit_extension")


# --- service_item: the application ------------------------------------------------------------


@pytest.mark.parametrize(
    "entities, expected",
    [
        (EXTENSIONS, ["work_permit_extension", "residence_permit_extension"]),
        (
            items("residence_permit_extension", "work_permit_extension", "work_permit_extension"),
            ["work_permit_extension", "residence_permit_extension"],
        ),  # catalogue order, once each
        (items("work_permit_new", "work_permit_extension"), []),  # conflict: asked
        (items("work_permit_new", "passport"), []),  # an unknown item: asked
        ([{"entity": "country", "value": "DE"}], []),
        ([], []),
    ],
)
def test_items_from_the_entities(entities, expected):
    assert entity_items({"entities": entities}) == expected


@pytest.mark.parametrize(
    "language, start, agree, role, noted, summary",
    [
        (
            "en",
            "I want to extend my work permit and residence permit",
            "I agree",
            "I am the worker",
            ["Work permit: extension", "Residence permit: extension"],
            "Services: Work permit: extension",
        ),
        (
            "zh",
            "我要办工作许可延期和居留许可延期",
            "同意",
            "我是申请人本人",
            ["外国人来华工作许可：延期", "外国人居留证件：延期"],
            "申请事项：外国人来华工作许可：延期",
        ),
        (
            "en",
            "我想extend my work permit和residence permit",
            "I agree",
            "I am the worker",
            ["Work permit: extension", "Residence permit: extension"],
            "Services: Work permit: extension",
        ),
    ],
)
def test_items_named_at_the_start_skip_the_items_question(
    monkeypatch, language, start, agree, role, noted, summary
):
    backend = FakeBackend()
    d = Dialogue(monkeypatch, backend, language)
    d.start(start, entities=EXTENSIONS)
    assert d.slots["application_phase"] == "consent"
    assert d.slots["application_items"] == ["work_permit_extension", "residence_permit_extension"]
    d.say(agree, intent="affirm")
    assert d.slots["application_phase"] == "role"
    assert backend.drafts["conv-1"]["items"] == []  # nothing saved before the consent and the role
    reply = Dialogue.text(d.say(role))
    assert d.slots["application_phase"] == "fields" and d.slots["application_step"] == "surname"
    assert all(name in reply for name in noted)
    assert ("Which services" not in reply) and ("申请哪些事项" not in reply)
    assert backend.drafts["conv-1"]["items"] == ["work_permit_extension", "residence_permit_extension"]
    assert backend.drafts["conv-1"]["role"] == "worker"
    fields = d.slots["application_state"]["fields"]
    assert fields and "current_work_permit_number" in fields
    fill(d, VALID_ZH if language == "zh" else VALID)
    assert d.slots["application_phase"] == "summary"
    assert summary in Dialogue.text(d.turns[-1])


def test_items_named_at_the_start_with_the_hr_role(monkeypatch):
    d = Dialogue(monkeypatch, FakeBackend(), "en")
    d.start("I want to extend my work permit and residence permit", entities=EXTENSIONS)
    d.say("I agree", intent="affirm")
    d.say("I am the employer's HR")
    assert d.slots["application_role"] == "hr" and d.slots["application_phase"] == "fields"
    assert d.slots["application_state"]["fields"][0] == d.slots["application_step"]


def test_conflicting_items_at_the_start_are_asked(monkeypatch):
    d = Dialogue(monkeypatch, FakeBackend(), "en")
    d.start(
        "I want to apply for a new work permit and extend my work permit",
        entities=items("work_permit_new", "work_permit_extension"),
    )
    assert d.slots["application_items"] is None
    d.say("I agree", intent="affirm")
    assert "Which services" in Dialogue.text(d.say("I am the worker"))
    assert d.slots["application_phase"] == "items"


def test_declining_the_consent_forgets_the_items(monkeypatch):
    d = Dialogue(monkeypatch, FakeBackend(), "en")
    d.start("I want to extend my work permit and residence permit", entities=EXTENSIONS)
    d.say("I do not agree", intent="deny")
    assert d.slots["application_items"] is None and d.slots["application_phase"] is None


def test_a_resumed_draft_keeps_its_own_items(monkeypatch):
    backend = FakeBackend()
    d = Dialogue(monkeypatch, backend, "en")
    d.start()
    d.say("I agree", intent="affirm")
    d.say("I am the worker")
    d.say("electronic social security card", intent="ask_policy")
    d.say("stop", intent="stop", confidence=0.99)
    d.active_loop = None
    offer = Dialogue.text(
        d.start("I want to extend my work permit and residence permit", entities=EXTENSIONS)
    )
    assert d.slots["application_items"] == ["e_social_security_card"] and "unfinished application" in offer
    d.say("continue", intent="affirm")
    assert d.slots["application_items"] == ["e_social_security_card"]
    assert backend.drafts["conv-1"]["items"] == ["e_social_security_card"]


def test_a_failed_save_at_the_role_keeps_the_role_question(monkeypatch):
    backend = FakeBackend()
    d = Dialogue(monkeypatch, backend, "en")
    d.start("I want to extend my work permit and residence permit", entities=EXTENSIONS)
    d.say("I agree", intent="affirm")
    backend.down = True
    d.say("I am the worker")
    assert d.slots["application_phase"] == "role" and d.slots["application_role"] is None
    backend.down = False
    d.say("I am the worker")
    assert d.slots["application_phase"] == "fields"
    assert backend.drafts["conv-1"]["items"] == ["work_permit_extension", "residence_permit_extension"]


# --- country: the eligibility form -------------------------------------------------------------


def starting_tracker(
    text: str, entities: List[Dict[str, Any]], language: str = "en", slots: Dict[str, Any] | None = None
) -> Tracker:
    """The tracker of the validation Rasa runs when check_eligibility activates the form."""
    all_slots = dict.fromkeys(eligibility.FORM_SLOTS)
    all_slots.update(slots or {})
    all_slots.update({"language": language, "requested_slot": None})
    return Tracker(
        sender_id="test-user",
        slots=all_slots,
        latest_message={
            "text": text,
            "intent": {"name": "check_eligibility", "confidence": 0.97},
            "entities": entities,
            "language": {"language": language, "reason": "script"},
        },
        events=[
            {"event": "slot", "name": "language", "value": language},
            {"event": "user", "text": text},
            {"event": "action", "name": "action_extract_slots"},
            {"event": "action", "name": "utter_eligibility_intro"},
        ],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="utter_eligibility_intro",
    )


def validate(tracker: Tracker) -> tuple[List[str], Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateEligibilityForm().run(dispatcher, tracker, {}))
    return [m.get("text") or "" for m in dispatcher.messages], {e["name"]: e["value"] for e in events}


FRANCE = [{"entity": "country", "value": "FR"}, {"entity": "service_item", "value": "work_permit_new"}]


@pytest.mark.parametrize(
    "text, language, said",
    [
        ("I'm French, can I get a work permit?", "en", "Noted: nationality: France."),
        ("我是法国人，可以办工作许可吗？", "zh", "已记录：国籍：法国。"),
        ("I'm French, 能办work permit吗", "en", "Noted: nationality: France."),
    ],
)
def test_a_country_at_the_start_fills_the_nationality(text, language, said):
    messages, slots = validate(starting_tracker(text, FRANCE, language))
    assert slots == {"nationality": "FR"} and messages == [said]


def test_a_country_at_the_start_replaces_an_earlier_nationality():
    assert validate(
        starting_tracker(
            "I'm French, can I get a work permit?", FRANCE, slots={"nationality": "DE", "age": 34}
        )
    )[1] == {"nationality": "FR"}


@pytest.mark.parametrize(
    "entities",
    [[], [{"entity": "service_item", "value": "work_permit_new"}], [{"entity": "country", "value": "XX"}]],
)
def test_no_country_at_the_start_fills_nothing(entities):
    assert validate(starting_tracker("can I get a work permit?", entities)) == ([], {})


def test_the_prefilled_nationality_stays_correctable():
    tracker = starting_tracker("I'm French, can I get a work permit?", FRANCE)
    _, slots = validate(tracker)
    text = "sorry, my nationality is German, not French"
    answer = Tracker(
        sender_id="test-user",
        slots={**tracker.slots, **slots, "requested_slot": "age"},
        latest_message={
            "text": text,
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{"entity": "country", "value": "DE"}],
            "language": {"language": "en", "reason": "script"},
        },
        events=[
            *tracker.events,
            {"event": "action", "name": "eligibility_form"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text},
            {"event": "action", "name": "action_extract_slots"},
            {"event": "action", "name": "eligibility_form"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": "eligibility_form"},
        latest_action_name="action_listen",
    )
    messages, corrected = validate(answer)
    assert corrected.get("nationality") == "DE" and any("nationality: Germany" in m for m in messages)


def test_a_country_mid_form_is_not_a_start():
    tracker = starting_tracker("I'm French", [{"entity": "country", "value": "FR"}])
    tracker.slots["requested_slot"] = "age"
    assert validate(tracker)[1] == {}  # the form asked nothing new: no validation (test_eligibility_form)


# --- country: social-insurance answers ----------------------------------------------------------

SI_ENTRY = FaqEntry(
    id="si-foreigners-join",
    question="Do foreigners pay social insurance?",
    answer="Yes, foreigners employed in China join the social insurance.",
    source="https://example.org/si",
    checked="2026-11-02",
    topic="social_insurance",
)
FEE_ENTRY = FaqEntry(
    id="t-wp-fee", question="How much is the work permit?", answer="It is free.", topic="work_permit"
)


def faq_tracker(text: str, entities: List[Dict[str, Any]], language: str = "en") -> Tracker:
    return Tracker(
        sender_id="test-user",
        slots={"language": language, "last_faq_id": None},
        latest_message={
            "text": text,
            "intent": {"name": "ask_policy", "confidence": 0.99},
            "entities": entities,
            "language": {"language": language, "reason": "script"},
        },
        events=[{"event": "slot", "name": "language", "value": language}, {"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


class StubFaq:
    def __init__(self, entry: FaqEntry) -> None:
        self.entry = entry

    async def answer_policy_question(self, question: str, language: str) -> FaqAnswer:
        return FaqAnswer(status="answer", entry=self.entry)


def answer(monkeypatch, entry: FaqEntry, text: str, entities: List[Dict[str, Any]], language: str = "en"):
    monkeypatch.setattr(faq, "BackendClient", lambda: StubFaq(entry))
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionAnswerPolicyQuestion().run(dispatcher, faq_tracker(text, entities, language), {})
    )
    return dispatcher.messages, events


GERMAN = [{"entity": "country", "value": "DE"}, {"entity": "service_item", "value": "social_insurance"}]


@pytest.mark.parametrize(
    "text, language, line",
    [
        (
            "I'm German, do I need to pay social insurance?",
            "en",
            "For you as a national of Germany: Under the China-Germany agreement you can be exempt from Chinese pension "
            "and unemployment insurance for 60 months",
        ),
        (
            "我是德国人，需要交社保吗？",
            "zh",
            "按您的国籍（德国）：根据中德社会保险协定，您可免缴中国的基本养老保险和失业保险",
        ),
        ("I'm German, 要交社保吗", "zh", "按您的国籍（德国）："),
    ],
)
def test_a_social_insurance_answer_for_a_nationality(monkeypatch, text, language, line):
    messages, events = answer(monkeypatch, SI_ENTRY, text, GERMAN, language)
    first = messages[0]["text"]
    assert (
        first.startswith(SI_ENTRY.answer)
        and line in first
        and "Source: https://example.org/si" not in first[:40]
    )
    assert len(messages) == 2  # the answer, "was this helpful?": the agreement's scope is known
    assert [e["value"] for e in events if e.get("name") == "last_faq_id"] == ["si-foreigners-join"]


def test_an_agreement_without_a_known_scope_offers_a_person(monkeypatch):
    messages, _ = answer(
        monkeypatch,
        SI_ENTRY,
        "I'm French, do I need to pay social insurance?",
        [{"entity": "country", "value": "FR"}],
    )
    assert (
        "China has a social security agreement with France, but our sources do not give"
        in messages[0]["text"]
    )
    assert any(b["payload"] == "/request_human" for m in messages for b in m.get("buttons") or [])


def test_no_agreement_means_all_five_insurances():
    entry = for_country(
        SI_ENTRY, faq_tracker("I'm American, social insurance?", [{"entity": "country", "value": "US"}]), "en"
    )
    assert "no social security agreement with United States" in entry.answer and not entry.uncertain


@pytest.mark.parametrize(
    "entry, entities",
    [
        (SI_ENTRY, []),  # no nationality named
        (FEE_ENTRY, [{"entity": "country", "value": "DE"}]),  # not about social insurance
        (SI_ENTRY, [{"entity": "country", "value": "ZZ"}]),  # not a country
    ],
)
def test_other_answers_are_unchanged(entry, entities):
    assert for_country(entry, faq_tracker("question", entities), "en") == entry


def test_the_topic_is_read_from_the_backend():
    assert FaqEntry.from_json({"id": "si-1", "topic": "social_insurance"}).topic == "social_insurance"
    assert FaqEntry.from_json({"id": "x"}).topic == ""
