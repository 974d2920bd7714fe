"""SequentialGraphRunner computes exactly what Rasa's DaskGraphRunner computes.

Both runners load the project's trained model (models/current.tar.gz, built by `make
test` before the tests run), each with its own instances of every component, and get
the same inputs: every message of the held-out sets and of the test conversations
(plus empty, emoji-only, very long and unsupported-language text) through the NLU
target, with the conversation so far as the tracker, and the dialogue prediction before
every action of every test conversation through the core target. Every field of every
result must match. A runner broken on purpose must be noticed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from rasa.core.channels.channel import UserMessage
from rasa.engine import loader
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.constants import TEXT

import rasa_ext
from rasa_ext.fast_graph_runner import SequentialGraphRunner, execution_order

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
MESSAGE, TRACKER = "__message__", "__tracker__"  # Rasa's placeholders for run inputs

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")


class Loaded:
    def __init__(self, tmp: Path, runner_class: type) -> None:
        self.metadata, self.runner = loader.load_predict_graph_runner(
            tmp, MODEL, LocalModelStorage, runner_class
        )


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Loaded, Loaded]:
    return (
        Loaded(tmp_path_factory.mktemp("dask"), DaskGraphRunner),
        Loaded(tmp_path_factory.mktemp("sequential"), SequentialGraphRunner),
    )


@pytest.fixture(scope="module")
def conversations() -> List[List[Event]]:
    domain_path = ROOT / "domain.yml"
    importer = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(p) for p in sorted((ROOT / "tests" / "stories").glob("*.yml"))],
        domain_path=str(domain_path),
    )
    generator = TrainingDataGenerator(
        importer.get_stories(),
        Domain.load(str(domain_path)),
        use_story_concatenation=False,
        augmentation_factor=0,
    )
    return [list(tracker.events) for tracker in generator.generate()]


def heldout_texts() -> List[str]:
    texts: List[str] = []
    for path in sorted((ROOT / "tests" / "nlu").glob("heldout_*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            texts += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return texts


ODD = [
    "",
    "   ",
    "🙂🙂🙂",
    "x" * 10000,
    "안녕하세요 취업 허가가 필요해요",
    "\x00\x01 junk \ufffd",
    "E12345678",
    "FJ2026000123",
    "我想apply work permit",
]


def nlu_output(loaded: Loaded, text: str, tracker: DialogueStateTracker) -> Dict[str, Any]:
    target = loaded.metadata.nlu_target
    results = loaded.runner.run(
        inputs={MESSAGE: [UserMessage(text, sender_id=tracker.sender_id)], TRACKER: tracker}, targets=[target]
    )
    return results[target][0].as_dict(only_output_properties=True)


def core_output(loaded: Loaded, tracker: DialogueStateTracker) -> Tuple:
    target = loaded.metadata.core_target
    prediction = loaded.runner.run(inputs={TRACKER: tracker}, targets=[target])[target]
    return (
        prediction.probabilities,
        prediction.policy_name,
        prediction.policy_priority,
        [without_time(e) for e in prediction.events],
        [without_time(e) for e in prediction.optional_events],
        prediction.is_end_to_end_prediction,
        prediction.is_no_user_prediction,
        prediction.hide_rule_turn,
        prediction.action_metadata,
        prediction.diagnostic_data,
    )


def without_time(event: Event) -> Dict[str, Any]:
    """An event's fields but its creation time (the two runs create it a moment apart)."""
    data = event.as_dict()
    data.pop("timestamp", None)
    return data


