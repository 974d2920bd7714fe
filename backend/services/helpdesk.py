"""The helpdesk console's data (issue #14, docs/handoff.md): staff presence, canned replies and
the live snapshot the console streams.

Presence: a staff member is available while their console says so and is open (the stream
refreshes `presence_at`); only available staff count for the queue's wait estimate. Canned
replies live in the database, seeded once from texts/canned_replies.yml; admins edit them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import texts
from backend.errors import ApiError
from backend.models import CannedReply, Case, Draft, User, utcnow
from backend.services.audit import AuditService
from backend.services.cases import iso
from backend.services.handoffs import (
    MAX_TEXT,
    PRESENCE_STALE,
    STAFF_ROLES,
    HandoffService,
    available_staff,
)

PRESENCE = ("available", "away")
DEFAULT_CANNED = ("greeting", "one_moment", "documents", "department", "hand_back")
MAX_CANNED = 1000


# --- presence ----------------------------------------------------------------------------------
def set_presence(session: Session, username: str, presence: str) -> User:
    if presence not in PRESENCE:
        raise ApiError("presence_invalid", 400)
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise ApiError("unauthorized", 401)
    changed = user.presence != presence
    user.presence = presence
    user.presence_at = utcnow()
    if changed:
        AuditService(session).record(username, "handoff", detail={"change": "presence", "presence": presence})
    session.commit()
    return user


def heartbeat(session: Session, username: str) -> None:
    """The console is open: keep an available member counted."""
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is not None and user.presence == "available":
        user.presence_at = utcnow()
        session.commit()


def colleagues(session: Session, me: str) -> list[dict[str, Any]]:
    """Whom a conversation can be transferred to (active helpdesk staff and admins but me)."""
    rows = session.execute(
        select(User)
        .where(User.role.in_(STAFF_ROLES), User.active.is_(True), User.username != me)
        .order_by(User.username)
    ).scalars()
    fresh = utcnow() - PRESENCE_STALE
    return [
        {
            "username": u.username,
            "display_name": u.display_name or u.username,
            "available": u.presence == "available" and u.presence_at is not None and u.presence_at >= fresh,
        }
        for u in rows
    ]


# --- canned replies ----------------------------------------------------------------------------
def _seed(session: Session) -> None:
    known = set(session.execute(select(CannedReply.key).where(CannedReply.key.is_not(None))).scalars())
    missing = [key for key in DEFAULT_CANNED if key not in known]
    for key in missing:
        session.add(
            CannedReply(
                key=key,
                text_en=texts.t(f"canned_replies.{key}", "en"),
                text_zh=texts.t(f"canned_replies.{key}", "zh"),
                active=True,
                updated_by="system",
            )
        )
    if missing:
        session.commit()


def canned_replies(session: Session, *, include_inactive: bool = False) -> list[CannedReply]:
    _seed(session)
    query = select(CannedReply).order_by(CannedReply.id)
    if not include_inactive:
        query = query.where(CannedReply.active.is_(True))
    return list(session.execute(query).scalars())


def canned_view(row: CannedReply) -> dict[str, Any]:
    return {"id": row.id, "en": row.text_en, "zh": row.text_zh}


def _texts(text_en: str, text_zh: str) -> tuple[str, str]:
    en, zh = (text_en or "").strip(), (text_zh or "").strip()
    if not en or not zh or len(en) > MAX_CANNED or len(zh) > MAX_CANNED:
        raise ApiError("canned_invalid", 400, limit=MAX_CANNED)
    return en, zh


def save_canned(
    session: Session, actor: str, text_en: str, text_zh: str, reply_id: int | None = None
) -> CannedReply:
    en, zh = _texts(text_en, text_zh)
    if reply_id is None:
        row = CannedReply(text_en=en, text_zh=zh, active=True)
        session.add(row)
    else:
        row = session.get(CannedReply, reply_id)
        if row is None:
            raise ApiError("not_found", 404)
        row.text_en, row.text_zh, row.active = en, zh, True
    row.updated_by = actor
    row.updated_at = utcnow()
    session.flush()
    AuditService(session).record(actor, "handoff", detail={"change": "canned_saved", "canned": row.id})
    session.commit()
    return row


def remove_canned(session: Session, actor: str, reply_id: int) -> None:
    row = session.get(CannedReply, reply_id)
    if row is None:
        raise ApiError("not_found", 404)
    row.active = False  # a seeded default stays removed (it is not seeded again)
    row.updated_by = actor
    row.updated_at = utcnow()
    AuditService(session).record(actor, "handoff", detail={"change": "canned_removed", "canned": row.id})
    session.commit()


# --- what the console shows ----------------------------------------------------------------------
def snapshot(service: HandoffService, me: str) -> dict[str, Any]:
    """The four lists of the console, the available staff and my presence."""
    session = service.session
    now = utcnow()

    names = dict(
        session.execute(select(User.username, User.display_name).where(User.role.in_(STAFF_ROLES))).all()
    )

    def listed(rows: list[Any]) -> list[dict[str, Any]]:
        views = service.views(rows)
        for view, row in zip(views, rows, strict=True):
            waited = now - row.created_at
            view["waiting_seconds"] = int(waited.total_seconds()) if row.state == "waiting" else None
            view["claimed_by_name"] = (
                (names.get(row.claimed_by) or row.claimed_by) if row.claimed_by else None
            )
        return views

    active = service.find("active")
    user = session.execute(select(User).where(User.username == me)).scalar()
    return {
        "waiting": listed(service.find("waiting")),
        "mine": listed([row for row in active if row.claimed_by == me]),
        "others": listed([row for row in active if row.claimed_by != me]),
        "closed": listed(service.find("closed")[:50]),
        "available_staff": available_staff(session),
        "presence": (user.presence if user is not None else None) or "away",
    }


def conversation(service: HandoffService, handoff_id: int) -> dict[str, Any]:
    """One handoff for the conversation view: transcript, notes, and the conversation's cases and draft."""
    row = service.get(handoff_id)
    view = service.view(row, with_messages=True)
    session = service.session
    cases = session.execute(
        select(Case.number, Case.state, Case.created_at)
        .where(Case.conversation_id == row.conversation_id)
        .order_by(Case.id.desc())
        .limit(20)
    ).all()
    view["cases"] = [{"number": n, "state": s, "created_at": iso(at)} for n, s, at in cases]
    draft = session.execute(select(Draft).where(Draft.conversation_id == row.conversation_id)).scalar()
    view["draft"] = (
        {"items": list(draft.items or []), "updated_at": iso(draft.updated_at)} if draft is not None else None
    )
    view["claimed_by_name"] = service.display_name(row.claimed_by) if row.claimed_by else None
    view["max_text"] = MAX_TEXT
    return view
