"""Staff accounts (argon2 hashes) and login sessions (server-side, cookie holds a token)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.config import ROLES
from backend.errors import ApiError
from backend.models import LoginSession, User, utcnow
from backend.services.audit import AuditService

MIN_PASSWORD = 8
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
_hasher = PasswordHasher()
# Verified against when the username does not exist, so both paths take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# Argon2 costs tens of milliseconds of CPU by design: sign-ins hash here, off the event loop
# (argon2-cffi releases the GIL), so a storm of sign-ins does not hold up other requests.
# Few workers: a storm queues here instead of taking every core.
_hash_pool = ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)), thread_name_prefix="argon2")


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


async def _in_pool(func: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, func, *args)


def check_department(department: str) -> None:
    from knowledge.application import catalogue

    known = list(catalogue().departments)
    if department not in known:
        raise ApiError("department_invalid", 422, department=department, choices=", ".join(known))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create_user(self, username: str, password: str, role: str, department: str | None = None) -> User:
        """A staff account; `department` (knowledge/application/departments.yml) for officers."""
        if not USERNAME_RE.match(username or ""):
            raise ApiError("username_invalid", 422)
        if role not in ROLES:
            raise ApiError("role_invalid", 422)
        if len(password or "") < MIN_PASSWORD:
            raise ApiError("password_too_short", 422, min=MIN_PASSWORD)
        if department is not None:
            check_department(department)
        if self.find(username) is not None:
            raise ApiError("username_taken", 409, username=username)
        user = User(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            active=True,
            created_at=utcnow(),
            department=department,
        )
        self.session.add(user)
        self.session.commit()
        return user

    def set_department(self, username: str, department: str | None) -> User:
        user = self.find(username)
        if user is None:
            raise ApiError("user_not_found", 404, username=username)
        if department is not None:
            check_department(department)
        user.department = department
        self.session.commit()
        return user

    def find(self, username: str) -> User | None:
        return self.session.execute(select(User).where(User.username == username)).scalar_one_or_none()

    def record_lock(self, username: str, minutes: int, failures: int) -> bool:
        """Audit that an existing account was locked after failed sign-ins; False for an
        unknown username (no entry, so a lock does not reveal which accounts exist)."""
        if self.find(username) is None:
            return False
        AuditService(self.session).record(
            username, "sign_in_locked", None, {"minutes": minutes, "failures": failures}
        )
        self.session.commit()
        return True

    def has_admin(self) -> bool:
        return self.session.execute(select(User.id).where(User.role == "admin").limit(1)).first() is not None

    def authenticate(self, username: str, password: str) -> User | None:
        """The active account with this password, else None (the CLI and tests; the sign-in
        page uses authenticate_async)."""
        user = self.find(username or "")
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
        user = self._accepted(user, ok)
        if user is not None and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
            self.session.commit()
        return user

    async def authenticate_async(self, username: str, password: str) -> User | None:
        """authenticate() with the hashing in the thread pool (the event loop stays free)."""
        user = self.find(username or "")
        ok = await _in_pool(verify_password, user.password_hash if user else _DUMMY_HASH, password or "")
        user = self._accepted(user, ok)
        if user is not None and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = await _in_pool(_hasher.hash, password)
            self.session.commit()
        return user

    @staticmethod
    def _accepted(user: User | None, ok: bool) -> User | None:
        return user if ok and user is not None and user.active else None

    def start_session(self, user: User, hours: int) -> tuple[str, LoginSession]:
        """A new login; returns the cookie token (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        login = LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        self.session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        self.session.add(login)
        self.session.commit()
        return token, login

    def session_for(self, token: str | None) -> LoginSession | None:
        if not token:
            return None
        login = self.session.get(LoginSession, _token_hash(token))
        if login is None:
            return None
        if login.expires_at < utcnow() or not login.user.active:
            self.session.delete(login)
            self.session.commit()
            return None
        return login

    def end_session(self, token: str | None) -> None:
        if token:
            self.session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
            self.session.commit()
