"""Settings, read from the environment only (never from code edits)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from security import DEV_RASA_TOKEN

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Development defaults: usable on a laptop, refused in production.
DEV_SERVICE_TOKEN = "dev-service-token"
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
# A valid Fernet key derived from a fixed development string (never for real data).
DEV_FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"dev-field-encryption-key-not-for-production").digest()
).decode("ascii")
DEV_HASH_KEY = "dev-hash-key-not-for-production"
# Case number prefix per region (REGION); CASE_PREFIX overrides.
REGION_PREFIXES = {"fujian": "FJ", "weihai": "WH"}

ROLES = ("helpdesk", "officer", "policy_editor", "manager", "admin")


CASE_PREFIX_RE = re.compile(r"^[A-Z]{1,6}$")


def _fernet_keys_ok(value: str) -> bool:
    keys = [k.strip() for k in value.split(",") if k.strip()]
    try:
        return bool(keys) and all(len(base64.urlsafe_b64decode(k.encode("ascii"))) == 32 for k in keys)
    except (ValueError, UnicodeEncodeError):
        return False


def _project_relative(url: str) -> str:
    """sqlite:///var/x.db (Rasa's relative form, from the project root) as an absolute path."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return f"sqlite:///{PROJECT_ROOT / url[len('sqlite:///') :]}"
    return url


def _rate_ok(value: str) -> bool:
    from limits import parse

    try:
        parse(value)
    except ValueError:
        return False
    return True


