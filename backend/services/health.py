"""The database round trip behind GET /healthz."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def database_reachable(session: Session) -> bool:
    """True when a trivial query succeeds."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
