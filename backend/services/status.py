"""Who may see a case's status: its own conversation, or whoever gives the case's FULL passport number.

The passport number is the second factor (issue #17: the last four characters fell to 79
guesses): it is compared through the keyed hash the case already stores (HASH_KEY,
backend/crypto.py), never stored again. Wrong answers are counted per case number, whoever
sends them (a new conversation, client or address gets no fresh tries): the third wrong
answer locks checks of that number for 15 minutes, audits `status_locked` on the case (the
case console shows the lock) and is logged. Over all numbers, at most STATUS_FAILURES_PER_MINUTE
wrong answers a minute are accepted (429 `status_busy` after that), so numbers cannot be swept
either. Unknown case numbers are answered exactly like wrong answers. The owning conversation
is never locked out. Only a keyed hash of the case number is stored in the attempt row.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)
MAX_FAILURES = 3
LOCK_MINUTES = 15
STATUS_FAILURES_PER_MINUTE = 30  # over every case number together
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
_GLOBAL_KEY = "all-case-numbers"
_FORGET_AFTER = timedelta(days=1)  # attempt rows untouched this long are deleted


class StatusService:
    def __init__(self, session: Session, crypto: Crypto, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.crypto = crypto
        self.clock = clock

    def attempt_key(self, case_number: str) -> str:
        return self.crypto.keyed_hash("status_attempt", "case", case_number)

    def verify(
        self,
        case_number: Any,
        *,
        conversation_id: str | None = None,
        passport_number: Any = None,
        actor: str = "status",
    ) -> Case:
        """The case when the caller may see it; else 400 verification_required, 403
        verification_failed (attempts_left), 423 status_locked (retry_after seconds) or
        429 status_busy (too many wrong answers over all numbers)."""
        number = normalise_number(case_number)
        if not CASE_NUMBER_RE.match(number):
            raise CaseError(
                "case_number_invalid", 400, problems=[Problem("case_number_invalid", field="case_number")]
            )
        case = find_case(self.session, number)
        if case is not None and conversation_id and case.conversation_id == conversation_id:
            self._audit(case, actor, "conversation")
            return case
        passport = normalise_identifier(passport_number) if isinstance(passport_number, str) else None
        if passport_number is None or passport_number == "":
            raise CaseError("verification_required", 400)
        if passport is None or not PASSPORT_RE.match(passport):
            raise CaseError(
                "passport_number_invalid",
                400,
                problems=[Problem("passport_number_invalid", field="passport_number")],
            )
        now = self.clock()
        attempt = self._attempt(self.attempt_key(number), now)
        if attempt.locked_until is not None and attempt.locked_until > now:
            raise self._locked(attempt.locked_until, now)
        busy = self._attempt(self.attempt_key(_GLOBAL_KEY), now)
        if busy.updated_at is not None and abs(now - busy.updated_at) >= timedelta(minutes=1):
            busy.failures, busy.updated_at = 0, now  # a new minute
        if busy.failures >= STATUS_FAILURES_PER_MINUTE:
            self.session.commit()
            seconds = max(1, 60 - int((now - busy.updated_at).total_seconds()))
            log.warning("status checks: %d wrong answers this minute over all case numbers", busy.failures)
            raise CaseError(
                "status_busy", 429, extra={"retry_after": seconds}, headers={"Retry-After": str(seconds)}
            )
        # Always compute the hash, also for unknown numbers, so both paths cost the same.
        given = self.crypto.passport_hash(passport)
        if case is not None and same_hash(given, case.passport_hash):
            self.session.delete(attempt)
            self._audit(case, actor, "passport_number")
            return case
        attempt.failures += 1
        attempt.updated_at = now
        busy.failures += 1
        if attempt.failures >= MAX_FAILURES:
            attempt.failures = 0
            attempt.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            if case is not None:  # the officers' alert: the audit log and the case console
                AuditService(self.session).record(
                    actor, "status_locked", case.id, {"number": case.number, "minutes": LOCK_MINUTES}
                )
            log.warning(
                "status checks of a case number locked for %d minutes after %d wrong answers",
                LOCK_MINUTES,
                MAX_FAILURES,
            )
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
        return CaseError(
            "status_locked",
            423,
            extra={"retry_after": seconds},
            headers={"Retry-After": str(seconds)},
            minutes=math.ceil(seconds / 60),
        )

    def _audit(self, case: Case, actor: str, via: str) -> None:
        AuditService(self.session).record(actor, "status_view", case.id, {"number": case.number, "via": via})
        self.session.commit()

    def locked_until(self, case_number: str) -> datetime | None:
        """When checks of this number are locked, until when (the case console's flag)."""
        row = self.session.get(StatusAttempt, self.attempt_key(normalise_number(case_number)))
        now = self.clock()
        return row.locked_until if row is not None and row.locked_until and row.locked_until > now else None

    def forget_old_attempts(self) -> int:
        """Delete attempt rows not touched for a day (their locks ran out long ago)."""
        result = self.session.execute(
            delete(StatusAttempt).where(StatusAttempt.updated_at < self.clock() - _FORGET_AFTER)
        )
        self.session.commit()
        return result.rowcount or 0
