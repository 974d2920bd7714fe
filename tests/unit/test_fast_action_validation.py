"""Action-server responses are validated exactly as Rasa does, with a cached validator."""

import pytest
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.endpoints import EndpointConfig

import rasa_ext
from rasa_ext.fast_action_validation import validate_action_result


def action() -> RemoteAction:
    return RemoteAction("action_answer_policy_question", EndpointConfig("http://127.0.0.1:1"))


def test_install_puts_the_cached_validator_in_place():
    rasa_ext.install()
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_response_passes():
    result = {
        "events": [{"event": "slot", "timestamp": None, "name": "last_faq_id", "value": "wp-fee"}],
        "responses": [{"text": "answer", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
    }
    assert action()._validate_action_result(result) is True


@pytest.mark.parametrize(
    "bad",
    [
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": "not a list", "responses": []},
        {"events": [], "responses": "not a list"},
    ],
)
def test_an_invalid_response_is_rejected_with_rasas_message(bad):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action()._validate_action_result(bad)


# ---- the per-event-type fast path gives Rasa's verdict ------------------------------------


def stock_verdict(result, exact=False):
    """Rasa 3.6's own check (jsonschema.validate, as RemoteAction._validate_action_result).

    jsonschema.validate re-checks the schema against the meta-schema on every call (the
    slowness this module removes): `exact` runs it as is, otherwise the same steps run
    with the schema checked once.
    """
    import jsonschema
    from jsonschema.exceptions import best_match

    schema = RemoteAction.action_response_format_spec()
    if exact:
        try:
            jsonschema.validate(result, schema)
            return None
        except ValidationError as e:
            return e.message
    error = best_match(STOCK(schema).iter_errors(result))
    return None if error is None else error.message


STOCK = validator_for(RemoteAction.action_response_format_spec())


def our_verdict(result):
    try:
        validate_action_result(action(), result)
        return None
    except ValidationError as e:
        return e.message.split(". Failed to validate Action server response")[0]


EVENT_NAMES = [branch["properties"]["event"]["const"] for branch in EVENT_SCHEMA["oneOf"]]
ODD_VALUES = [None, 0, 1.5, True, "", "x", [], {}, [1], {"a": 1}, -3]


def random_event(rng):
    kind = rng.choice(EVENT_NAMES + ["no_such_event", None, 3])
    event = {} if kind is None else {"event": kind}
    if rng.random() < 0.7:
        event["timestamp"] = rng.choice([None, 1700000000.5, 17, "yesterday"])
    if rng.random() < 0.3:
        event["metadata"] = rng.choice([None, {}, {"k": 1}, "m", []])
    if kind == "slot" or rng.random() < 0.1:
        if rng.random() < 0.9:
            event["name"] = rng.choice(["application_step", "language", 5, None])
        if rng.random() < 0.9:
            event["value"] = rng.choice(ODD_VALUES)
    if kind == "user" or rng.random() < 0.1:
        event["text"] = rng.choice(["hi", None, 5])
        event["parse_data"] = rng.choice(
            [
                {"intent": {"name": "greet", "confidence": 0.9}, "entities": []},
                {"intent": {"name": 5}},
                {"entities": [{"entity": "x"}]},
                {"entities": [{"entity": "x", "value": 1, "start": 0, "end": "2"}]},
                {"response_selector": {"all_retrieval_intents": []}},
                {"response_selector": {"faq": {"response": {"confidence": "high"}}}},
                "not an object",
            ]
        )
    if kind == "action" or rng.random() < 0.1:
        event["name"] = rng.choice(["action_listen", None, 7])
        event["policy"] = rng.choice(["policy_0", None, 1])
        event["confidence"] = rng.choice([1.0, None, "1"])
        if rng.random() < 0.3:
            event["hide_rule_turn"] = rng.choice([True, "yes"])
    if kind == "entities" or rng.random() < 0.1:
        if rng.random() < 0.8:
            event["entities"] = rng.choice([[], [{"entity": "a", "value": "b"}], [{"value": "b"}], "x"])
    if kind in ("bot", "active_loop", "followup") and rng.random() < 0.5:
        event["text"] = rng.choice(["answer", None, 1])
        event["name"] = rng.choice(["application_form", None])
    return event


def random_result(rng):
    if rng.random() < 0.03:
        return rng.choice([None, [], "x", 3])
    result = {}
    if rng.random() < 0.95:
        result["events"] = (
            [random_event(rng) for _ in range(rng.randint(0, 6))]
            if rng.random() < 0.95
            else rng.choice([None, "x", {}])
        )
    if rng.random() < 0.9:
        result["responses"] = (
            rng.choice([[], [{"text": "a"}], [{"text": "a"}, "b"], [{"buttons": []}]])
            if rng.random() < 0.95
            else rng.choice([None, {}, "x"])
        )
    return result


def test_the_fast_path_gives_rasas_verdict_and_message_on_random_responses():
    import random

    rng = random.Random(20261124)
    seen = {"valid": 0, "invalid": 0}
    for index in range(3000):
        result = random_result(rng)
        expected = stock_verdict(result, exact=index < 200)
        assert our_verdict(result) == expected, result
        seen["valid" if expected is None else "invalid"] += 1
    assert seen["valid"] > 300 and seen["invalid"] > 300  # both sides really exercised


def test_the_fast_path_accepts_only_what_rasa_accepts():
    import random

    from rasa_ext.fast_action_validation import _plainly_valid

    rng = random.Random(7)
    fast = 0
    for _ in range(3000):
        result = random_result(rng)
        if _plainly_valid(result):
            fast += 1
            assert stock_verdict(result) is None, result
    assert fast > 300


def test_a_form_turn_takes_the_fast_path():
    from rasa_ext.fast_action_validation import _plainly_valid

    turn = {
        "events": [
            {"event": "slot", "timestamp": None, "name": "application_step", "value": "passport_no"},
            {
                "event": "slot",
                "timestamp": None,
                "name": "application_state",
                "value": {"fields": ["a"], "language": "zh"},
            },
            {"event": "active_loop", "timestamp": None, "name": "application_form"},
            {"event": "followup", "timestamp": None, "name": "action_listen"},
        ],
        "responses": [{"text": "护照号码？", "buttons": [{"title": "跳过", "payload": "跳过"}]}],
    }
    assert _plainly_valid(turn)


def test_the_settings_can_keep_rasas_own_runner_and_validation(monkeypatch):
    import rasa.core.processor
    from rasa.engine.runner.dask import DaskGraphRunner

    from rasa_ext.fast_action_validation import RASA_VALIDATION as stock_validation
    from rasa_ext.fast_graph_runner import SequentialGraphRunner

    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", stock_validation)
    rasa_ext.install({"fast_action_validation": False, "fast_graph_runner": False})
    assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
    assert RemoteAction._validate_action_result is stock_validation
    rasa_ext.install({})
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    assert RemoteAction._validate_action_result is validate_action_result
