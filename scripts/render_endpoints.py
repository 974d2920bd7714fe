"""Write var/endpoints.yml: endpoints.yml with the environment's overrides applied.

TRACKER_STORE_URL  sqlite:///var/rasa_tracker.db | postgresql://user:pw@host:5432/db
LOCK_STORE_URL     redis://host:6379/1 (needed for more than one Rasa worker; it also
                   turns off the tracker store's in-process cache, which is only
                   correct while a single process owns each conversation)
EVENT_BROKER_URL   amqp://user:pw@host:5672/vhost (optional RabbitMQ event broker)
ACTION_SERVER_URL  http://127.0.0.1:5055/webhook

The action endpoint's X-Action-Token header stays the reference `${ACTION_SERVER_TOKEN}`,
which Rasa resolves from its environment at start: the secret is never written to disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, Mapping
from urllib.parse import unquote, urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """An environment value that cannot be turned into an endpoint."""


TRACKER_STORE_TYPE = "stores.cached_sql_tracker_store.CachedSQLTrackerStore"


def tracker_store(url: str) -> Dict[str, Any]:
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        return {
            "type": TRACKER_STORE_TYPE,
            "dialect": "sqlite",
            "db": parsed.path.lstrip("/") or "var/rasa_tracker.db",
            "cache_size": 2000,
        }
    if scheme in ("postgresql", "postgres"):
        store = {
            "type": TRACKER_STORE_TYPE,
            "cache_size": 2000,
            "dialect": "postgresql",
            "url": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "db": parsed.path.lstrip("/") or "rasa",
        }
        if parsed.username:
            store["username"] = unquote(parsed.username)
        if parsed.password:
            store["password"] = unquote(parsed.password)
        return store
    raise ConfigError(f"TRACKER_STORE_URL must start with sqlite:// or postgresql://, got {url!r}")


def lock_store(url: str) -> Dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ConfigError(f"LOCK_STORE_URL must start with redis://, got {url!r}")
    store: Dict[str, Any] = {
        "type": "redis",
        "url": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(parsed.path.lstrip("/") or 1),
        "key_prefix": "fwc",
    }
    if parsed.password:
        store["password"] = unquote(parsed.password)
    if parsed.scheme == "rediss":
        store["use_ssl"] = True
    return store


def event_broker(url: str) -> Dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme not in ("amqp", "amqps"):
        raise ConfigError(f"EVENT_BROKER_URL must start with amqp://, got {url!r}")
    return {
        "type": "pika",
        "url": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5672,
        "username": unquote(parsed.username or "guest"),
        "password": unquote(parsed.password or "guest"),
        "queues": ["rasa_events"],
    }


def render(env: Mapping[str, str]) -> Dict[str, Any]:
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    if env.get("ACTION_SERVER_URL"):
        endpoints["action_endpoint"] = {
            **endpoints.get("action_endpoint", {}),
            "url": env["ACTION_SERVER_URL"],
        }
    if env.get("TRACKER_STORE_URL"):
        endpoints["tracker_store"] = tracker_store(env["TRACKER_STORE_URL"])
    if env.get("LOCK_STORE_URL"):
        endpoints["lock_store"] = lock_store(env["LOCK_STORE_URL"])
        endpoints["tracker_store"]["cache_size"] = 0
    if env.get("EVENT_BROKER_URL"):
        endpoints["event_broker"] = event_broker(env["EVENT_BROKER_URL"])
    return endpoints


def main() -> int:
    out = ROOT / "var" / "endpoints.yml"
    out.parent.mkdir(exist_ok=True)
    try:
        endpoints = render(os.environ)
    except ConfigError as exc:
        print(f"render_endpoints: {exc}", file=sys.stderr)
        return 2
    out.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
