"""Bilingual message catalogues for actions: whole sentences, looked up by key."""

from __future__ import annotations

from typing import Any, Dict, Mapping

HUMAN_PAYLOAD = "/request_human"
_STAFF_TITLE = {"en": "Talk to staff", "zh": "转人工"}


class Catalogue:
    """`catalogue(key, language, **params)`: the sentence in that language (English if missing)."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self.messages = messages

    def __call__(self, key: str, language: str, **params: Any) -> str:
        texts = self.messages[key]
        text = texts.get(language) or texts["en"]
        return text.format(**params) if params else text


def staff_button(language: str) -> Dict[str, str]:
    """The "talk to staff" quick reply every capability offers."""
    return {"title": _STAFF_TITLE.get(language, _STAFF_TITLE["en"]), "payload": HUMAN_PAYLOAD}
