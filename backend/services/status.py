"""Who may see a case's status: its own conversation, or whoever knows the passport's last four.

Wrong answers are counted per (key, case number), where the caller names the key: the
conversation (`conversation:<id>`), a client the action server names, or the web page's
client address (`ip:<address>`). The third wrong answer locks that pair for 15 minutes.
Unknown case numbers are answered exactly like wrong answers, so numbers cannot be probed.
Only a keyed hash of (key, case number) is stored.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.crypto import Crypto, normalise_identifier, same_hash
from backend.errors import Problem
from backend.models import Case, StatusAttempt, utcnow
from backend.services.audit import AuditService
from backend.services.cases import CASE_NUMBER_RE, CaseError, find_case, normalise_number

MAX_FAILURES = 3
LOCK_MINUTES = 15
LAST4_RE = re.compile(r"^[A-Z0-9]{4}$")
_FORGET_AFTER = timedelta(days=1)  # attempt rows untouched this long are deleted


class StatusService:
    def __init__(self, session: Session, crypto: Crypto, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.crypto = crypto
        self.clock = clock

    def attempt_key(self, key: str, case_number: str) -> str:
        return self.crypto.keyed_hash("status_attempt", key, case_number)

    def verify(self, case_number: Any, *, key: str, conversation_id: str | None = None,
               passport_last4: Any = None, actor: str = "status") -> Case:
        """The case when the caller may see it; else 400 verification_required, 403
        verification_failed (attempts_left) or 423 status_locked (retry_after seconds)."""
        number = normalise_number(case_number)
        if not CASE_NUMBER_RE.match(number):
            raise CaseError("case_number_invalid", 400, problems=[Problem("case_number_invalid", field="case_number")])
        case = find_case(self.session, number)
        if case is not None and conversation_id and case.conversation_id == conversation_id:
            self._audit(case, actor, "conversation")
            return case
        last4 = normalise_identifier(passport_last4) if isinstance(passport_last4, str) else None
        if passport_last4 is None or passport_last4 == "":
            raise CaseError("verification_required", 400)
        if last4 is None or not LAST4_RE.match(last4):
            raise CaseError("passport_last4_invalid", 400,
                            problems=[Problem("passport_last4_invalid", field="passport_last4")])
        now = self.clock()
        attempt_key = self.attempt_key(key, number)
        attempt = self._attempt(attempt_key, now)
        if attempt.locked_until is not None and attempt.locked_until > now:
            raise self._locked(attempt.locked_until, now)
        # Always compute the hash, also for unknown numbers, so both paths cost the same.
        given = self.crypto.last4_hash(number, last4)
        if case is not None and same_hash(given, case.passport_last4_hash):
            self.session.delete(attempt)
            self._audit(case, actor, "passport_last4")
            return case
        attempt.failures += 1
        attempt.updated_at = now
        if attempt.failures >= MAX_FAILURES:
            attempt.failures = 0
            attempt.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            self.session.commit()
            raise self._locked(attempt.locked_until, now)
        left = MAX_FAILURES - attempt.failures
        self.session.commit()
        raise CaseError("verification_failed", 403, extra={"attempts_left": left}, attempts_left=left)

    def _attempt(self, attempt_key: str, now: datetime) -> StatusAttempt:
        """This pair's row, locked for update on PostgreSQL (concurrent guesses count one by one)."""
        query = select(StatusAttempt).where(StatusAttempt.key == attempt_key)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        attempt = self.session.execute(query).scalar_one_or_none()
        if attempt is None:
            attempt = StatusAttempt(key=attempt_key, failures=0, locked_until=None, updated_at=now)
            self.session.add(attempt)
            try:
                self.session.flush()
            except IntegrityError:  # created at the same moment by a parallel request
                self.session.rollback()
                attempt = self.session.execute(query).scalar_one()
        elif attempt.locked_until is not None and attempt.locked_until <= now:
            attempt.locked_until = None  # the lock ran out: three new tries
            attempt.failures = 0
        return attempt

    @staticmethod
    def _locked(until: datetime, now: datetime) -> CaseError:
        seconds = max(1, math.ceil((until - now).total_seconds()))
        return CaseError("status_locked", 423, extra={"retry_after": seconds},
                         headers={"Retry-After": str(seconds)}, minutes=math.ceil(seconds / 60))

    def _audit(self, case: Case, actor: str, via: str) -> None:
        AuditService(self.session).record(actor, "status_view", case.id, {"number": case.number, "via": via})
        self.session.commit()

    def forget_old_attempts(self) -> int:
        """Delete attempt rows not touched for a day (their locks ran out long ago)."""
        result = self.session.execute(delete(StatusAttempt).where(StatusAttempt.updated_at < self.clock()
                                                                  - _FORGET_AFTER))
        self.session.commit()
        return result.rowcount or 0
