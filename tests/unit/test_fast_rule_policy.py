"""FastRulePolicy predicts exactly what Rasa's RulePolicy predicts.

Both policies are trained on the same data (the project's domain and bot/ rules, and a
small synthetic assistant with conversation-influencing slots, entity roles, a text
rule, a conversation-start rule and a form), then asked for a prediction at every
point of the same conversations: the project's test conversations (tests/stories),
longer conversations stitched from them, and random conversations that follow the
rules or wander off them, with restarts, new sessions, rewinds, rejected and
interrupted loops, slot changes, text masked in place and tracker copies. Every field
of every prediction must match, and so must the last states the fast policy keeps and
the states Rasa computes from the whole conversation.
"""

from __future__ import annotations

import copy
import itertools
import logging
import random
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.slots import BooleanSlot, CategoricalSlot, FloatSlot, Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from dialogue.fast_rule_policy import FastRulePolicy

ROOT = Path(__file__).resolve().parents[2]
# RulePolicy's settings in config.yml
PROJECT_POLICY_CONFIG = {
    "core_fallback_threshold": 0.3,
    "core_fallback_action_name": "action_default_fallback",
    "enable_fallback_prediction": True,
}

SYNTHETIC_DOMAIN = """
version: "3.1"
intents: [greet, inform, affirm, deny, stop, ask_help, order, thank, chitchat]
entities:
  - city:
      roles: [departure, destination]
  - item
slots:
  mood:
    type: categorical
    values: [happy, sad]
    mappings: [{type: custom}]
  vip:
    type: bool
    mappings: [{type: custom}]
  amount:
    type: float
    min_value: 0
    max_value: 5
    mappings: [{type: custom}]
  nickname:
    type: text
    mappings: [{type: custom}]
  item:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: item}]
  quantity:
    type: float
    influence_conversation: false
    mappings: [{type: custom}]
forms:
  order_form:
    required_slots: [item, quantity]
actions: [action_check, action_tell_city]
responses:
  utter_greet: [{text: "hi"}]
  utter_welcome: [{text: "welcome"}]
  utter_vip: [{text: "hi vip"}]
  utter_sad: [{text: "sorry"}]
  utter_happy: [{text: "great"}]
  utter_help: [{text: "help"}]
  utter_done: [{text: "done"}]
  utter_stop: [{text: "stopped"}]
  utter_hello_text: [{text: "hello to you"}]
  utter_thanks: [{text: "welcome"}]
  utter_ask_item: [{text: "which item?"}]
  utter_ask_quantity: [{text: "how many?"}]
  utter_from: [{text: "from"}]
  utter_nickname: [{text: "nickname"}]
"""

SYNTHETIC_RULES = """
version: "3.1"
rules:
  - rule: greet
    steps: [{intent: greet}, {action: utter_greet}]
  - rule: greet a vip
    condition: [{slot_was_set: [{vip: true}]}]
    steps: [{intent: greet}, {action: utter_vip}]
  - rule: first greeting
    conversation_start: true
    steps: [{intent: greet}, {action: utter_welcome}]
  - rule: sad deny
    condition: [{slot_was_set: [{mood: sad}]}]
    steps: [{intent: deny}, {action: utter_sad}]
  - rule: happy affirm without nickname
    condition: [{slot_was_set: [{mood: happy}]}, {slot_was_set: [{nickname: null}]}]
    steps: [{intent: affirm}, {action: utter_happy}]
  - rule: affirm with nickname
    condition: [{slot_was_set: [{nickname: "set"}]}]
    steps: [{intent: affirm}, {action: utter_nickname}]
  - rule: thanks, then a check without waiting
    steps: [{intent: thank}, {action: utter_thanks}, {action: action_check}]
    wait_for_user_input: false
  - rule: departure city
    steps:
      - intent: inform
        entities: [{city: Berlin, role: departure}]
      - action: utter_from
  - rule: a city
    steps:
      - intent: inform
        entities: [city]
      - action: action_tell_city
  - rule: text rule
    steps: [{user: "hello there"}, {action: utter_hello_text}]
  - rule: order starts the form
    steps: [{intent: order}, {action: order_form}, {active_loop: order_form}]
  - rule: order submitted
    condition: [{active_loop: order_form}]
    steps:
      - action: order_form
      - active_loop: null
      - slot_was_set: [{requested_slot: null}]
      - action: utter_done
  - rule: stop the order
    condition: [{active_loop: order_form}]
    steps:
      - intent: stop
      - action: utter_stop
      - action: action_deactivate_loop
      - active_loop: null
      - slot_was_set: [{requested_slot: null}]
  - rule: help during the order, back to the form
    condition: [{active_loop: order_form}]
    steps:
      - intent: ask_help
      - action: utter_help
      - action: order_form
      - active_loop: order_form
  - rule: help
    steps: [{intent: ask_help}, {action: utter_help}]
  - rule: chitchat during the order goes straight back to the form
    condition: [{active_loop: order_form}]
    steps: [{intent: chitchat}, {action: order_form}, {active_loop: order_form}]
stories:
  - story: help, an amount, then a deny
    steps:
      - intent: ask_help
      - action: utter_help
      - slot_was_set: [{amount: 3.0}]
      - intent: deny
      - action: action_check
"""