def compare(
    reference: Loaded, candidate: Loaded, conversations: List[List[Event]], extra_texts: List[str]
) -> Tuple[int, List[str]]:
    """Runs both on every message and before every action; returns (runs, differences)."""
    domain = reference.metadata.domain
    runs, differences = 0, []
    for index, events in enumerate(conversations):
        tracker = DialogueStateTracker(f"conversation-{index}", domain.slots)
        for event in events:
            if isinstance(event, UserUttered) and event.text:
                runs += 1
                if nlu_output(reference, event.text, tracker) != nlu_output(candidate, event.text, tracker):
                    differences.append(f"NLU of {event.text!r}")
            if isinstance(event, ActionExecuted):
                runs += 1
                if core_output(reference, tracker) != core_output(candidate, tracker):
                    differences.append(f"prediction before {event.action_name} in conversation {index}")
            tracker.update(copy.deepcopy(event))
    lone = DialogueStateTracker("lone-messages", domain.slots)
    for text in extra_texts:
        runs += 1
        if nlu_output(reference, text, lone) != nlu_output(candidate, text, lone):
            differences.append(f"NLU of {text[:40]!r}")
    return runs, differences


def test_same_results_on_every_message_and_prediction(models, conversations):
    reference, sequential = models
    runs, differences = compare(reference, sequential, conversations, heldout_texts() + ODD)
    assert runs > 2000
    assert differences == []


def test_the_comparison_notices_a_runner_that_returns_stale_results(models, conversations, tmp_path):
    class Stale(SequentialGraphRunner):
        """A caching bug: the first result for each target list, whatever the input."""

        def run(self, inputs=None, targets=None):
            result = super().run(inputs, targets)
            return self.__dict__.setdefault("first", {}).setdefault(tuple(targets or ()), result)

    runs, differences = compare(models[0], Loaded(tmp_path, Stale), conversations[:2], ["hello", "再见"])
    assert len(differences) > runs // 2


def test_the_order_puts_every_node_after_what_it_needs(models):
    schema = models[0].metadata.predict_schema
    for target in (models[0].metadata.nlu_target, models[0].metadata.core_target):
        order = execution_order(schema, [target])
        position = {name: i for i, (name, _) in enumerate(order)}
        assert set(position) == set(schema.minimal_graph_schema([target]).nodes)
        for name, needs in order:
            assert all(position[need] < position[name] for need in needs if need in position)


def test_an_input_replaces_a_node_and_a_missing_input_is_passed_by_name():
    calls: List[Tuple] = []

    def node(name: str):
        class Node(GraphNode):
            def __init__(self) -> None:
                pass

            def __call__(self, *args: Any):
                calls.append((name, args))
                return name, f"{name}-out"

        return Node()

    schema = GraphSchema(
        {
            "a": SchemaNode(needs={"x": "__in__"}, uses=object, fn="f", constructor_name="c", config={}),
            "b": SchemaNode(
                needs={"x": "a", "y": "__missing__"},
                uses=object,
                fn="f",
                constructor_name="c",
                config={},
                is_target=True,
            ),
        }
    )
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        runner = runner_class.__new__(runner_class)
        runner._graph_schema = schema
        runner._execution_context = None
        runner._instantiated_nodes = {"a": node("a"), "b": node("b")}
        if runner_class is SequentialGraphRunner:
            runner._orders = {}
        calls.clear()
        assert runner.run(inputs={"__in__": 1}, targets=["b"]) == {"b": "b-out"}
        assert calls == [("a", (("__in__", 1),)), ("b", (("a", "a-out"), "__missing__"))]
        calls.clear()
        assert runner.run(inputs={"a": 5}, targets=["b"]) == {"b": "b-out"}
        assert calls == [("b", (("a", 5), "__missing__"))]
        with pytest.raises(GraphRunError):
            runner.run(inputs={"__in__": "a"}, targets=["b"])


def test_install_makes_rasa_load_models_with_the_sequential_runner(monkeypatch):
    import rasa.core.processor

    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    rasa_ext.install()
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    _, _, runner = rasa.core.processor.MessageProcessor._load_model(MODEL)
    assert isinstance(runner, SequentialGraphRunner)


def test_text_key_is_what_the_nlu_output_carries(models):
    reference, _ = models
    tracker = DialogueStateTracker("t", reference.metadata.domain.slots)
    assert nlu_output(reference, "你好", tracker)[TEXT] == "你好"
