"""Validate action-server responses with validators built once, one per event type.

Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first
re-validates Rasa's large events schema against the JSON-Schema meta-schema (25 ms of a
policy answer's ~40 ms, docs/benchmarks.md), and then tries every event against all 23
branches of the schema's `oneOf`: a form turn's dozen `slot` events cost ~10 % of the
Rasa process under load. The branches differ by a `const` on the `event` key, so an event
can only ever match the branch named by its own `event` value: checking that one branch
(with the schema's shared properties) gives the same verdict. Anything this fast path does
not accept goes through the full validator built once, which raises the same
`ValidationError` with the same message Rasa adds; tests compare the verdicts on random
responses. Installed by `rasa_ext.install()` at Rasa server start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.utils.schemas.events import EVENT_SCHEMA

RASA_VALIDATION = RemoteAction.__dict__["_validate_action_result"]  # Rasa's own, whatever is installed


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every response
    return cls(schema)


@lru_cache(maxsize=1)
def _event_validators() -> Dict[str, Any]:
    """The `oneOf` branch of each event type, joined with the properties all events share."""
    from jsonschema.validators import validator_for

    shared = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    validators = {}
    for branch in EVENT_SCHEMA["oneOf"]:
        schema = {"allOf": [shared, branch]}
        cls = validator_for(schema)
        cls.check_schema(schema)
        validators[branch["properties"]["event"]["const"]] = cls(schema)
    return validators


def _plainly_valid(result: Any) -> bool:
    """True only for responses the full schema accepts; False means 'ask the full validator'."""
    if not isinstance(result, dict):
        return False
    events = result.get("events", [])
    responses = result.get("responses", [])
    if not isinstance(events, list) or not isinstance(responses, list):
        return False
    if not all(isinstance(response, dict) for response in responses):
        return False
    validators = _event_validators()
    for event in events:
        if not isinstance(event, dict):
            return False
        kind = event.get("event")
        validator = validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    from jsonschema.exceptions import best_match

    if _plainly_valid(result):
        return True
    # as jsonschema.validate: the most relevant of all errors, not the first one found
    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response "
        "from the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error
