"""Which channels are on, as `make run` prints it before starting (issue #13).

    python -m connectors.status

Each channel module in connectors/ says itself whether its settings are present
(`enabled(env)`); REST is always on. Nothing here starts a channel.
"""

from __future__ import annotations

import importlib
import os
from typing import List, Mapping, Tuple

# (name shown, module, the settings that turn it on)
CHANNELS: Tuple[Tuple[str, str, str], ...] = (
    ("web widget (socket.io)", "connectors.socketio", "on in development; WIDGET_ORIGINS in production"),
    ("WeChat official account", "connectors.wechat", "WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET"),
    ("Telegram", "connectors.telegram", "TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET"),
)


def channel_states(env: Mapping[str, str] | None = None) -> List[Tuple[str, bool, str]]:
    """(name, on, what turns it on) for every channel, REST first."""
    env = os.environ if env is None else env
    states = [("REST (/webhooks/rest/webhook)", True, "always on")]
    for name, module, settings in CHANNELS:
        states.append((name, bool(importlib.import_module(module).enabled(env)), settings))
    return states


def main() -> None:
    print("Channels:")
    for name, on, settings in channel_states():
        print(f"  {'on ' if on else 'off'}  {name}" + ("" if on else f"  (set {settings})"))


if __name__ == "__main__":
    main()
