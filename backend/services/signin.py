"""Sign-in throttling and account lockout for the staff consoles (issue #17).

Failed sign-ins are counted with the `limits` library, per account (the username given, known
or not, so that locking does not reveal which accounts exist) and per client address, in a
moving window: above either limit the attempt is refused before any password is hashed.
`lock_failures` failures in a row on one account, each less than `lock_minutes` after the
previous one, lock that account for `lock_minutes` (even the right password is refused) and
audit `sign_in_locked` for an existing account. A successful sign-in clears the account's count.

Storage: memory (this process) by default, Redis when REDIS_URL is set (shared by every backend
worker and kept across restarts). The limiter's calls are synchronous: in memory they cost
microseconds; against a local Redis, one round trip each.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before checking the password: "throttled" or "locked"."""

    reason: str
    retry_after: int  # seconds


def _key(value: str) -> str:
    # Usernames and addresses are not kept in clear in the limiter's storage (Redis).
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


class SignInGuard:
    def __init__(
        self,
        storage_url: str = "memory://",
        *,
        per_account: str = "5/minute",
        per_address: str = "20/minute",
        lock_failures: int = 10,
        lock_minutes: int = 15,
        prefix: str = "signin",
    ) -> None:
        self.storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_account: RateLimitItem = parse(per_account)
        self.per_address: RateLimitItem = parse(per_address)
        self.lock_failures = lock_failures
        self.lock_seconds = lock_minutes * 60
        self.prefix = prefix

    def _names(self, username: str) -> tuple[str, str]:
        key = _key(username)
        return f"{self.prefix}:failures:{key}", f"{self.prefix}:lock:{key}"

    def locked_for(self, username: str) -> int:
        """Seconds this account stays locked (0: not locked)."""
        _, lock = self._names(username)
        if self.storage.get(lock) <= 0:
            return 0
        return max(1, math.ceil(self.storage.get_expiry(lock) - time.time()))

    def check(self, username: str, address: str) -> Refusal | None:
        """Refuse before hashing when the account is locked or a limit is spent."""
        seconds = self.locked_for(username)
        if seconds:
            return Refusal("locked", seconds)
        for item, ident in (
            (self.per_account, "account:" + username),
            (self.per_address, "address:" + address),
        ):
            if not self.limiter.test(item, self.prefix, _key(ident)):
                reset, _ = self.limiter.get_window_stats(item, self.prefix, _key(ident))
                return Refusal("throttled", max(1, math.ceil(reset - time.time())))
        return None

    def failed(self, username: str, address: str) -> bool:
        """Count a wrong password; True when this failure locked the account."""
        self.limiter.hit(self.per_account, self.prefix, _key("account:" + username))
        self.limiter.hit(self.per_address, self.prefix, _key("address:" + address))
        failures, lock = self._names(username)
        # Elastic expiry: the count lives while failures keep coming less than lock_minutes apart.
        if self.storage.incr(failures, self.lock_seconds, elastic_expiry=True) < self.lock_failures:
            return False
        self.storage.clear(failures)
        self.storage.incr(lock, self.lock_seconds)
        return True

    def succeeded(self, username: str) -> None:
        failures, _ = self._names(username)
        self.storage.clear(failures)
