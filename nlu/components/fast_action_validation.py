"""Validate action-server responses with a validator built once.

Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first
re-validates Rasa's large events schema against the JSON-Schema meta-schema: 25 ms of a
policy answer's ~40 ms on this machine (docs/benchmarks.md). This builds the validator
once per process and checks each response against the same schema, raising the same
`ValidationError` with the same message Rasa adds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every response
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    from jsonschema import ValidationError

    try:
        _validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> None:
    """Replace RemoteAction's per-call validation in this process (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
