"""`make run` says which channels are on (connectors/status.py)."""

from connectors.status import channel_states


def states(env):
    return {name.split(" (")[0]: on for name, on, _ in channel_states(env)}


def test_only_rest_and_the_widget_are_on_without_settings() -> None:
    assert states({}) == {
        "REST": True,
        "web widget": True,
        "WeChat official account": False,
        "Telegram": False,
    }


def test_each_channel_is_on_with_its_settings() -> None:
    env = {
        "WECHAT_TOKEN": "t",
        "WECHAT_APP_ID": "wx1",
        "WECHAT_APP_SECRET": "s",
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_SECRET": "a-valid_secret-123",
        "APP_ENV": "production",
    }
    assert states(env) == {
        "REST": True,
        "web widget": False,
        "WeChat official account": True,
        "Telegram": True,
    }
