"""A seeded data set for the statistics tests, with its figures computed by hand (issue 15).

Cases (period 2026-03-01..2026-03-31, China time; March 2026 has no public holiday):
  C1 work_permit_new + residence_permit_new, worker, rest, en, completed, submitted 03-02;
     science_technology completed 03-12 (8 working days), exit_entry completed 03-20 (18 days)
  C2 work_permit_new, hr, socketio, zh, in_progress, submitted 03-05; science_technology completed
     03-30 (17 working days: 03-06, 09-13, 16-20, 23-27, 30)
  C3 residence_permit_new, worker, rest, zh, submitted 03-10; exit_entry received
  C4 work_permit_new, a test case (测试件), completed: excluded everywhere
  C5 social_insurance, submitted 04-02: outside the period
  C6 residence_permit_new, worker, rest, en, completed; submitted 2026-02-28 17:00 UTC, which is
     03-01 01:00 in China (inside); exit_entry completed 03-08 (7 days)
Conversations (Rasa events; China noon each day):
  A rest 03-03: greet, language en, nlu_fallback, request_human (3 messages, 1 fallback, handed)
  B socketio 03-04: faq, language zh; 03-05: nlu_fallback (2 messages, 1 fallback)
  C rest 04-02: greet (outside)
  D rest 03-10: only a language slot (no user message: not a conversation)
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from backend.models import Case, CaseItem, UnansweredQuestion

START, END = "2026-03-01", "2026-03-31"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def seed_cases(session: Session) -> None:
    def case(
        n: int,
        items: list[str],
        role: str,
        channel: str,
        lang: str,
        state: str,
        created: str,
        parts: list[tuple[str, list[str], str, str]],
        test: bool = False,
    ) -> None:
        c = Case(
            number=f"FJ2026{n:06d}",
            region="FJ",
            channel=channel,
            language=lang,
            role=role,
            items=items,
            answers_enc="x",
            is_test=test,
            state=state,
            created_at=_utc(created),
            updated_at=_utc(created),
        )
        session.add(c)
        session.flush()
        for department, services, item_state, updated in parts:
            session.add(
                CaseItem(
                    case_id=c.id,
                    department=department,
                    services=services,
                    state=item_state,
                    updated_at=_utc(updated),
                )
            )

    case(
        1,
        ["work_permit_new", "residence_permit_new"],
        "worker",
        "rest",
        "en",
        "completed",
        "2026-03-02T02:00:00",
        [
            ("science_technology", ["work_permit_new"], "completed", "2026-03-12T02:00:00"),
            ("exit_entry", ["residence_permit_new"], "completed", "2026-03-20T02:00:00"),
        ],
    )
    case(
        2,
        ["work_permit_new"],
        "hr",
        "socketio",
        "zh",
        "in_progress",
        "2026-03-05T01:00:00",
        [("science_technology", ["work_permit_new"], "completed", "2026-03-30T02:00:00")],
    )
    case(
        3,
        ["residence_permit_new"],
        "worker",
        "rest",
        "zh",
        "submitted",
        "2026-03-10T02:00:00",
        [("exit_entry", ["residence_permit_new"], "received", "2026-03-10T02:00:00")],
    )
    case(
        4,
        ["work_permit_new"],
        "worker",
        "rest",
        "en",
        "completed",
        "2026-03-03T02:00:00",
        [("science_technology", ["work_permit_new"], "completed", "2026-03-04T02:00:00")],
        test=True,
    )
    case(
        5,
        ["social_insurance"],
        "worker",
        "rest",
        "en",
        "submitted",
        "2026-04-02T02:00:00",
        [
            ("hrss", ["social_insurance"], "received", "2026-04-02T02:00:00"),
            ("medical_insurance", ["social_insurance"], "received", "2026-04-02T02:00:00"),
        ],
    )
    case(
        6,
        ["residence_permit_new"],
        "worker",
        "rest",
        "en",
        "completed",
        "2026-02-28T17:00:00",
        [("exit_entry", ["residence_permit_new"], "completed", "2026-03-08T02:00:00")],
    )
    for created, lang in (("2026-03-15T02:00:00", "en"), ("2026-04-15T02:00:00", "en")):
        session.add(
            UnansweredQuestion(
                key="q", text="q", language=lang, decision="no_match", created_at=_utc(created)
            )
        )
    session.commit()


def _noon(day: str) -> float:
    return datetime.fromisoformat(day + "T04:00:00+00:00").timestamp()  # 12:00 in China


def _user(intent: str, day: str, channel: str, offset: float) -> Any:
    from rasa.shared.core.events import UserUttered

    return UserUttered(
        text=intent,
        intent={"name": intent, "confidence": 0.9},
        parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": intent},
        input_channel=channel,
        timestamp=_noon(day) + offset,
    )


def _slot(value: str, day: str, offset: float) -> Any:
    from rasa.shared.core.events import SlotSet

    return SlotSet("language", value, timestamp=_noon(day) + offset)


def conversations(prefix: str = "") -> dict[str, list[Any]]:
    """The four conversations as Rasa events (sender ids prefixed, so tests can share a broker)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered

    return {
        prefix + "A": [
            _user("greet", "2026-03-03", "rest", 0),
            _slot("en", "2026-03-03", 1),
            ActionExecuted("utter_greet", timestamp=_noon("2026-03-03") + 2),
            BotUttered("hi", timestamp=_noon("2026-03-03") + 3),
            _user("nlu_fallback", "2026-03-03", "rest", 10),
            _user("request_human", "2026-03-03", "rest", 20),
        ],
        prefix + "B": [
            _user("faq", "2026-03-04", "socketio", 0),
            _slot("zh", "2026-03-04", 1),
            _user("nlu_fallback", "2026-03-05", "socketio", 0),
        ],
        prefix + "C": [_user("greet", "2026-04-02", "rest", 0), _slot("en", "2026-04-02", 1)],
        prefix + "D": [_slot("en", "2026-03-10", 0)],
    }


