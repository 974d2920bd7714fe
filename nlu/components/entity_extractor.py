"""Rasa NLU component: the service_item, case_number, country and city entities of a message.

Untrained: the patterns are built from the knowledge data when the model loads
(nlu/components/entities.py), so an edit of items.yml, a region profile or the country names
takes effect at the next start without retraining. Entities get Rasa's usual keys (`entity`,
`value`, `start`, `end` into the original text) and `extractor` = this class's name.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.entities import EntityFinder, finder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the entities the knowledge data names; keeps entities set before (button payloads)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self, config: Dict[str, Any], entity_finder: EntityFinder | None = None) -> None:
        self.config = config
        self.finder = entity_finder or finder()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeEntityExtractor:
        return cls(config)

    @staticmethod
    def required_packages() -> List[str]:
        return ["spacy", "pycountry", "babel"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = [e.as_dict(text) for e in self.finder.find(text)]
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, (message.get(ENTITIES) or []) + found, add_to_output=True)
        return messages
