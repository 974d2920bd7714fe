"""The application form's state machine runs without rasa-sdk: plain input in, messages and slot
changes out (actions/application/machine.py); rasa-sdk only in actions/application/actions.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: in this one, rasa_sdk is already imported by other tests.
SCRIPT = r"""
import asyncio, json, sys
sys.modules["rasa_sdk"] = None  # any import of rasa_sdk (or a submodule) now raises ImportError

from actions.application import machine
from actions.application.state import CONFIRMED, PHASE, STATE


class Client:  # the one backend call the consent answer makes
    def __init__(self):
        self.saved = []

    async def save_draft(self, sender, body, language):
        self.saved.append((sender, body))
        return {"answers_masked": {}, "fields": [], "items": [], "role": None}


client = Client()
turn = machine.Turn(machine.TurnInput(text="I agree", intent="affirm", confidence=0.95,
                                      slots={PHASE: "consent"}, sender="conv-1", channel="rest", language="en"),
                    client)
changes = asyncio.run(turn.handle())
print(json.dumps({
    "changes": {k: changes[k] for k in (PHASE, CONFIRMED)},
    "saved": client.saved,
    "messages": turn.messages,
    "rasa_sdk_loaded": any(name.startswith("rasa_sdk.") for name in sys.modules),
}))
"""


def test_the_machine_drives_a_turn_without_rasa_sdk() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["changes"] == {"application_phase": "role", "application_confirmed": None}
    sender, body = result["saved"][0]
    assert sender == "conv-1" and body["consent"]["given"] is True and body["channel"] == "rest"
    assert body["state"]["phase"] == "role"
    assert result["messages"] == []  # the question comes from action_ask_application_confirmed
    assert not result["rasa_sdk_loaded"]


def test_blocking_rasa_sdk_is_noticed() -> None:
    # The check above is only worth something if importing the rasa-sdk side fails there.
    script = 'import sys; sys.modules["rasa_sdk"] = None\nimport actions.application.actions'
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0 and "rasa_sdk" in done.stderr
