"""Rasa's RulePolicy with the same predictions for less work per prediction.

For every prediction Rasa's RulePolicy turns the whole conversation into states (it
replays the tracker and featurises one state per past action against the domain), does
so twice right after a user message (text, then intent), and filters every rule against
every state, although a rule looks at no more than its own few last states. This policy:

- keeps, per conversation, only the last states any learned rule can look at (plus
  one, see below), and on the next prediction replays only the events added since
  (`_History`); both passes share them;
- decides whether a rule matches a turn once per distinct rule state and turn, with
  Rasa's own `_is_rule_applicable`, skipping states whose previous action or intent
  differs (`_requirement`);
- builds the set of matching rules through the same sequence of set filters as Rasa,
  so that even ties between rule keys of equal length resolve the same way.

Training, and anything called outside `predict_action_probabilities` (such as the
contradiction check while training), is RulePolicy's code unchanged. Predictions carry
the policy name "RulePolicy", so trackers, `rasa test` output and Rasa's checks for
memorising policies see the same name. With debug logging on, Rasa's own path runs.

Why the last `longest + 1` states suffice: a rule of k states is checked only against
the last k states; when no rule matches, Rasa derives the prediction source from all
states and only asks whether it is among the sources not seen in stories
(`hide_rule_turn`). Those have at most `longest` states, so a history longer than the
window can never be one, whichever of its states the source is built from.
"""

from __future__ import annotations

import itertools
import json
import logging
import weakref
from collections import OrderedDict, deque
from typing import Any, Dict, List, Set, Tuple

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import (
    RULES,
    RULES_FOR_LOOP_UNHAPPY_PATH,
    RULES_NOT_IN_STORIES,
    RulePolicy,
)
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_RASA_RULE_LOGGER = logging.getLogger("rasa.core.policies.rule_policy")


def _states_in_key(key: str) -> List[State] | None:
    """The states of a rule key, or None for a non-state source (default actions)."""
    if not key.startswith("["):
        return None
    return json.loads(key)


def _copy_states(states: List[State]) -> List[State]:
    """Copies the state dicts and their sub-state dicts (all the featurizer edits)."""
    return [{name: dict(sub) for name, sub in state.items()} for state in states]


class _LatestMessage:
    """The one tracker attribute `Domain._get_user_sub_state` reads."""

    def __init__(self, latest_message: UserUttered | None) -> None:
        self.latest_message = latest_message


_Snapshot = Tuple[State, UserUttered | None, Tuple[Any, ...]]


def _featurized_as(message: UserUttered | None) -> Tuple[Any, ...]:
    """What of a user message its sub-state depends on and may change in place later:
    its text (masked by stores/redaction.py) and whether text or intent is used
    (`DefinePrevUserUtteredFeaturization`, added by Rasa's policy ensemble)."""
    if message is None:
        return ()
    return message.text, message.use_text_for_featurization


# events after which the applied events are no longer the old ones plus the new ones
_REWRITING_EVENTS = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)


