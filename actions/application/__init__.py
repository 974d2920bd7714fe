"""start_application: the merged form (一表申请); docs/application.md describes the flow.

  state.py     the form's slots and its non-personal dialogue state
  commands.py  the whole-message command grammar, reading the role and the items
  machine.py   the state machine (one message in, messages and slot changes out; no rasa-sdk)
  render.py    the questions, the summary, the submission answer
  actions.py   the rasa-sdk actions (validate_application_form, action_application_start,
               action_ask_application_confirmed, action_application_submit, action_delete_my_data)

The rasa-sdk actions are re-exported lazily (PEP 562 `__getattr__`), so that importing the
state machine does not import rasa-sdk; the action server imports actions.py itself (it walks
every submodule of the `actions` package).
"""

from __future__ import annotations

from typing import Any

from actions.application.commands import command, parse_items, parse_role
from actions.application.machine import Turn, TurnInput
from actions.application.state import POSITION_SLOTS

ACTIONS = (
    "ValidateApplicationForm",
    "ActionApplicationStart",
    "ActionAskApplicationConfirmed",
    "ActionApplicationSubmit",
    "ActionDeleteMyData",
)

__all__ = ["command", "parse_items", "parse_role", "Turn", "TurnInput", "POSITION_SLOTS", *ACTIONS]


def __getattr__(name: str) -> Any:
    if name in ACTIONS:
        from actions.application import actions

        return getattr(actions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