async def _save_all(store: Any, convs: dict[str, list[Any]]) -> None:
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    for sender, events in convs.items():
        tracker = DialogueStateTracker.from_events(
            sender, events, slots=[TextSlot("language", mappings=[], influence_conversation=False)]
        )
        await store.save(tracker)


def write_tracker_store(path: Path, convs: dict[str, list[Any]]) -> None:
    """Save the conversations with Rasa's own SQLTrackerStore (SQLite)."""
    asyncio.run(write_tracker_store_async(path, convs))


async def write_tracker_store_async(path: Path, convs: dict[str, list[Any]], broker: Any = None) -> None:
    """The same inside a running loop; with `broker`, Rasa also streams every new event to it."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path), event_broker=broker)
    await _save_all(store, convs)


EXPECTED_CONVERSATIONS = {
    "count": 2,
    "by_channel": {"rest": 1, "socketio": 1},
    "by_language": {"en": 1, "zh": 1},
    "answered_by_bot": 1,
    "handed_to_person": 1,
    "fallback_rate": 0.4,
    "unanswered": 1,
}


def expected_materials() -> dict[str, float]:
    """Median of materials once (union) and separately (sum) over C1, C2, C3, C6, by hand from the
    items' material lists in knowledge/application/items.yml."""
    from statistics import median

    from knowledge.application import catalogue

    items = catalogue().items
    wp, rp = set(items["work_permit_new"].materials), set(items["residence_permit_new"].materials)
    once = [len(wp | rp), len(wp), len(rp), len(rp)]
    separately = [len(wp) + len(rp), len(wp), len(rp), len(rp)]
    return {"median_per_case": median(once), "median_separately": median(separately)}


def days(day: str) -> date:
    return date.fromisoformat(day)