class _History:
    """The last past states of one conversation, kept up to date as its tracker grows.

    The same computation as `Domain.states_for_tracker_history` (RulePolicy hides no
    rule turns): replay the applied events on a fresh copy of the tracker and take a
    state before every action and at the end. Only the last `window` states are kept
    and a later call replays only the events added since, as long as they are plain
    additions: `extend` refuses (and the history is rebuilt) after a restart, a new
    session, a rewind, a new loop name or a loop action, which change how
    `DialogueStateTracker.applied_events` treats earlier events. The user part of a
    state is rebuilt when its message has changed in place since (`_featurized_as`), as
    a full replay would see it.
    """

    def __init__(self, tracker: DialogueStateTracker, domain: Domain, window: int) -> None:
        self.domain = domain
        self.tracker = weakref.ref(tracker)
        self.events = weakref.ref(tracker.events)
        applied = tracker.applied_events()
        self.loop_names = {e.name for e in tracker.events if isinstance(e, ActiveLoop) and e.name}
        self.replayed = tracker.init_copy()
        # (state, user message, how it was featurised) before each of the last actions
        self.before_actions: deque[_Snapshot] = deque(maxlen=window)
        self.total = 1 + sum(1 for event in applied if isinstance(event, ActionExecuted))
        skip = self.total - 1 - window  # actions whose states fall out of the window
        for event in applied:
            if isinstance(event, ActionExecuted):
                if skip > 0:
                    skip -= 1
                else:
                    self.before_actions.append(self._snapshot())
            self.replayed.update(event)
        self._seen(tracker)

    def _seen(self, tracker: DialogueStateTracker) -> None:
        self.length = len(tracker.events)
        self.last_event = tracker.events[-1] if tracker.events else None

    def _snapshot(self) -> _Snapshot:
        message = self.replayed.latest_message
        state = self.domain.get_active_state(self.replayed)
        return state, message, _featurized_as(message)

    def extend(self, tracker: DialogueStateTracker, domain: Domain) -> bool:
        """Replays the events added to `tracker` since; False if a rebuild is needed."""
        events = tracker.events
        if (
            self.tracker() is not tracker
            or self.domain is not domain
            or self.events() is not events
            or tracker._max_event_history is not None
            or len(events) < self.length
            or (self.length and events[self.length - 1] is not self.last_event)
        ):
            return False
        new_events = list(itertools.islice(events, self.length, None))
        for event in new_events:
            if (
                isinstance(event, _REWRITING_EVENTS)
                or (isinstance(event, ActiveLoop) and event.name and event.name not in self.loop_names)
                or (isinstance(event, ActionExecuted) and event.action_name in self.loop_names)
            ):
                return False
        for event in new_events:
            if isinstance(event, ActionExecuted):
                self.before_actions.append(self._snapshot())
                self.total += 1
            self.replayed.update(event)
        self._seen(tracker)
        return True

    def states(self) -> List[State]:
        """The last `window` states, as `states_for_tracker_history` gives them."""
        window = self.before_actions.maxlen or 0
        snapshots = [*self.before_actions, self._snapshot()][-window:]
        domain = self.domain
        states = []
        for state, message, featurized_as in snapshots:
            if message is not None and _featurized_as(message) != featurized_as:
                rebuilt = {USER: domain._get_user_sub_state(_LatestMessage(message))}
                rebuilt.update((name, sub) for name, sub in state.items() if name != USER)
                state = domain._clean_state(rebuilt)
            states.append(state)
        return states


class _Prediction:
    """The history of the tracker being predicted for, for the text and intent passes."""

    def __init__(self, tracker: DialogueStateTracker, states: List[State], total: int) -> None:
        self.tracker = tracker
        self.states = states  # the last states, before the featurizer's user-input edits
        self.total = total  # number of states of the whole conversation


