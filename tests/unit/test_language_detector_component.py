"""The LanguageDetector learns the English vocabulary of the training data and keeps it."""

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.language_detector import LanguageDetector


def test_trained_vocabulary_keeps_casual_english_english_after_loading(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("language_detector")
    detector = LanguageDetector.create(LanguageDetector.get_default_config(), storage, resource, None)
    detector.train(
        TrainingData(
            training_examples=[
                Message(data={TEXT: "see ya later", "intent": "goodbye"}),
                Message(data={TEXT: "hola necesito un permiso", "intent": "unsupported_language"}),
                Message(data={TEXT: "再见 later alligator", "intent": "goodbye"}),
            ]
        )
    )
    loaded = LanguageDetector.load(LanguageDetector.get_default_config(), storage, resource, None)
    assert "ya" in loaded.english_words
    assert "necesito" not in loaded.english_words  # unsupported-language examples are not English
    assert "alligator" not in loaded.english_words  # mixed Chinese examples are left out

    message = Message(data={TEXT: "see ya later", "intent": {"name": "goodbye", "confidence": 0.9}})
    loaded.process([message])
    assert message.get("language")["language"] == "en"
    assert message.get("intent")["name"] == "goodbye"

    spanish = Message(
        data={TEXT: "Necesito un permiso de trabajo en China", "intent": {"name": "ask_policy"}}
    )
    loaded.process([spanish])
    assert spanish.get("intent")["name"] == "unsupported_language"
