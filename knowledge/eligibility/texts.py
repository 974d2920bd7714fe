"""Language-neutral texts: the engine builds them, `render(..., lang)` writes them out.

A `Text` is a message key (texts/eligibility_engine.yml) with parameters; a `Local` is a
value that already exists in both languages (policy data, a country name). Parameters that
read differently per language (amounts, dates, Local values) are formatted when the text is
rendered (texts.param), so one assessment can be shown in English, in Chinese, or in both
(the printable checklist) without being computed twice. The value types and formatters are
texts/'s; this module adds the engine's `Text` and its scoped catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from texts import LANGUAGES, Day, Local, Money, entries, number, render

__all__ = ["LANGUAGES", "Day", "Local", "Messages", "Money", "Text", "number"]
NAMESPACE = "eligibility_engine"


@dataclass(frozen=True)
class Text:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Messages:
    """The engine's sentences: texts/eligibility_engine.yml, key -> {en, zh}."""

    @property
    def catalogue(self) -> dict[str, Local]:
        return {key: Local(en=texts["en"], zh=texts["zh"]) for key, texts in entries(NAMESPACE).items()}

    def render(self, text: Text | Local | str | None, lang: str) -> str | None:
        if text is None:
            return None
        if isinstance(text, str):
            return text
        if isinstance(text, Local):
            return text.get(lang)
        return render(f"{NAMESPACE}.{text.key}", lang, **text.params)

    def join(self, texts: list[Text | Local], lang: str) -> str:
        """Whole sentences one after another (a space between English sentences)."""
        rendered = [self.render(t, lang) or "" for t in texts]
        return ("" if lang == "zh" else " ").join(r for r in rendered if r)
