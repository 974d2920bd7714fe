"""Long conversations (issue #17) over the real stack: a session over MAX_SESSION_EVENTS goes on
in a new one written by the tracker store, in the middle of a form, and the form carries on."""

from __future__ import annotations

import json
import urllib.request

import pytest

from scripts.local_stack import rasa_api, start_actions, start_backend, start_rasa, stop
from tests.integration.conftest import Conversation

pytestmark = pytest.mark.integration
SERVICE_TOKEN = "long-service-token-0123456789"
LIMIT = 30


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("long")
    processes = []
    mp = pytest.MonkeyPatch()
    try:
        backend, backend_url = start_backend(tmp, {"SERVICE_TOKEN": SERVICE_TOKEN})
        processes.append(backend)
        actions, action_url = start_actions(tmp, {"SERVICE_TOKEN": SERVICE_TOKEN, "BACKEND_URL": backend_url})
        processes.append(actions)
        mp.setenv("MAX_SESSION_EVENTS", str(LIMIT))  # read by the tracker store in the Rasa process
        rasa, url = start_rasa(tmp, action_url=action_url)
        processes.append(rasa)
        yield url
    finally:
        mp.undo()
        for process in reversed(processes):
            stop(process)


def tracker(url: str, sender: str) -> dict:
    """Rasa's tracker endpoint: every session's events (Rasa reads them with retrieve_full_tracker)."""
    path = f"/conversations/{sender}/tracker?include_events=ALL"
    with urllib.request.urlopen(rasa_api(url, path), timeout=30) as response:
        return json.loads(response.read())


def current_session(events: list) -> list:
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    return events[starts[-1] :] if starts else events


def test_a_long_session_rolls_over_and_the_form_goes_on(rasa_url: str) -> None:
    user = Conversation(rasa_url)
    assert "How old are you" in user.say("/check_eligibility")
    answers = [
        ("34", "highest degree"),
        ("master's", "years of work experience"),
        ("5 years", "annual salary"),
    ]
    answers += [("300k", "months a year"), ("9", "HSK"), ("HSK 4", "Which country")]
    for answer, next_question in answers:
        reply = user.say(answer)
        assert next_question in reply, (answer, reply)
        state = tracker(rasa_url, user.sender)
        assert len(current_session(state["events"])) <= LIMIT + 30  # at most one turn over the limit
        assert state["active_loop"].get("name") == "eligibility_form"
    sessions = sum(e["event"] == "session_started" for e in tracker(rasa_url, user.sender)["events"])
    assert sessions >= 2, "the session never rolled over"
    slots = tracker(rasa_url, user.sender)["slots"]
    assert slots["age"] == 34 and slots["hsk_level"] == 4 and slots["language"] == "en"
