"""The action server stops cleanly: no "Unclosed client session" errors on Ctrl-C.

Its pooled HTTP session to the backend (actions/backend_client.py) used to be left open
when the server stopped, and asyncio logged two ERROR lines at every `make run` exit.
"""

from __future__ import annotations

import json
import urllib.request

from scripts.local_stack import ACTION_HEADERS, start_actions, start_backend, stop

TOKEN = "shutdown-service-token-0123456789"


def test_the_action_server_closes_its_backend_session_when_it_stops(tmp_path):
    backend, backend_url = start_backend(tmp_path, {"SERVICE_TOKEN": TOKEN})
    try:
        actions, action_url = start_actions(tmp_path, {"SERVICE_TOKEN": TOKEN, "BACKEND_URL": backend_url})
        try:
            body = {
                "next_action": "action_application_start",
                "sender_id": "shutdown-1",
                "version": "3.6.21",
                "domain": {},
                "tracker": {
                    "sender_id": "shutdown-1",
                    "slots": {"language": "en"},
                    "events": [],
                    "paused": False,
                    "followup_action": None,
                    "active_loop": {},
                    "latest_action_name": None,
                    "latest_message": {
                        "text": "apply",
                        "intent": {"name": "start_application"},
                        "entities": [],
                    },
                },
            }
            request = urllib.request.Request(
                action_url, json.dumps(body).encode(), {"Content-Type": "application/json", **ACTION_HEADERS}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                events = json.loads(response.read())["events"]
            # the action asked the backend for a saved draft: the pooled session exists
            assert {
                "event": "slot",
                "timestamp": None,
                "name": "application_phase",
                "value": "consent",
            } in events
        finally:
            stop(actions)
    finally:
        stop(backend)
    log = (tmp_path / "actions.log").read_text()
    assert "Unclosed" not in log, log[-2000:]
