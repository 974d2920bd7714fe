"""The handoff actions (actions/handoff.py) and the paused-conversation guard (rasa_ext/handoff.py):
what the user is told in both languages, the masked transcript sent with the request, the pause on
a claim, the queue left with "cancel", and while paused no slot filled and the message passed on."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused, ConversationResumed, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet as Set
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff
import rasa_ext.handoff as guard
from actions.backend_client import BackendUnavailable


class FakeClient:
    def __init__(self, answer: Dict[str, Any] | None = None, down: bool = False) -> None:
        self.answer = answer or {}
        self.down = down
        self.calls: List[tuple] = []

    async def request_handoff(self, conversation_id: str, language: str, **kw: Any) -> Dict[str, Any]:
        self.calls.append(("request", conversation_id, language, kw))
        if self.down:
            raise BackendUnavailable("unreachable")
        return self.answer

    async def cancel_handoff(self, conversation_id: str, language: str = "en") -> bool:
        self.calls.append(("cancel", conversation_id))
        return True

    async def handoff_inbound(self, conversation_id: str, text: str) -> int | None:
        self.calls.append(("inbound", conversation_id, text))
        if self.down:
            raise BackendUnavailable("unreachable")
        return 1


def tracker(language: str = "en", slots: Dict[str, Any] | None = None, **kw: Any) -> Tracker:
    return Tracker(
        sender_id="conv-h",
        slots={"language": language, **(slots or {})},
        latest_message=kw.get(
            "latest", {"intent": {"name": "request_human"}, "entities": [], "text": "staff"}
        ),
        events=kw.get("events", []),
        paused=False,
        followup_action=None,
        active_loop=kw.get("active_loop", {}),
        latest_action_name=None,
    )


def run(action: Any, track: Tracker) -> tuple[List[str], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    return [m.get("text") or m.get("response") or "" for m in dispatcher.messages], events


def test_request_in_hours_after_hours_and_backend_down(monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient(
        {
            "handoff": {"state": "waiting"},
            "created": True,
            "queue_position": 2,
            "wait_minutes": 6,
            "staffed": True,
        }
    )
    monkeypatch.setattr(handoff, "BackendClient", lambda: client)
    events = [
        {
            "event": "user",
            "text": "my phone is 13812345678",
            "parse_data": {"intent": {"name": "ask_policy"}},
        },
        {"event": "bot", "text": "Here is the answer."},
        {"event": "user", "text": "x", "parse_data": {"intent": {"name": "EXTERNAL_case_update"}}},
    ]
    said, out = run(handoff.ActionRequestHuman(), tracker(events=events))
    assert said == [
        "You are in the queue for a member of staff: you are number 2, with an estimated wait of 6 min. "
        'I can go on answering meanwhile; say "cancel" to leave the queue.'
    ]
    assert out == [Set("handoff", "waiting")]
    sent = client.calls[0][3]
    assert sent["topic"] == "ask_policy"
    assert [t["sender"] for t in sent["transcript"]] == ["user", "bot"]  # pushes are not turns
    assert "13812345678" not in sent["transcript"][0]["text"]

    client.answer = {
        "handoff": {"state": "waiting"},
        "created": True,
        "queue_position": 1,
        "staffed": False,
        "staff_back_at": "2026-12-07T09:00:00+08:00",
    }
    said, _ = run(handoff.ActionRequestHuman(), tracker("zh", active_loop={"name": "application_form"}))
    assert said[0].startswith("工作人员目前不在工作时间，将于2026年12月7日 09:00（北京时间）恢复服务。")
    assert said[1] == "您已填写的内容都会保留；人工服务结束后，我们将从刚才的地方继续。"

    client.down = True
    said, out = run(handoff.ActionRequestHuman(), tracker())
    assert "12345" in said[0] and out == []


def test_claimed_pauses_ended_resumes_and_cancel_leaves_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    said, out = run(
        handoff.ActionHandoffClaimed(),
        tracker(
            latest={
                "intent": {"name": "EXTERNAL_handoff_claimed"},
                "entities": [{"entity": "staff_name", "value": "Anna"}],
            }
        ),
    )
    assert said == [
        "Anna from the helpdesk has joined the chat. From now on a person reads and answers your messages here."
    ]
    assert {"event": "pause"} in [{"event": e["event"]} for e in out] and Set("handoff", "active") in out

    monkeypatch.setattr(handoff, "offer", lambda *a, **k: asyncio.sleep(0, result=[]))
    said, out = run(
        handoff.ActionHandoffEnded(),
        tracker(
            "zh",
            latest={
                "intent": {"name": "EXTERNAL_handoff_ended"},
                "entities": [{"entity": "handoff_outcome", "value": "released"}],
            },
        ),
    )
    assert said == ["工作人员已将对话交还给我（智能助手）。请问还有什么可以帮您？"] and out == [
        Set("handoff", None)
    ]

    client = FakeClient()
    monkeypatch.setattr(handoff, "BackendClient", lambda: client)
    said, out = run(handoff.ActionStop(), tracker(slots={"handoff": "waiting"}))
    assert said == ["You have left the queue. I am still here to help."] and client.calls == [
        ("cancel", "conv-h")
    ]
    said, _ = run(handoff.ActionStop(), tracker())
    assert said == ["utter_stop"]  # not waiting: the stop as before


def test_paused_messages_fill_no_slot_and_reach_the_staff_member(monkeypatch: pytest.MonkeyPatch) -> None:
    domain = Domain.load("domain.yml")
    client = FakeClient()
    monkeypatch.setattr(guard, "BackendClient", lambda: client)
    extracted: List[str] = []

    async def stock(self: Any, channel: Any, track: DialogueStateTracker) -> DialogueStateTracker:
        extracted.append(track.sender_id)
        return track

    monkeypatch.setitem(guard._STOCK, "extract", stock)

    class Channel:
        def __init__(self) -> None:
            self.sent: List[Dict[str, Any]] = []

        async def send_response(self, recipient: str, message: Dict[str, Any]) -> None:
            self.sent.append(message)

    def paused_tracker(text: str) -> DialogueStateTracker:
        track = DialogueStateTracker("conv-p", domain.slots)
        track.update(SlotSet("handoff", "active"))
        track.update(ConversationPaused())
        track.update(UserUttered(text, {"name": "inform", "confidence": 1.0}))
        return track

    channel = Channel()
    track = asyncio.run(
        guard.handoff_extract_slots(None, channel, paused_tracker("my passport is E12345678"))
    )
    assert extracted == [] and track.is_paused()  # no slot filled from it
    assert client.calls[0][:2] == ("inbound", "conv-p") and "E12345678" not in client.calls[0][2]
    assert channel.sent == []  # the bot is silent

    client.down = True
    asyncio.run(guard.handoff_extract_slots(None, channel, paused_tracker("hello?")))
    assert channel.sent[0]["text"].startswith("Sorry, your last message could not be passed on")

    # a new session cleared Rasa's pause: paused again while the slot says a person has it
    track = DialogueStateTracker("conv-s", domain.slots)
    track.update(SlotSet("handoff", "active"))
    track.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    client.down = False
    track = asyncio.run(guard.handoff_extract_slots(None, channel, track))
    assert track.is_paused() and extracted == []

    # the hand-back: the backend resumed the tracker, then triggers the intent that tells the user
    track = DialogueStateTracker("conv-r", domain.slots)
    track.update(SlotSet("handoff", "active"))
    track.update(ConversationPaused())
    track.update(ConversationResumed())
    track.update(UserUttered(None, {"name": "EXTERNAL_handoff_ended", "confidence": 1.0}))
    track = asyncio.run(guard.handoff_extract_slots(None, channel, track))
    assert not track.is_paused() and extracted == ["conv-r"]  # the bot answers it
