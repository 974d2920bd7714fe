"""The application form's slots and its non-personal dialogue state (no rasa-sdk)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

FORM = "application_form"
CONFIRMED = "application_confirmed"
PHASE = "application_phase"
STEP = "application_step"
ITEMS = "application_items"
ROLE = "application_role"
SUMMARY = "application_summary"
STATE = "application_state"
POSITION_SLOTS = (PHASE, STEP, ITEMS, ROLE, SUMMARY, STATE)

# application_confirmed: what ends the form (action_application_submit reads it)
SUBMIT, DECLINED, CLOSED = True, "declined", "closed"

# Eligibility answers offered to the form (docs/application.md, "Eligibility carry-over").
ELIGIBILITY_SLOTS = (
    "age",
    "highest_degree",
    "nationality",
    "relevant_experience_years",
    "annual_salary_cny",
    "application_type",
    "in_china",
)
SKIPPED_ELIGIBILITY = "skipped"


def new_state(state: Any = None) -> Dict[str, Any]:
    """The non-personal dialogue state: field keys, counts and the time the draft was saved."""
    state = dict(state or {}) if isinstance(state, Mapping) else {}
    return {
        "fields": [str(k) for k in state.get("fields") or []],
        "history": [str(k) for k in state.get("history") or []],
        "skipped": [str(k) for k in state.get("skipped") or []],
        "failures": {
            str(k): int(v) for k, v in dict(state.get("failures") or {}).items() if str(v).isdigit()
        },
        "saved": state.get("saved") if isinstance(state.get("saved"), str) else None,
        # what the form's question has shown in full already ("consent": the consent text is
        # not repeated, a one-line reminder with the buttons is asked instead)
        "shown": [str(k) for k in state.get("shown") or []],
        # how the question is asked again this turn: "after_question" once a policy question
        # asked in the middle of the form has been answered (a "back to the form" line first)
        "reask": state.get("reask") if isinstance(state.get("reask"), str) else None,
    }


def next_step(fields: List[str], answered: Mapping[str, Any], skipped: List[str]) -> str | None:
    for key in fields:
        if answered.get(key) in (None, "") and key not in skipped:
            return key
    return None
