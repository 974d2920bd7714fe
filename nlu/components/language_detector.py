"""Rasa NLU component: tags every message with its language and guards the classifier.

Runs after the intent classifier. It adds `language` to the parse data (see
`language_detection.Detection`), resolves explicit change-language requests, and
overrides the intent where the classifier cannot be trusted:
- a message in an unsupported language -> `unsupported_language`;
- an empty message, emoji or symbols only, or an over-long message -> `nlu_fallback`.
The reply language itself is chosen in the dialogue (`language_policy`) from this tag.
"""

from __future__ import annotations

import json
from typing import Any, Dict, FrozenSet, List

import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.language_detection import (
    EMPTY,
    ENGLISH_WORDS,
    NEUTRAL,
    REQUEST,
    TOGGLE,
    UNSUPPORTED,
    Detection,
    detect,
    latin_words,
    requested_language,
)

LANGUAGE_KEY = "language"
UNSUPPORTED_INTENT = "unsupported_language"
FALLBACK_INTENT = "nlu_fallback"
CHANGE_LANGUAGE_INTENT = "change_language"
_HAS_CONTENT = regex.compile(r"[\p{L}\p{N}]")
_HAN = regex.compile(r"\p{Han}")
VOCABULARY_FILE = "english_vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds the message language to the parse data and overrides unusable intents.

    Training only collects the English vocabulary of the training examples (Latin-only
    messages of every intent but `unsupported_language`): with the built-in frame words
    it tells casual English ("see ya later") from other Latin-script languages, where
    langdetect alone guesses wildly on short text.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"max_message_chars": 2000}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: FrozenSet[str] = frozenset(),
    ) -> None:
        self.max_chars = int(config.get("max_message_chars", 2000))
        self._model_storage = model_storage
        self._resource = resource
        self.english_words = ENGLISH_WORDS | vocabulary

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary = set()
        for example in training_data.intent_examples:
            text = example.get(TEXT) or ""
            if example.get(INTENT) != UNSUPPORTED_INTENT and not _HAN.search(text):
                vocabulary.update(latin_words(text))
        self.english_words = ENGLISH_WORDS | frozenset(vocabulary)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(vocabulary)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            words = []  # a model trained before the vocabulary existed
        return cls(config, model_storage, resource, frozenset(words))

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
        detection = detect(text, self.english_words)
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