# ---- training ----------------------------------------------------------------


def _train(
    cls: type, domain: Domain, importer: TrainingDataImporter, config: Dict[str, Any], storage_dir: Path
) -> RulePolicy:
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir)
    policy = cls.create(
        {**cls.get_default_config(), **config},
        storage,
        Resource(f"train_{cls.__name__}"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    trackers = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    policy.train(trackers, domain)
    return policy


def _load(trained: FastRulePolicy) -> FastRulePolicy:
    """The policy as `rasa run` loads it from the model."""
    return FastRulePolicy.load(
        dict(trained.config),
        trained._model_storage,
        trained._resource,
        ExecutionContext(GraphSchema({}), "test"),
    )


def _test_conversations(domain_path: Path, stories: List[Path]) -> List[List[Event]]:
    importer = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(p) for p in stories], domain_path=str(domain_path)
    )
    generator = TrainingDataGenerator(
        importer.get_stories(),
        Domain.load(str(domain_path)),
        use_story_concatenation=False,
        augmentation_factor=0,
    )
    return [list(tracker.events) for tracker in generator.generate()]


class Setup:
    def __init__(
        self, domain: Domain, reference: RulePolicy, fast: FastRulePolicy, conversations: List[List[Event]]
    ) -> None:
        self.domain = domain
        self.reference = reference
        self.fast = fast
        self.conversations = conversations


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    importer = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(ROOT / "bot")], domain_path=str(ROOT / "domain.yml")
    )
    domain = importer.get_domain()
    tmp = tmp_path_factory.mktemp("project")
    reference = _train(RulePolicy, domain, importer, PROJECT_POLICY_CONFIG, tmp / "reference")
    fast = _train(FastRulePolicy, domain, importer, PROJECT_POLICY_CONFIG, tmp / "fast")
    conversations = _test_conversations(
        ROOT / "domain.yml", sorted((ROOT / "tests" / "stories").glob("*.yml"))
    )
    return Setup(domain, reference, fast, conversations)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    tmp = tmp_path_factory.mktemp("synthetic")
    (tmp / "domain.yml").write_text(SYNTHETIC_DOMAIN)
    (tmp / "data").mkdir()
    (tmp / "data" / "rules.yml").write_text(SYNTHETIC_RULES)
    importer = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(tmp / "data")], domain_path=str(tmp / "domain.yml")
    )
    domain = importer.get_domain()
    reference = _train(RulePolicy, domain, importer, {}, tmp / "reference")
    fast = _train(FastRulePolicy, domain, importer, {}, tmp / "fast")
    return Setup(domain, reference, fast, [])


# ---- comparison ----------------------------------------------------------------


def _event_fields(event: Event) -> Dict[str, Any]:
    data = event.as_dict()
    data.pop("timestamp", None)
    return data


def _fields(prediction: PolicyPrediction) -> Tuple:
    return (
        prediction.probabilities,
        prediction.policy_name,
        prediction.policy_priority,
        [_event_fields(e) for e in prediction.events],
        [_event_fields(e) for e in prediction.optional_events],
        prediction.is_end_to_end_prediction,
        prediction.is_no_user_prediction,
        prediction.hide_rule_turn,
        prediction.action_metadata,
        prediction.diagnostic_data,
    )


