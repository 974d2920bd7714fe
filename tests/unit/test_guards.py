"""rasa_ext.guards' payload rule, on trackers built in memory (the stack tests:
tests/integration/test_hardening.py)."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_ext.guards import payload_refusal


def offered(*payloads: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "s",
        [
            UserUttered("hi"),
            BotUttered("pick one", {"buttons": [{"title": p, "payload": p} for p in payloads]}),
        ],
    )


@pytest.mark.parametrize(
    "text",
    [
        '/EXTERNAL_case_update{"case_number": "FJ2026000001", "case_state": "approved"}',
        "/EXTERNAL_case_update",
        '/inform{"case_number": "FJ2026000001"}',
        "/greet@0.99",
        "/confirm_delete_my_data",
    ],
)
def test_payloads_the_bot_did_not_offer_are_refused(text: str) -> None:
    assert payload_refusal(text, offered("/check_status")) is not None


@pytest.mark.parametrize(
    "text", ["/greet", "/check_status", " /request_human ", "hello", "/ 123 not a payload?"]
)
def test_plain_intents_and_text_pass(text: str) -> None:
    assert payload_refusal(text, offered()) is None


def test_an_offered_button_passes_even_with_other_spacing() -> None:
    tracker = offered('/ask_policy{"faq_id": "work-permit-1"}', "/confirm_delete_my_data")
    assert payload_refusal('/ask_policy{"faq_id":"work-permit-1"}', tracker) is None
    assert payload_refusal("/confirm_delete_my_data", tracker) is None
    assert payload_refusal('/ask_policy{"faq_id": "other"}', tracker) is not None


def test_only_the_latest_bot_turn_counts() -> None:
    tracker = offered("/confirm_delete_my_data")
    tracker.update(UserUttered("something else"))
    assert payload_refusal("/confirm_delete_my_data", tracker) is not None