class ConfigError(RuntimeError):
    """The settings are unsafe or inconsistent; the app refuses to start."""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'backend.db'}"
    service_token: str = DEV_SERVICE_TOKEN
    secret_key: str = DEV_SECRET_KEY
    app_env: str = "development"
    region: str = "fujian"
    admin_username: str | None = None
    admin_password: str | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    host: str = "127.0.0.1"
    port: int = 8000
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    seed_on_start: bool = True
    session_hours: int = 8
    field_encryption_key: str = DEV_FIELD_ENCRYPTION_KEY
    hash_key: str = DEV_HASH_KEY
    # Rasa's --auth-token (security/): sent as ?token= with every push.
    rasa_token: str = DEV_RASA_TOKEN
    case_prefix: str = ""
    # Seconds: how long a state change waits for Rasa before answering (the push goes on in
    # the background), and the whole HTTP call's limit.
    notify_wait: float = 1.0
    notify_timeout: float = 10.0
    # The web widget's Rasa (socket.io) as browsers reach it: WIDGET_SOCKET_URL, else rasa_url.
    widget_socket_url: str = ""

    @property
    def socket_url(self) -> str:
        """Where the widget's browser connects (Rasa's socket.io channel)."""
        return self.widget_socket_url or self.rasa_url

    # The outbound path's retries (backend/services/outbound.py): at most this many attempts,
    # the first retry after outbound_backoff seconds and each later one twice as long, none
    # later than outbound_expiry seconds after the push; due retries are looked for at least
    # every outbound_sweep seconds (other workers' and those left by a restart).
    outbound_attempts: int = 8
    outbound_backoff: float = 5.0
    outbound_expiry: float = 86400.0
    outbound_sweep: float = 30.0
    # A queued handoff whose user says nothing for this long is closed with a message (issue 14).
    handoff_queue_timeout: float = 1800.0
    # When helpdesk staff answer (backend/services/office_hours.py): "always", spans such as
    # "09:00-12:00,13:30-17:30" on China's working days, or empty for the region profile's.
    helpdesk_hours: str = ""
    # Where the conversation figures come from (issue 15; docs/statistics.md): Rasa's tracker
    # store (the embedded default) unless Rasa publishes its events to a broker, which
    # `python -m backend.events_consumer` reads into the backend's tables.
    tracker_store_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa_tracker.db'}"
    event_broker_url: str = ""
    # Retention purges (backend/services/retention.py): how often, and how long unanswered
    # policy questions (no user identifier) are kept.
    retention_purge_minutes: float = 60.0
    unanswered_retention_days: int = 180
    # Staff sign-in (backend/services/signin.py): failed attempts allowed per account and per
    # address ("N/minute", `limits` notation), failures in a row that lock an account, and for
    # how long. REDIS_URL shares the counts between workers (else kept in this process).
    redis_url: str = ""
    signin_rate_account: str = "5/minute"
    signin_rate_address: str = "20/minute"
    signin_lock_failures: int = 10
    signin_lock_minutes: int = 15

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def prefix(self) -> str:
        """The case number prefix: CASE_PREFIX, else the region's (fujian -> FJ)."""
        return (self.case_prefix or REGION_PREFIXES.get(self.region) or self.region[:2] or "XX").upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        def integer(name: str, default: int) -> int:
            try:
                value = int(get(name, str(default)))
            except ValueError as exc:
                raise ConfigError(f"{name} must be an integer") from exc
            if value < 1:
                raise ConfigError(f"{name} must be at least 1")
            return value

        port = integer("BACKEND_PORT", defaults.port)

        def positive(name: str, default: float) -> float:
            try:
                value = float(get(name, str(default)))
            except ValueError as exc:
                raise ConfigError(f"{name} must be a number") from exc
            if value <= 0:
                raise ConfigError(f"{name} must be positive")
            return value

        try:
            purge_minutes = float(get("RETENTION_PURGE_MINUTES", str(defaults.retention_purge_minutes)))
            unanswered_days = int(get("UNANSWERED_RETENTION_DAYS", str(defaults.unanswered_retention_days)))
        except ValueError as exc:
            raise ConfigError(
                "RETENTION_PURGE_MINUTES and UNANSWERED_RETENTION_DAYS must be numbers"
            ) from exc
        if purge_minutes <= 0:
            raise ConfigError("RETENTION_PURGE_MINUTES must be positive")
        return cls(
            database_url=get("DATABASE_URL", defaults.database_url),
            service_token=get("SERVICE_TOKEN", defaults.service_token),
            secret_key=get("SECRET_KEY", defaults.secret_key),
            app_env=get("APP_ENV", defaults.app_env).lower(),
            region=get("REGION", defaults.region).lower(),
            admin_username=env.get("ADMIN_USERNAME") or None,
            admin_password=env.get("ADMIN_PASSWORD") or None,
            rasa_url=get("RASA_URL", defaults.rasa_url).rstrip("/"),
            host=get("BACKEND_HOST", defaults.host),
            port=port,
            knowledge_dir=Path(get("KNOWLEDGE_DIR", str(defaults.knowledge_dir))),
            seed_on_start=get("KB_SEED_ON_START", "1") not in ("0", "false", "no"),
            field_encryption_key=get("FIELD_ENCRYPTION_KEY", defaults.field_encryption_key),
            hash_key=get("HASH_KEY", defaults.hash_key),
            rasa_token=get("RASA_TOKEN", defaults.rasa_token),
            case_prefix=get("CASE_PREFIX", "").upper(),
            widget_socket_url=get("WIDGET_SOCKET_URL", "").rstrip("/"),
            notify_wait=positive("NOTIFY_WAIT", defaults.notify_wait),
            notify_timeout=positive("NOTIFY_TIMEOUT", defaults.notify_timeout),
            outbound_attempts=int(positive("OUTBOUND_MAX_ATTEMPTS", defaults.outbound_attempts)),
            outbound_backoff=positive("OUTBOUND_RETRY_SECONDS", defaults.outbound_backoff),
            outbound_expiry=positive("OUTBOUND_EXPIRY_SECONDS", defaults.outbound_expiry),
            outbound_sweep=positive("OUTBOUND_SWEEP_SECONDS", defaults.outbound_sweep),
            handoff_queue_timeout=positive("HANDOFF_QUEUE_TIMEOUT_SECONDS", defaults.handoff_queue_timeout),
            helpdesk_hours=get("HELPDESK_HOURS", defaults.helpdesk_hours).strip(),
            tracker_store_url=_project_relative(get("TRACKER_STORE_URL", defaults.tracker_store_url)),
            event_broker_url=get("EVENT_BROKER_URL", ""),
            retention_purge_minutes=purge_minutes,
            unanswered_retention_days=unanswered_days,
            redis_url=get("REDIS_URL", ""),
            signin_rate_account=get("SIGNIN_RATE_ACCOUNT", defaults.signin_rate_account),
            signin_rate_address=get("SIGNIN_RATE_ADDRESS", defaults.signin_rate_address),
            signin_lock_failures=integer("SIGNIN_LOCK_FAILURES", defaults.signin_lock_failures),
            signin_lock_minutes=integer("SIGNIN_LOCK_MINUTES", defaults.signin_lock_minutes),
        )

    def problems(self) -> list[str]:
        """What makes these settings unfit to start with (empty when fine)."""
        found = []
        if self.production:
            if self.service_token == DEV_SERVICE_TOKEN or len(self.service_token) < 16:
                found.append("SERVICE_TOKEN is the development default or shorter than 16 characters")
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                found.append("SECRET_KEY is the development default or shorter than 32 characters")
            if self.field_encryption_key == DEV_FIELD_ENCRYPTION_KEY:
                found.append("FIELD_ENCRYPTION_KEY is the development default")
            if self.hash_key == DEV_HASH_KEY or len(self.hash_key) < 32:
                found.append("HASH_KEY is the development default or shorter than 32 characters")
            if self.rasa_token == DEV_RASA_TOKEN or len(self.rasa_token) < 16:
                found.append("RASA_TOKEN is the development default or shorter than 16 characters")
            if self.admin_password is not None and len(self.admin_password) < 12:
                found.append("ADMIN_PASSWORD must have at least 12 characters in production")
        if not _fernet_keys_ok(self.field_encryption_key):
            found.append(
                "FIELD_ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
                "(32 url-safe base64-encoded bytes each)"
            )
        if not CASE_PREFIX_RE.match(self.prefix):
            found.append("CASE_PREFIX must be 1 to 6 letters")
        for name, value in (
            ("SIGNIN_RATE_ACCOUNT", self.signin_rate_account),
            ("SIGNIN_RATE_ADDRESS", self.signin_rate_address),
        ):
            if not _rate_ok(value):
                found.append(f"{name} must be a rate such as 5/minute")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://")):
            found.append("REDIS_URL must start with redis:// or rediss://")
        if self.helpdesk_hours:
            from backend.services.office_hours import parse_hours  # here: the services import the settings

            try:
                parse_hours(self.helpdesk_hours)
            except ValueError as exc:
                found.append(
                    f'HELPDESK_HOURS must be "always" or spans such as 09:00-12:00,13:30-17:30 ({exc})'
                )
        if self.admin_username and not self.admin_password:
            found.append("ADMIN_USERNAME is set but ADMIN_PASSWORD is not")
        return found

    def check(self) -> None:
        """Raise ConfigError when the app must not start with these settings."""
        found = self.problems()
        if found:
            raise ConfigError("refusing to start: " + "; ".join(found))