class _RuleIndex:
    """The rule keys of one lookup table, indexed by their states per turn."""

    def __init__(self, policy: RulePolicy, lookup: Dict[str, str]) -> None:
        self.policy = policy
        self.lookup = lookup
        # distinct rule states as one-state keys, so that Rasa's own check can be used
        # unchanged, with the previous action and intent they require (`_requirement`)
        self.single_state_keys: List[str] = []
        self.requirements: List[_Requirement] = []
        # per key: its state ids, last state first
        self.state_ids: Dict[str, Tuple[int, ...]] = {}
        ids: Dict[str, int] = {}
        for key in lookup:
            key_ids: List[int] = []
            for state in reversed(json.loads(key)):
                single = json.dumps([state], sort_keys=True)
                if single not in ids:
                    ids[single] = len(self.single_state_keys)
                    self.single_state_keys.append(single)
                    self.requirements.append(_requirement(state))
                key_ids.append(ids[single])
            self.state_ids[key] = tuple(key_ids)
        self.depth = max((len(key_ids) for key_ids in self.state_ids.values()), default=0)
        # per turn (0 = last state): the keys without a state at that turn, and by
        # requirement, the states at that turn with their keys
        self.short_keys: List[Set[str]] = [set() for _ in range(self.depth)]
        self.by_requirement: List[Dict[_Requirement, Dict[int, List[str]]]] = [{} for _ in range(self.depth)]
        for key, state_ids in self.state_ids.items():
            for turn in range(self.depth):
                if turn >= len(state_ids):
                    self.short_keys[turn].add(key)
                else:
                    state_id = state_ids[turn]
                    by_state = self.by_requirement[turn].setdefault(self.requirements[state_id], {})
                    by_state.setdefault(state_id, []).append(key)

    def possible_keys(self, states: List[State], total_states: int) -> Set[str]:
        """The keys RulePolicy._get_possible_keys returns for the whole history.

        `states` are the last turns of a history of `total_states` states. The set is
        filtered once per state of the whole history, as Rasa does, so that it also
        iterates in the same order.
        """
        possible = set(self.lookup.keys())
        for turn, state in enumerate(reversed(states)):
            if not possible:
                return possible
            checker = _TurnChecker(self, turn, state)
            if turn == 0:
                allowed = checker.applicable_keys()
                possible = set(filter(allowed.__contains__, possible))
            else:
                possible = set(filter(checker.applies, possible))
        if len(possible) > 1:
            # older turns keep every key, but Rasa rebuilds the set for each of them
            for _ in range(total_states - len(states)):
                possible = set(filter(_keep, possible))
        return possible


