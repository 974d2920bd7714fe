"""No message body in Rasa's logs (issue #17, docs/security.md).

Rasa's structured log events carry message texts, slot values and events under known keys
("rest.message.received.failure" logs the text of a message whose handling failed: a phone
number or a date sent as a JSON number reached the error log raw, since the tracker store's
redaction never saw it). Rasa passes every event through `rasa.utils.log_utils._anonymizer`
(its hook for an anonymization pipeline); `install()` replaces that processor, before Rasa
configures structlog, with one that replaces those keys' values by NOT_LOGGED. The event's
name, level and the exception's type and traceback stay, so failures are still visible, but
the traceback's frames are rendered without their local variables (which held the text).
"""

from __future__ import annotations

from typing import Any, Dict

NOT_LOGGED = "[not logged]"
# Rasa 3.6's `_anonymizer` keys: where its log events put texts, slots and events.
BODY_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
    }
)


def mask_bodies(_logger: Any, _method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """structlog processor: the body keys' values replaced (empty values are kept as they are)."""
    for key in BODY_KEYS.intersection(event_dict):
        if event_dict[key] not in (None, "", [], {}):
            event_dict[key] = NOT_LOGGED
    return event_dict


def install() -> None:
    """Put mask_bodies in Rasa's log pipeline and drop the local variables from its tracebacks
    (call before Rasa's configure_structlog)."""
    import rasa.utils.log_utils as log_utils
    import structlog
    from structlog.tracebacks import ExceptionDictTransformer

    log_utils._anonymizer = mask_bodies
    # Rasa's JSON log (when the output is not a terminal) renders exceptions with
    # structlog's dict_tracebacks, which lists every frame's local variables: the message
    # text among them. Rasa looks the processor up when it configures structlog.
    structlog.processors.dict_tracebacks = structlog.processors.ExceptionRenderer(
        ExceptionDictTransformer(show_locals=False)
    )
