"""The Rasa side of the one outbound path (issue #13, docs/channels.md "Outbound path").

Every message the backend pushes (case updates, staff replies) reaches the user the same
way, whatever the channel: the backend calls Rasa with `output_channel=latest`, Rasa picks
the input channel the conversation last used and asks it for an output channel
(`InputChannel.get_output_channel()`), and that output channel delivers to the recipient id
on its platform without an incoming request (WeChat: customer-service API; Telegram:
sendMessage; widget: socket.io room of the session; REST: the messages come back in Rasa's
HTTP response).

An output channel that cannot deliver raises `DeliveryError` with a short machine reason
(for example `wechat_window_closed`, `telegram_blocked`, `platform_unreachable`); Rasa then
answers the backend's call with an error that carries the reason, the turn is not saved, and
the backend records the reason and retries when `retryable` is true.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A bot message could not be delivered on the conversation's channel."""

    def __init__(self, reason: str, retryable: bool = True) -> None:
        super().__init__(f"delivery failed: {reason} (retryable={retryable})")
        self.reason = reason
        self.retryable = retryable
