"""Personal data typed by the user never reaches the tracker store or the event broker.

Store tests run on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.redaction import REDACTED, redact_events, redact_text, sensitive_fields
from tests.unit.test_cached_sql_tracker_store import DOMAIN, CollectingBroker, make_store  # noqa: F401

PASSPORT = "E98765432"
PHONE = "13912345678"
EMAIL = "anna.schmidt@example.de"


@pytest.mark.parametrize(
    "text, secret",
    [
        ("my passport number is actually E98765432", PASSPORT),
        ("我的护照号码是E98765432", PASSPORT),
        ("passport: c01x00t47 thanks", "c01x00t47"),
        ("US passport 123456789", "123456789"),
        ("call me on 139 1234 5678", "139 1234 5678"),
        ("手机+86 13912345678", "13912345678"),
        ("office 0591-87654321", "87654321"),
        ("mail anna.schmidt@example.de please", EMAIL),
        ("我的邮箱是anna.schmidt@example.de", EMAIL),
        ("born 1990-05-12", "1990-05-12"),
        ("出生于1990年5月12日", "1990年5月12日"),
        ("一九九〇年五月十二日出生", "一九九〇年五月十二日"),
        ("born 12 May 1990", "12 May 1990"),
        ("born May 12, 1990", "May 12, 1990"),
        ("dob 12/05/1990", "12/05/1990"),
        # issue #17: every spelling the readers understand, and the usual dodges
        ("born 1988 07 14", "1988 07 14"),
        ("born 14 07 1988", "14 07 1988"),
        ("I was born on the 14th of July 1988", "14th of July 1988"),
        ("July 14th 1988 is my birthday", "July 14th 1988"),
        ("dob 14-jul-1988", "14-jul-1988"),
        ("passport E 8765 4321 please", "8765 4321"),
        ("my passport is e-8765-4321", "8765"),
        ("护照号码 E 8765 4321", "8765 4321"),
        ("write to jane.roe at example.org", "jane.roe"),
        ("jane.roe (at) example dot org", "jane.roe"),
        ("jane.roe[at]example.org", "jane.roe"),
        ("jane.roe＠example.org", "jane.roe"),
    ],
)
def test_personal_data_in_a_message_is_masked(text, secret):
    masked = redact_text(text)
    assert secret not in masked
    assert REDACTED in masked


@pytest.mark.parametrize(
    "text",
    [
        "where is FJ2026000123?",
        "我的案件号WH2026000001",
        "company code 91350100M000100Y43",
        "salary 300000 a year",
        "I want a work permit for 2 years",
        "我想apply work permit",
        "hello",
        "",
        "case FJ 2026 000123 please",
        "I arrived in 2019 and stay 3 years",
        "meet at 9 am, at 10 30 2024 maybe",
        "where do I apply at the office",
        "2 kids, 1 dog",
    ],
)
def test_ordinary_messages_case_numbers_and_company_codes_are_kept(text):
    assert redact_text(text) == text


def test_the_answer_to_a_sensitive_question_is_replaced_whole():
    events = [
        SlotSet("application_step", "surname"),
        UserUttered("Schmidt", {"name": "inform", "confidence": 0.9}),
        SlotSet("application_step", "passport_number"),
        UserUttered("it's ab 12 34 56", {"name": "inform", "confidence": 0.9}),
        SlotSet("application_step", "address_in_china"),
        UserUttered("88 Wusi Road, Fuzhou", {"name": "inform", "confidence": 0.9}),
        SlotSet("application_step", "position"),
        UserUttered("Data analyst", {"name": "inform", "confidence": 0.9}),
    ]
    redact_events(events)
    texts = [e.text for e in events if isinstance(e, UserUttered)]
    # Names and the address are personal data too (issue #17); a job title is not.
    assert texts == [REDACTED, REDACTED, REDACTED, "Data analyst"]
    assert events[3].parse_data["text"] == REDACTED


@pytest.mark.parametrize(
    "slot, step, answer",
    [
        ("application_step", "given_names", "Jane Mary"),
        ("application_step", "chinese_name", "罗简"),
        ("application_step", "date_of_birth", "the fourteenth of july, eighty-eight"),
        ("requested_slot", "age", "1988 07 14"),  # the eligibility form takes a date of birth
        ("requested_slot", "age", "14th of July 1988"),
        ("requested_slot", "status_verified", "E 8765 4321"),  # the status form's passport number
    ],
)
def test_every_form_question_for_personal_data_masks_its_answer_whole(slot, step, answer):
    events = [SlotSet(slot, step), UserUttered(answer, {"name": "inform", "confidence": 0.9})]
    redact_events(events)
    assert events[1].text == REDACTED


def test_the_masked_answers_are_fields_or_form_slots():
    from knowledge.application import catalogue

    cat = catalogue()
    assert set(cat.masked_in_conversation) <= set(cat.fields)
    assert {"surname", "given_names", "chinese_name"} <= sensitive_fields()
    slots = set(DOMAIN.slots and [s.name for s in DOMAIN.slots])
    assert set(cat.other_sensitive_slots) <= slots


def test_only_events_after_start_are_touched_but_the_step_is_read_from_all():
    events = [
        SlotSet("application_step", "phone"),
        UserUttered("13912345678"),
        ActionExecuted("action_listen"),
        UserUttered("13912345678"),
    ]
    redact_events(events, start=2)
    assert events[1].text == "13912345678"  # already stored: not this call's business
    assert events[3].text == REDACTED


def test_entity_values_are_masked_too():
    event = UserUttered(
        "passport E98765432",
        {"name": "inform", "confidence": 1.0},
        [{"entity": "passport", "value": "E98765432", "start": 9, "end": 18}],
    )
    redact_events([event])
    assert event.entities[0]["value"] == REDACTED
    assert "E98765432" not in json.dumps(event.as_dict())


def test_the_sensitive_fields_include_the_four_named_by_the_design():
    assert {"passport_number", "phone", "email", "date_of_birth"} <= sensitive_fields()


async def test_the_store_and_the_broker_never_see_the_raw_values(make_store):  # noqa: F811
    broker = CollectingBroker()
    store = make_store(broker=broker)
    sender = f"s-{uuid.uuid4().hex}"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for step, text in [
        ("passport_number", PASSPORT),
        ("phone", PHONE),
        ("address_in_china", "88 Wusi Road"),
        ("position", "Data analyst"),
        ("position", f"oh and my email is {EMAIL}, born 1990-05-12"),
    ]:
        tracker.update(SlotSet("application_step", step))
        tracker.update(UserUttered(text, {"name": "inform", "confidence": 1.0}))
        tracker.update(ActionExecuted("validate_application_form"))
        tracker.update(BotUttered("ok"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    with store.engine.connect() as conn:
        rows = [
            r[0] for r in conn.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender})
        ]
    stored = "\n".join(rows) + json.dumps(broker.published)
    for secret in (PASSPORT, PHONE, EMAIL, "1990-05-12", "88 Wusi Road"):
        assert secret not in stored
    assert "Data analyst" in stored  # ordinary answers are kept
    cached = await store.retrieve(sender)
    assert PASSPORT not in json.dumps([e.as_dict() for e in cached.events])


# --- linear patterns (issue #17): the results on adversarial shapes; timings are in make bench ---
SIMPLE_EMAIL = __import__("re").compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@pytest.mark.parametrize(
    "text",
    [
        "mail anna.schmidt@example.de please",
        "a@b.c_d@e.f",
        "a@b.c.d@e.f",
        "x.a@b.c.",
        "__a@b.cc+x@y.zz",
        "((foo@x.com))",
        "a@@b.c",
        "a@b",
        "a.@b.c..d@e.f",
        "中文anna@example.de中文",
        "1@2.3@4.5%6@7.8",
    ],
)
def test_the_linear_email_pattern_matches_as_the_simple_one(text):
    from stores.redaction import EMAIL

    assert EMAIL.sub(REDACTED, text) == SIMPLE_EMAIL.sub(REDACTED, text)


def test_adversarial_shapes_give_the_expected_results():
    from stores.redaction import redact_patterns

    n = 50_000
    assert redact_patterns("a" * n) == "a" * n
    assert redact_patterns("a@" * n) == "a@" * n  # no domain with a dot: nothing to mask
    assert redact_patterns("a.a@" * 3) == f"{REDACTED}@a.a@"  # as the simple pattern: greedy domain
    assert redact_patterns("1" * n) == "1" * n  # too long for an identifier or a phone
    assert redact_patterns("x " * n + EMAIL) == "x " * n + REDACTED


def test_the_new_spellings_stay_linear_on_adversarial_shapes():
    from stores.redaction import redact_patterns

    n = 50_000
    for shape in (
        "a at " * n,
        "a.a at b" * n,
        "1 " * n,
        "E 1" * n,
        "14th of " * n,
        "july " * n,
        "a (at) " * n,
    ):
        assert isinstance(redact_patterns(shape), str)


def test_a_text_beyond_the_redaction_limit_is_masked_whole():
    from stores.redaction import MAX_REDACT_CHARS

    assert redact_text("a" * MAX_REDACT_CHARS) == "a" * MAX_REDACT_CHARS
    assert redact_text("a" * (MAX_REDACT_CHARS + 1)) == REDACTED