class Comparer:
    """Asks both policies for a prediction and records any difference."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.predictions = 0
        self.differences: List[str] = []

    def predict(self, tracker: DialogueStateTracker) -> PolicyPrediction:
        domain = self.setup.domain
        expected = self.setup.reference.predict_action_probabilities(tracker, domain)
        actual = self.setup.fast.predict_action_probabilities(tracker, domain)
        self.predictions += 1
        context = [str(e) for e in list(tracker.events)[-6:]]
        if _fields(expected) != _fields(actual):
            self.differences.append(f"after {context}: expected {_fields(expected)}, got {_fields(actual)}")
        fast = self.setup.fast
        if fast._indexes is not None:  # the fast path ran: its states are Rasa's last states
            expected_states = tracker.past_states(domain)[-fast._window :]
            actual_states = fast._history(tracker, domain).states()
            if expected_states != actual_states:
                self.differences.append(f"after {context}: states {expected_states} != {actual_states}")
        return expected

    def replay(self, sender_id: str, events: List[Event]) -> None:
        """Grows one tracker event by event, predicting before every action and at the end."""
        tracker = DialogueStateTracker(sender_id, self.setup.domain.slots)
        for event in events:
            if isinstance(event, ActionExecuted):
                self.predict(tracker)
            tracker.update(copy.deepcopy(event))
        self.predict(tracker)


def _stitched(conversations: List[List[Event]], count: int, seed: int) -> List[List[Event]]:
    """Long conversations: several test conversations one after the other."""
    rng = random.Random(seed)
    start = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]
    return [
        start + list(itertools.chain(*rng.sample(conversations, min(4, len(conversations)))))
        for _ in range(count)
    ]


# ---- random conversations -------------------------------------------------------


def _random_value(rng: random.Random, slot: Slot) -> Any:
    if isinstance(slot, CategoricalSlot):
        return rng.choice([*slot.values, None])
    if isinstance(slot, BooleanSlot):
        return rng.choice([True, False, None])
    if isinstance(slot, FloatSlot):
        return rng.choice([0.0, 2.5, 5.0, None])
    return rng.choice(["set", "34", None, ["a"], []])


def _random_user(rng: random.Random, domain: Domain, turn: int, in_loop: bool) -> UserUttered:
    intent = rng.choice(domain.intents)  # with Rasa's default intents (restart, back, ...)
    digressions = [
        i for i in ("chitchat", "ask_help", "stop", "request_human", "bot_challenge") if i in domain.intents
    ]
    if in_loop and digressions and rng.random() < 0.5:
        intent = rng.choice(digressions)
    entities = []
    for name in rng.sample(domain.entities, min(len(domain.entities), rng.randint(0, 2))):
        entity = {"entity": name, "value": "Berlin", "start": 0, "end": 6}
        roles = domain.entity_properties.roles.get(name) or []
        if roles and rng.random() < 0.6:
            entity["role"] = rng.choice(sorted(roles))
        entities.append(entity)
    text = rng.choice(["hello there", f"message {turn} mail me at a@b.cn", "34", "/greet"])
    if rng.random() < 0.1:  # a message with text only, as end-to-end rules see it
        return UserUttered(text, entities=entities)
    return UserUttered(text, {"name": intent, "confidence": rng.random()}, entities)


def _random_conversation(comparer: Comparer, seed: int, turns: int) -> None:
    rng = random.Random(seed)
    domain = comparer.setup.domain
    actions = [a for a in domain.action_names_or_texts if a]
    tracker = DialogueStateTracker(f"random-{seed}", domain.slots)
    start = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]
    for event in start:
        tracker.update(event)
    for turn in range(turns):
        tracker.update(_random_user(rng, domain, turn, tracker.active_loop_name is not None))
        for _ in range(rng.randint(1, 5)):
            prediction = comparer.predict(tracker)
            if max(prediction.probabilities) > 0 and rng.random() < 0.75:
                action = domain.action_names_or_texts[prediction.max_confidence_index]
            else:
                action = rng.choice(actions)
            for event in prediction.events:
                tracker.update(copy.deepcopy(event))
            if tracker.latest_action_name == ACTION_LISTEN_NAME:  # as Rasa's policy ensemble does
                tracker.update(DefinePrevUserUtteredFeaturization(prediction.is_end_to_end_prediction))
            rejection = 0.4 if action == tracker.active_loop_name else 0.05  # unhappy loop paths
            if rng.random() < rejection:
                tracker.update(ActionExecutionRejected(action))
                continue
            tracker.update(ActionExecuted(action))
            if action == ACTION_LISTEN_NAME:
                break
            if action in domain.form_names:
                if tracker.active_loop_name != action:
                    tracker.update(ActiveLoop(action))
                required = domain.required_slots_for_form(action)
                tracker.update(SlotSet(REQUESTED_SLOT, rng.choice([*required, None])))
                if rng.random() < 0.3:
                    tracker.update(ActiveLoop(None))
            if rng.random() < 0.3:
                slot = rng.choice(list(tracker.slots.values()))
                tracker.update(SlotSet(slot.name, _random_value(rng, slot)))
            if rng.random() < 0.05:
                tracker.update(LoopInterrupted(rng.random() < 0.5))
            if rng.random() < 0.03:
                tracker.update(FollowupAction(rng.choice(actions)))
        else:
            comparer.predict(tracker)
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        _disturb(rng, tracker, domain)
        if rng.random() < 0.05:  # a copy: a different tracker object for the same conversation
            tracker = tracker.copy()
    comparer.predict(tracker)


def _disturb(rng: random.Random, tracker: DialogueStateTracker, domain: Domain) -> None:
    """Events that rewrite the history, and user messages changed in place (text masked
    by stores/redaction.py, or featurised by text instead of intent)."""
    roll = rng.random()
    if roll < 0.03:
        tracker.update(Restarted())
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    elif roll < 0.06:
        for event in (
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted(ACTION_LISTEN_NAME),
        ):
            tracker.update(event)
    elif roll < 0.10:
        tracker.update(UserUtteranceReverted())
    elif roll < 0.13:
        tracker.update(ActionReverted())
    elif roll < 0.16:
        tracker.update(ActiveLoop(rng.choice([*domain.form_names, None])))
    if rng.random() < 0.3:
        messages = [e for e in tracker.events if isinstance(e, UserUttered)]
        if messages:
            message = messages[-1] if rng.random() < 0.6 else rng.choice(messages)
            if rng.random() < 0.6:
                message.text = rng.choice(["[REDACTED]", "hello there", ""])
                message.parse_data["text"] = message.text
            else:
                message.use_text_for_featurization = rng.choice([True, False, None])


# ---- tests ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["project", "synthetic"])
def test_training_gives_the_same_lookup(name: str, request: pytest.FixtureRequest) -> None:
    setup: Setup = request.getfixturevalue(name)
    assert setup.fast.lookup == setup.reference.lookup
    assert setup.reference.lookup["rules"]


def test_the_trained_policy_loads_from_its_storage(project: Setup) -> None:
    fast = project.fast
    loaded = _load(fast)
    assert loaded.lookup == project.reference.lookup
    comparer = Comparer(Setup(project.domain, project.reference, loaded, []))
    for index, events in enumerate(project.conversations):
        comparer.replay(f"loaded-{index}", events)
    assert comparer.differences == []


def test_same_predictions_on_the_test_conversations(project: Setup) -> None:
    comparer = Comparer(project)
    assert project.conversations, "tests/stories should hold conversations"
    for index, events in enumerate(project.conversations):
        comparer.replay(f"story-{index}", events)
    for index, events in enumerate(_stitched(project.conversations, 20, seed=1)):
        comparer.replay(f"long-{index}", events)
    assert comparer.predictions > 500
    assert comparer.differences == []


@pytest.mark.parametrize("name", ["project", "synthetic"])
def test_same_predictions_on_random_conversations(name: str, request: pytest.FixtureRequest) -> None:
    setup: Setup = request.getfixturevalue(name)
    comparer = Comparer(setup)
    for seed in range(25):
        _random_conversation(comparer, seed, turns=30)
    assert comparer.predictions > 1500
    assert comparer.differences[:3] == []


def test_predictions_carry_rule_policys_name(project: Setup) -> None:
    tracker = DialogueStateTracker.from_events("name", project.conversations[0][:3], project.domain.slots)
    prediction = project.fast.predict_action_probabilities(tracker, project.domain)
    assert prediction.policy_name == "RulePolicy"


def test_debug_logging_takes_rasas_path(project: Setup, caplog: pytest.LogCaptureFixture) -> None:
    comparer = Comparer(project)
    with caplog.at_level(logging.DEBUG, logger="rasa.core.policies.rule_policy"):
        comparer.replay("debug", project.conversations[0])
    assert comparer.differences == []


def test_the_comparison_notices_a_diverging_policy(project: Setup) -> None:
    """A window one state too short must be caught: the tests above can fail."""
    broken = _load(project.fast)
    broken._prepare_index()
    broken._window = 1
    comparer = Comparer(Setup(project.domain, project.reference, broken, []))
    for index, events in enumerate(project.conversations):
        comparer.replay(f"broken-{index}", events)
    assert comparer.differences
