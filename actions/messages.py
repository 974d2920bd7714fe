"""What every capability shows the same way: the buttons, a department's name; the actions'
sentences are texts/*.yml (texts.t)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from knowledge.application import catalogue
from texts import t

HUMAN_PAYLOAD = "/request_human"


def button(intent: str, language: str) -> Dict[str, str]:
    """The shared quick reply for /<intent> (texts/common.yml button.<intent>)."""
    return {"title": t(f"common.button.{intent}", language), "payload": f"/{intent}"}


def staff_button(language: str) -> Dict[str, str]:
    """The "talk to staff" quick reply every capability offers."""
    return button(HUMAN_PAYLOAD[1:], language)


def menu_buttons(language: str) -> List[tuple[str, str]]:
    """The main menu as (title, payload): ask a question, check eligibility, talk to staff."""
    return [(b["title"], b["payload"]) for b in (button(intent, language) for intent in MENU_INTENTS)]


MENU_INTENTS = ("ask_policy", "check_eligibility", "request_human")


def department_name(item: Mapping[str, Any], language: str) -> str:
    """A case item's department in the user's language (the catalogue's name; else the name or
    key the backend sent)."""
    department = catalogue().departments.get(str(item.get("department")))
    if department is not None:
        return department.name[language]
    return str(item.get("department_name") or item.get("department") or "")
