"""Rasa NLU component: tags every message with its language and guards the classifier.

Runs after the intent classifier. It adds `language` to the parse data (see
`language_detection.Detection`), resolves explicit change-language requests, and
overrides the intent where the classifier cannot be trusted:
- a message in an unsupported language -> `unsupported_language`;
- an empty message, emoji or symbols only, or an over-long message -> `nlu_fallback`.
The reply language itself is chosen in the dialogue (`language_policy`) from this tag.
"""

from __future__ import annotations

from typing import Any, Dict, List

import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.language_detection import (
    EMPTY,
    NEUTRAL,
    REQUEST,
    TOGGLE,
    UNSUPPORTED,
    Detection,
    detect,
    requested_language,
)

LANGUAGE_KEY = "language"
UNSUPPORTED_INTENT = "unsupported_language"
FALLBACK_INTENT = "nlu_fallback"
CHANGE_LANGUAGE_INTENT = "change_language"
_HAS_CONTENT = regex.compile(r"[\p{L}\p{N}]")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds the message language to the parse data and overrides unusable intents."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"max_message_chars": 2000}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.max_chars = int(config.get("max_message_chars", 2000))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config)

    @staticmethod
    def required_packages() -> List[str]:
        return ["langdetect", "regex"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if text.startswith("/"):
            # A button payload such as /ask_policy{"faq_id": "..."}: Rasa's
            # RegexMessageHandler sets the intent; it says nothing about language.
            message.set(LANGUAGE_KEY, Detection(None, NEUTRAL).as_dict(), add_to_output=True)
            return
        detection = detect(text)
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)

        if intent == CHANGE_LANGUAGE_INTENT and detection.reason != UNSUPPORTED:
            target = requested_language(text)
            detection = Detection(target, REQUEST) if target else Detection(None, TOGGLE)
        elif detection.reason == UNSUPPORTED:
            self._override_intent(message, UNSUPPORTED_INTENT)
        elif detection.reason == EMPTY or not _HAS_CONTENT.search(text):
            self._override_intent(message, FALLBACK_INTENT)
        elif len(text) > self.max_chars:
            # Nobody asks one question in 2,000 characters: ask for a shorter one
            # instead of trusting a classifier that never saw such input.
            self._override_intent(message, FALLBACK_INTENT)
        message.set(LANGUAGE_KEY, detection.as_dict(), add_to_output=True)

    @staticmethod
    def _override_intent(message: Message, name: str) -> None:
        previous = message.get(INTENT) or {}
        message.set(INTENT, {INTENT_NAME_KEY: name, "confidence": 1.0}, add_to_output=True)
        ranking = message.get(INTENT_RANKING_KEY) or []
        if previous.get(INTENT_NAME_KEY):
            ranking = [{INTENT_NAME_KEY: name, "confidence": 1.0}] + [
                r for r in ranking if r.get(INTENT_NAME_KEY) != name
            ]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
