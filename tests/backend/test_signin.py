"""Staff sign-in: throttled per account and per address, locked after repeated failures (with an
audit entry), and hashed off the event loop (issue #17)."""

from __future__ import annotations

import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest

from backend.config import ConfigError, Settings
from backend.services import staff as staff_module
from backend.services.signin import SignInGuard

from .conftest import PASSWORD, BackendServer, Client, start_backend


@pytest.fixture
def make_backend(tmp_path: Path, database_urls: Any) -> Iterator[Any]:
    started: list[BackendServer] = []

    def make(**overrides: Any) -> BackendServer:
        server = start_backend(tmp_path / secrets.token_hex(3), database_urls(), **overrides)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def _login(server: BackendServer, username: str, password: str, lang: str = "en") -> Any:
    client = Client(server.url)
    client.get(f"/console/login?lang={lang}")
    return client.login(username, password)


def test_failed_sign_ins_are_throttled_per_account(make_backend: Any) -> None:
    server = make_backend(signin_rate_account="3/minute", signin_lock_failures=100)
    for _ in range(3):
        assert _login(server, "editor", "wrong password").status == 401
    # The limit is spent: even the right password is refused, in the user's language.
    refused = _login(server, "editor", PASSWORD)
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.text
    zh = _login(server, "editor", PASSWORD, lang="zh")
    assert zh.status == 429 and "登录失败次数过多" in zh.text
    # Another account is not affected.
    assert _login(server, "helper", PASSWORD).status == 302


def test_failed_sign_ins_are_throttled_per_address(make_backend: Any) -> None:
    server = make_backend(signin_rate_address="4/minute", signin_lock_failures=100)
    for name in ("a1", "a2", "a3", "a4"):
        assert _login(server, f"user-{name}", "wrong password").status == 401
    # Rotating usernames gets no fresh tries from the same address.
    assert _login(server, "user-a5", "wrong password").status == 429
    assert _login(server, "boss", PASSWORD).status == 429


def test_repeated_failures_lock_the_account_with_an_audit_entry(make_backend: Any) -> None:
    server = make_backend(signin_lock_failures=3, signin_lock_minutes=15, signin_rate_address="100/minute")
    assert _login(server, "editor", "wrong 1").status == 401
    assert _login(server, "editor", "wrong 2").status == 401
    locked = _login(server, "editor", "wrong 3")
    assert locked.status == 429
    assert "locked for 15 minutes" in locked.text
    right = _login(server, "editor", PASSWORD, lang="zh")
    assert right.status == 429 and "已锁定 15 分钟" in right.text
    # An unknown username is answered the same way (locking reveals no accounts).
    for _ in range(3):
        last = _login(server, "nobody-here", "wrong")
    assert last.status == 429 and "locked for 15 minutes" in last.text
    # The lock is in the audit log, for the account (not for the unknown name).
    admin = Client(server.url)
    assert admin.login("boss").status == 302
    page = admin.get("/console/audit?action=sign_in_locked&lang=en")
    assert page.status == 200
    assert "sign-in locked" in page.text and "editor" in page.text
    assert "nobody-here" not in page.text


def test_a_successful_sign_in_clears_the_failures(make_backend: Any) -> None:
    server = make_backend(signin_lock_failures=3, signin_rate_account="100/minute")
    for _ in range(2):
        assert _login(server, "editor", "wrong").status == 401
    assert _login(server, "editor", PASSWORD).status == 302
    for _ in range(2):
        assert _login(server, "editor", "wrong").status == 401
    assert _login(server, "editor", PASSWORD).status == 302


def test_hashing_does_not_block_the_event_loop(make_backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheap request completes while several password verifications are running."""
    server = make_backend(signin_rate_address="100/minute", signin_rate_account="100/minute")
    release = threading.Event()
    running = threading.Semaphore(0)
    real_verify = staff_module.verify_password

    def gated_verify(password_hash: str, password: str) -> bool:
        running.release()  # a verification has started
        release.wait(20)  # and runs until the test lets it finish
        return real_verify(password_hash, password)

    monkeypatch.setattr(staff_module, "verify_password", gated_verify)
    workers = staff_module._hash_pool._max_workers
    with ThreadPoolExecutor(workers + 2) as pool:
        storm = [pool.submit(_login, server, "editor", "wrong password") for _ in range(workers + 2)]
        try:
            for _ in range(workers):  # every hashing thread is busy
                assert running.acquire(timeout=20)
            health = Client(server.url)
            health_status: list[int] = []

            def cheap() -> None:
                health_status.append(health.get("/console/login").status)

            t = threading.Thread(target=cheap)
            t.start()
            t.join(5)
            assert health_status == [200], "the event loop was blocked by the verifications"
            assert not any(f.done() for f in storm)
        finally:
            release.set()
        assert [f.result().status for f in storm] == [401] * len(storm)


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_redis_storage_is_shared_between_workers() -> None:
    url = os.environ["TEST_REDIS_URL"]
    prefix = "test-signin-" + secrets.token_hex(4)
    one = SignInGuard(url, per_account="2/minute", lock_failures=3, prefix=prefix)
    two = SignInGuard(url, per_account="2/minute", lock_failures=3, prefix=prefix)
    assert one.check("editor", "10.0.0.1") is None
    one.failed("editor", "10.0.0.1")
    two.failed("editor", "10.0.0.2")
    refusal = one.check("editor", "10.0.0.3")
    assert refusal is not None and refusal.reason == "throttled"
    assert two.failed("editor", "10.0.0.4") is True  # third failure: locked, seen by both
    assert one.locked_for("editor") > 0 and two.check("editor", "10.0.0.5").reason == "locked"


def test_sign_in_settings_are_checked() -> None:
    env = {
        "SIGNIN_RATE_ACCOUNT": "lots",
        "SIGNIN_LOCK_FAILURES": "3",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
    }
    settings = Settings.from_env(env)
    assert settings.signin_lock_failures == 3 and settings.redis_url.endswith("/2")
    assert any("SIGNIN_RATE_ACCOUNT" in p for p in settings.problems())
    with pytest.raises(ConfigError):
        Settings.from_env({"SIGNIN_LOCK_MINUTES": "zero"})
