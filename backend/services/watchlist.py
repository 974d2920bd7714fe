"""The abnormal-information list (异常名单): keyed hashes of passport numbers, never the numbers."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.crypto import Crypto, normalise_identifier
from backend.errors import ApiError
from backend.models import WatchlistEntry, utcnow
from backend.services.audit import AuditService

PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
MAX_REASON = 500


class WatchlistService:
    def __init__(self, session: Session, crypto: Crypto) -> None:
        self.session = session
        self.crypto = crypto

    def add(self, passport_number: str, reason: str, actor: str) -> WatchlistEntry:
        """List a passport (409 when already listed); audited without the number."""
        number = normalise_identifier(passport_number or "")
        if not PASSPORT_RE.match(number):
            raise ApiError("watchlist_passport_invalid", 400)
        reason = (reason or "").strip()
        if len(reason) > MAX_REASON:
            raise ApiError("watchlist_reason_too_long", 400, max=MAX_REASON)
        digest = self.crypto.passport_hash(number)
        if self.find(digest) is not None:
            raise ApiError("watchlist_duplicate", 409)
        entry = WatchlistEntry(passport_hash=digest, reason=reason, added_by=actor[:64], created_at=utcnow())
        self.session.add(entry)
        try:
            self.session.flush()
        except IntegrityError as exc:  # listed at the same moment by someone else
            self.session.rollback()
            raise ApiError("watchlist_duplicate", 409) from exc
        AuditService(self.session).record(actor, "watchlist_add", detail={"entry_id": entry.id})
        self.session.commit()
        return entry

    def remove(self, entry_id: int, actor: str) -> None:
        entry = self.session.get(WatchlistEntry, entry_id)
        if entry is None:
            raise ApiError("watchlist_not_found", 404)
        self.session.delete(entry)
        AuditService(self.session).record(actor, "watchlist_remove", detail={"entry_id": entry_id})
        self.session.commit()

    def list(self) -> list[WatchlistEntry]:
        """Newest first."""
        return list(self.session.execute(select(WatchlistEntry).order_by(WatchlistEntry.id.desc())).scalars())

    def find(self, passport_hash: str) -> WatchlistEntry | None:
        return self.session.execute(
            select(WatchlistEntry).where(WatchlistEntry.passport_hash == passport_hash)
        ).scalar_one_or_none()

    def matches(self, passport_hash: str | None) -> bool:
        """Is this passport hash (Crypto.passport_hash) listed?"""
        return bool(passport_hash and self.find(passport_hash) is not None)

    def matches_number(self, passport_number: str) -> bool:
        return self.matches(self.crypto.passport_hash(passport_number))
