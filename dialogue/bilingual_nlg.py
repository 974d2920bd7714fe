"""Response generator that answers in the conversation language.

Same responses and conditional variations as Rasa's templated generator (the
`language` slot condition in domain.yml picks the variant); the only difference is that
the `language` value is the one the latest message resolves to, so the first reply of a
turn that switches language is already in the new language.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from dialogue.conversation_language import LANGUAGE_SLOT, conversation_language


class BilingualNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Templated responses rendered in the conversation language."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None, **kwargs: Any
    ) -> None:
        super().__init__(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Dict[str, Any] | None:
        filled_slots = tracker.current_slot_values()
        filled_slots[LANGUAGE_SLOT] = conversation_language(tracker)
        return self.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
