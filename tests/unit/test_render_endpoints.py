"""Production endpoints come from environment variables only."""

import pytest

from scripts.render_endpoints import ConfigError, render


def test_defaults_are_sqlite_and_in_memory_lock():
    endpoints = render({})
    assert endpoints["tracker_store"] == {
        "type": "stores.cached_sql_tracker_store.CachedSQLTrackerStore",
        "dialect": "sqlite",
        "db": "var/rasa_tracker.db",
        "cache_size": 2000,
    }
    assert endpoints["lock_store"]["type"] == "in_memory"
    assert "event_broker" not in endpoints
    assert endpoints["nlg"]["type"].endswith("BilingualNaturalLanguageGenerator")


def test_action_server_url_keeps_selective_domain():
    endpoints = render({"ACTION_SERVER_URL": "http://actions:5055/webhook"})
    assert endpoints["action_endpoint"] == {
        "url": "http://actions:5055/webhook",
        "enable_selective_domain": True,
        "headers": {"X-Action-Token": "${ACTION_SERVER_TOKEN}"},
    }


def test_redis_lock_store_turns_the_tracker_cache_off():
    assert render({"LOCK_STORE_URL": "redis://cache:6379/1"})["tracker_store"]["cache_size"] == 0
    assert render({"TRACKER_STORE_URL": "postgresql://db/x"})["tracker_store"]["cache_size"] == 2000


def test_postgres_redis_and_rabbitmq_from_urls():
    endpoints = render(
        {
            "TRACKER_STORE_URL": "postgresql://rasa:s%40cret@db.internal:5433/tracker",
            "LOCK_STORE_URL": "redis://:pw@cache:6380/2",
            "EVENT_BROKER_URL": "amqp://guest:guest@mq:5672",
        }
    )
    assert endpoints["tracker_store"] == {
        "type": "stores.cached_sql_tracker_store.CachedSQLTrackerStore",
        "cache_size": 0,
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 5433,
        "db": "tracker",
        "username": "rasa",
        "password": "s@cret",
    }
    assert endpoints["lock_store"] == {
        "type": "redis",
        "url": "cache",
        "port": 6380,
        "db": 2,
        "key_prefix": "fwc",
        "password": "pw",
    }
    assert endpoints["event_broker"]["type"] == "pika"
    assert endpoints["event_broker"]["queues"] == ["rasa_events"]


@pytest.mark.parametrize(
    "name, value",
    [
        ("TRACKER_STORE_URL", "mysql://x/y"),
        ("LOCK_STORE_URL", "memcached://x"),
        ("EVENT_BROKER_URL", "kafka://x"),
    ],
)
def test_unsupported_urls_are_rejected_with_a_clear_message(name, value):
    with pytest.raises(ConfigError, match=name):
        render({name: value})
