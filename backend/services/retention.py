"""Retention purges on a schedule (issue #17, docs/security.md): drafts past the consent's
`draft_retention_days`, cases not updated for `case_retention_days`, unanswered policy
questions older than UNANSWERED_RETENTION_DAYS. Run once at start (bootstrap) and then every
RETENTION_PURGE_MINUTES by an asyncio task of the backend; each run that deletes something
is logged and writes one `retention_purge` audit entry (counts only)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Dict

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.crypto import Crypto
from backend.models import UnansweredQuestion, utcnow
from backend.services.audit import AuditService
from backend.services.cases import CaseService
from backend.services.drafts import DraftService

log = logging.getLogger("backend.retention")


def purge_unanswered(session: Session, days: int, now: datetime | None = None) -> int:
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff))
    session.commit()
    return result.rowcount or 0


def purge_all(
    session_factory: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> Dict[str, int]:
    """One purge of everything past its retention; {"drafts": n, "cases": n, "unanswered": n}."""
    with session_factory() as session:
        crypto = Crypto.from_settings(settings)
        counts = {
            "drafts": DraftService(session, crypto, settings).purge_expired(now),
            "cases": CaseService(session, crypto, settings).purge_expired(now),
            "unanswered": purge_unanswered(session, settings.unanswered_retention_days, now),
        }
        if any(counts.values()):
            AuditService(session).record("system", "retention_purge", None, counts)
            session.commit()
    log.info(
        "retention purge: %d drafts, %d cases, %d unanswered questions deleted",
        counts["drafts"],
        counts["cases"],
        counts["unanswered"],
    )
    return counts


async def purge_forever(session_factory: sessionmaker[Session], settings: Settings) -> None:
    """The schedule: a purge every `retention_purge_minutes` (the first one after one interval:
    the backend's start has just purged). A failed run is logged; the next one still comes."""
    interval = max(1.0, settings.retention_purge_minutes * 60)
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(purge_all, session_factory, settings)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the schedule
            log.exception("scheduled retention purge failed")


def start(app: Any) -> None:
    """Register the schedule on a sanic app (started with the server, cancelled at its stop)."""

    @app.after_server_start
    async def _start_purges(app: Any, _loop: Any) -> None:
        app.ctx.retention_task = asyncio.get_running_loop().create_task(
            purge_forever(app.ctx.session_factory, app.ctx.settings)
        )

    @app.before_server_stop
    async def _stop_purges(app: Any, _loop: Any) -> None:
        task = getattr(app.ctx, "retention_task", None)
        if task is not None:
            task.cancel()
