"""The rasa-sdk side of the form base: slot resets and the validation action every form extends."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar, Dict, List

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet

from actions.forms.base import answers_pending, is_external, is_other_request, latest
from actions.forms.settings import FormSettings, form_settings


def reset_slots(*names: str) -> List[Dict[str, Any]]:
    """SlotSet(name, None) for each slot, in this order."""
    return [SlotSet(name, None) for name in names]


class FormBase(FormValidationAction):
    """A form's validation action: `form` names the form (and its entry in actions/forms.yml).

    Abstract (rasa-sdk registers only concrete actions): a form defines `name()`, `form`, and
    either rasa-sdk's `validate_<slot>` methods or its own `run`."""

    form: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        # rasa-sdk creates every action once when it registers it: a form without settings,
        # or a bad actions/forms.yml, stops the action server at its start
        form_settings(self.form)

    @abstractmethod
    def name(self) -> str: ...

    @property
    def settings(self) -> FormSettings:
        return form_settings(self.form)

    def pending(self, tracker: Tracker) -> bool:
        """A user message this form has not answered yet (not one pushed by the backend)."""
        return answers_pending(tracker, self.form) and not is_external(latest(tracker))

    def other_request(self, tracker: Tracker, sure: bool = True) -> bool:
        return is_other_request(self.settings, latest(tracker), sure)
