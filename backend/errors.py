"""Errors with a stable code and a message rendered in the caller's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.i18n import resolve_params, t


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: a catalogue key, its parameters and where it is."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None
    line: int | None = None
    file: str | None = None

    def message(self, lang: str) -> str:
        return t(self.code, lang, **resolve_params(self.params, lang))

    def where(self, lang: str) -> str:
        if self.line is None:
            return ""
        return t("yaml_file", lang, file=self.file or "-", line=self.line)

    def to_json(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message(lang)}
        if self.field:
            out["field"] = self.field
        if self.line is not None:
            out["line"] = self.line
        if self.file:
            out["file"] = self.file
        return out


class ApiError(Exception):
    """Raised by services and handlers; rendered as {"error": {"code", "message", ...}}."""

    def __init__(
        self,
        code: str,
        status: int = 400,
        problems: list[Problem] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params
        self.problems = problems or []

    def message(self, lang: str) -> str:
        return t(self.code, lang, **self.params)

    def to_json(self, lang: str) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message(lang)}
        if self.problems:
            body["details"] = [p.to_json(lang) for p in self.problems]
        return {"error": body}
