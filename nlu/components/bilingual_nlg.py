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

from nlu.components import fast_action_validation, fast_graph_runner
from nlu.components.conversation_language import LANGUAGE_SLOT, conversation_language


class BilingualNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Templated responses rendered in the conversation language."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None, **kwargs: Any
    ) -> None:
        super().__init__(domain.responses if domain else {})
        # Every Rasa server of this project builds this generator from endpoints.yml before
        # it loads the model: install the in-process workarounds for Rasa's per-message
        # overheads here, unless the endpoint says not to (the stock baseline does).
        options = endpoint_config.kwargs if endpoint_config is not None else {}
        if options.get("fast_action_validation", True):
            fast_action_validation.install()  # action responses checked per event type
        if options.get("fast_graph_runner", True):
            fast_graph_runner.install()  # the model's graph run in a fixed order, without dask

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