class _TurnChecker:
    """Rasa's `_is_rule_applicable` for the keys' states at one turn, once per state."""

    def __init__(self, index: _RuleIndex, turn: int, conversation_state: State) -> None:
        self.index = index
        self.turn = turn
        self.state = conversation_state
        self.action = (conversation_state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
        self.intent = (conversation_state.get(USER) or {}).get(INTENT)
        self.results: Dict[int, bool] = {}

    def _state_applies(self, state_id: int) -> bool:
        result = self.results.get(state_id)
        if result is None:
            action, intent = self.index.requirements[state_id]
            # a state that requires another previous action or intent never applies
            # (see `_requirement`); the others are checked by Rasa's function
            if (action is not None and action != self.action) or (
                intent is not None and intent != self.intent
            ):
                result = False
            else:
                result = self.index.policy._is_rule_applicable(
                    self.index.single_state_keys[state_id], 0, self.state
                )
            self.results[state_id] = result
        return result

    def applies(self, key: str) -> bool:
        state_ids = self.index.state_ids[key]
        return self.turn >= len(state_ids) or self._state_applies(state_ids[self.turn])

    def applicable_keys(self) -> Set[str]:
        """All keys that apply at this turn, visiting only states that might apply."""
        if self.turn >= self.index.depth:
            return set(self.index.lookup)
        keys = set(self.index.short_keys[self.turn])
        by_requirement = self.index.by_requirement[self.turn]
        for requirement in {(None, None), (self.action, None), (self.action, self.intent)}:
            for state_id, state_keys in by_requirement.get(requirement, {}).items():
                if self._state_applies(state_id):
                    keys.update(state_keys)
        return keys


_Requirement = Tuple[str | None, str | None]


def _required(sub_state: Any, name: str) -> str | None:
    value = (sub_state or {}).get(name)
    if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET:
        return value
    return None


def _requirement(rule_state: State) -> _Requirement:
    """The previous action, and then intent, a rule state requires, if any.

    Rasa's `_is_rule_applicable` rejects a conversation state whose previous action
    differs from the rule state's: either the conversation state has none while the
    rule state has one, or `_does_rule_match_state` finds a set value (not
    `should_not_be_set`) that differs. Once the rule state has a previous action,
    `_does_rule_match_state` rejects a different intent the same way.
    """
    action = _required(rule_state.get(PREVIOUS_ACTION), ACTION_NAME)
    if action is None:
        return None, None
    return action, _required(rule_state.get(USER), INTENT)


def _keep(_key: str) -> bool:
    return True


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class FastRulePolicy(RulePolicy):
    """RulePolicy that featurises and matches only the turns its rules can see."""

    # the name predictions carry, as RulePolicy's
    PREDICTION_POLICY_NAME = RulePolicy.__name__
    # conversations whose recent states are kept between predictions
    HISTORY_CACHE_SIZE = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._current: _Prediction | None = None
        self._indexes: Dict[str, _RuleIndex] | None = None
        self._window = 0
        self._histories: OrderedDict[str, _History] = OrderedDict()

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Trains exactly as RulePolicy (see there)."""
        resource = super().train(training_trackers, domain, **kwargs)
        self._indexes = None
        return resource

    # ---- prediction --------------------------------------------------------

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predicts the next action as RulePolicy does, with less work."""
        if not self._can_use_fast_path():
            return self._renamed(
                super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)
            )
        self._prepare_index()
        history = self._history(tracker, domain)
        self._current = _Prediction(tracker, history.states(), history.total)
        try:
            prediction, _ = self._predict(tracker, domain)
        finally:
            self._current = None
        return self._renamed(prediction)

    def _renamed(self, prediction: PolicyPrediction) -> PolicyPrediction:
        if prediction.policy_name == self.__class__.__name__:
            prediction.policy_name = self.PREDICTION_POLICY_NAME
        return prediction

    def _can_use_fast_path(self) -> bool:
        # the shortcut reproduces the rule-policy featurizer without a history limit;
        # with debug logging on, Rasa's path logs the whole history as before
        featurizer = self.featurizer
        return (
            type(featurizer) is MaxHistoryTrackerFeaturizer
            and featurizer.max_history is None
            and RULES in self.lookup
            and not _RASA_RULE_LOGGER.isEnabledFor(logging.DEBUG)
        )

    def _prepare_index(self) -> None:
        if self._indexes is not None:
            return
        indexes = {}
        longest = 0
        for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
            table = self.lookup.get(name, {})
            indexes[name] = _RuleIndex(self, table)
            longest = max([longest, *(len(json.loads(key)) for key in table)])
        for key in self.lookup.get(RULES_NOT_IN_STORIES, []):
            states = _states_in_key(key)
            if states is not None:
                longest = max(longest, len(states))
        self._window = longest + 1
        self._indexes = indexes
        self._histories.clear()

    def _history(self, tracker: DialogueStateTracker, domain: Domain) -> _History:
        histories = self._histories
        history = histories.get(tracker.sender_id)
        if history is None or not history.extend(tracker, domain):
            history = _History(tracker, domain, self._window)
            histories[tracker.sender_id] = history
            while len(histories) > self.HISTORY_CACHE_SIZE:
                histories.popitem(last=False)
        histories.move_to_end(tracker.sender_id)
        return history

    @staticmethod
    def format_tracker_states(states: List[Dict]) -> str:
        """Rasa's text of states for its debug log, only when that log is on.

        RulePolicy formats the states for a debug message on every prediction; the
        message is dropped (Rasa's structlog filters by this logger's level) unless
        debug logging is on.
        """
        if not _RASA_RULE_LOGGER.isEnabledFor(logging.DEBUG):
            return ""
        return RulePolicy.format_tracker_states(states)

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Dict[str, Any] | None = None,
    ) -> List[State]:
        current = self._current
        if current is None or current.tracker is not tracker:
            return super()._prediction_states(tracker, domain, use_text_for_last_user_input, rule_only_data)
        states = _copy_states(current.states)
        # the featurizer's own edits of the user input (text or intent)
        self.featurizer._choose_last_user_input([states], use_text_for_last_user_input)
        return states

    def _get_possible_keys(self, lookup: Dict[str, str], states: List[State]) -> Set[str]:
        current = self._current
        index = self._index_for(lookup)
        if current is None or index is None:
            return super()._get_possible_keys(lookup, states)
        return index.possible_keys(states, current.total)

    def _index_for(self, lookup: Dict[str, str]) -> _RuleIndex | None:
        if self._indexes is None:
            return None
        for name, index in self._indexes.items():
            if self.lookup.get(name) is lookup:
                return index
        return None
