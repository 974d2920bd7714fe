"""Dialogue policy that keeps the `language` slot in step with the conversation.

It never chooses an action (all-zero probabilities, lowest priority); it only emits a
`SlotSet("language", ...)` when the latest message moves the conversation language, so
the choice is stored in the tracker and sticks across neutral messages.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from dialogue.conversation_language import LANGUAGE_SLOT, conversation_language


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class LanguagePolicy(Policy):
    """Stores the reply language chosen by the latest message in the `language` slot."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": 0}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguagePolicy:
        return cls(config, model_storage, resource, execution_context)

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        events = []
        target = conversation_language(tracker)
        if tracker.get_slot(LANGUAGE_SLOT) != target:
            events.append(SlotSet(LANGUAGE_SLOT, target))
        return self._prediction(self._default_predictions(domain), events=events)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguagePolicy:
        return cls.create(config, model_storage, resource, execution_context)  # nothing was trained

    def persist(self) -> None:
        """Nothing to store: the policy has no trained state."""
