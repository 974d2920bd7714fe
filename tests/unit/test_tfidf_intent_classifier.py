"""The fast prediction path gives sklearn's probabilities, and training learns intents."""

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.bilingual_tokenizer import BilingualTokenizer
from nlu.components.tfidf_intent_classifier import TfidfIntentClassifier

EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "你好", "您好", "在吗", "hey"],
    "ask_policy": [
        "what documents do I need for a work permit",
        "how long is a residence permit valid",
        "工作许可要什么材料",
        "居留许可多久能办好",
        "do foreigners pay social insurance",
        "社保怎么交",
    ],
    "thank": ["thanks a lot", "thank you", "谢谢", "多谢了", "thx", "appreciate it"],
}


@pytest.fixture
def trained(tmp_path):
    tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
    messages = [Message(data={TEXT: t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    data = TrainingData(training_examples=messages)
    tokenizer.process_training_data(data)
    classifier = TfidfIntentClassifier({}, LocalModelStorage(tmp_path), Resource("tfidf"))
    classifier.train(data)
    return tokenizer, classifier


def test_fast_path_matches_sklearn_probabilities(trained):
    _, classifier = trained
    documents = [
        "hello",
        "工作许可 要 什么 材料",
        "thanks 啦",
        "completely unrelated words",
        "__empty__",
        "e12345678",
    ]
    fast = classifier.predict_proba(documents)
    reference = classifier.pipeline.predict_proba(documents)
    assert np.abs(fast - reference).max() < 1e-9


def test_classifier_predicts_intents_in_both_languages(trained):
    tokenizer, classifier = trained
    messages = [Message(data={TEXT: t}) for t in ["hi", "谢谢你", "居留许可要什么材料"]]
    tokenizer.process(messages)
    classifier.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["greet", "thank", "ask_policy"]
    assert all(len(m.get("intent_ranking")) == 3 for m in messages)
