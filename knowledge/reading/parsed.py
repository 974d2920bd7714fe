"""The one result type of every answer reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

Speaker = Callable[..., str]


@dataclass
class Parsed:
    """value (normalised, JSON-able) | None; error (a message code) | None; params for the code's
    placeholders (never the sentence itself); skipped: an optional question the user chose to skip.

    `ok` means one thing: no error. A skipped optional answer is ok (its value is whatever the
    form stores for "skipped"). `speak` is the message catalogue of the form that owns the codes,
    so `message(lang)` can write the sentence."""

    value: Any = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    speak: Speaker | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self, lang: str) -> str | None:
        """The error as a whole sentence of the owning form's catalogue, or None."""
        if not self.error:
            return None
        if self.speak is None:
            raise LookupError(f"no message catalogue attached to {self.error!r}")
        return self.speak(self.error, lang, **self.params)

    def renamed(self, codes: Mapping[str, str], speak: Speaker | None = None) -> Parsed:
        """The same result with a reader's generic code replaced by the form's own code."""
        if self.error is not None and self.error in codes:
            self.error = codes[self.error]
        if speak is not None:
            self.speak = speak
        return self


def fail(code: str, **params: Any) -> Parsed:
    return Parsed(error=code, params=params)
