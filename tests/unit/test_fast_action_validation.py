"""Action-server responses are validated exactly as Rasa does, with a cached validator."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from nlu.components.bilingual_nlg import BilingualNaturalLanguageGenerator
from nlu.components.fast_action_validation import validate_action_result


def action() -> RemoteAction:
    return RemoteAction("action_answer_policy_question", EndpointConfig("http://127.0.0.1:1"))


def test_building_the_nlg_installs_the_cached_validator():
    BilingualNaturalLanguageGenerator(EndpointConfig(type="nlu.components.bilingual_nlg.X"))
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_response_passes():
    result = {"events": [{"event": "slot", "timestamp": None, "name": "last_faq_id", "value": "wp-fee"}],
              "responses": [{"text": "answer", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]}
    assert action()._validate_action_result(result) is True


@pytest.mark.parametrize("bad", [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": "not a list"},
])
def test_an_invalid_response_is_rejected_with_rasas_message(bad):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action()._validate_action_result(bad)
