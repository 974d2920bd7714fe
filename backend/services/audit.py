"""Who viewed or changed which case. Rows are added in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from backend.models import AuditLog, utcnow

ACTIONS = (
    "view",
    "reveal",
    "state_change",
    "mark_test",
    "watchlist_add",
    "watchlist_remove",
    "joint_review_release",
    "status_view",
    "status_locked",
    "sign_in_locked",
    "retention_purge",
    "rating_followup",
    "rating_view",
    "handoff",
)
_SCALARS = (str, int, float, bool, type(None))


def _clean(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only short scalar values (and lists of them): the detail never carries answers."""
    out: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if isinstance(value, _SCALARS):
            out[str(key)] = value[:500] if isinstance(value, str) else value
        elif isinstance(value, (list, tuple)):
            out[str(key)] = [v for v in value if isinstance(v, _SCALARS)][:50]
    return out


class AuditService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, actor: str, action: str, case_id: int | None = None, detail: Mapping[str, Any] | None = None
    ) -> AuditLog:
        """Add one row (committed with the caller's change)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        row = AuditLog(
            actor=(actor or "?")[:64],
            action=action,
            case_id=case_id,
            detail=_clean(detail),
            created_at=utcnow(),
        )
        self.session.add(row)
        return row

    def list(
        self,
        *,
        case_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[AuditLog]:
        """Newest first."""
        query = _filtered(select(AuditLog), case_id, actor, action, since)
        query = query.order_by(AuditLog.id.desc()).limit(max(1, min(limit, 1000))).offset(max(0, offset))
        return list(self.session.execute(query).scalars())

    def count(
        self,
        *,
        case_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
    ) -> int:
        """How many rows `list` would page through with the same filters."""
        query = _filtered(select(func.count(AuditLog.id)), case_id, actor, action, since)
        return int(self.session.execute(query).scalar() or 0)


def _filtered(
    query: Select, case_id: int | None, actor: str | None, action: str | None, since: datetime | None
) -> Select:
    if case_id is not None:
        query = query.where(AuditLog.case_id == case_id)
    if actor:
        query = query.where(AuditLog.actor == actor)
    if action:
        query = query.where(AuditLog.action == action)
    if since is not None:
        query = query.where(AuditLog.created_at >= since)
    return query
