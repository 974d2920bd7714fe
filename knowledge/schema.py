"""One error and one way to check the shape of every knowledge data file.

Each loader describes its file with pydantic (1.x API) models and calls `parse_file`; a
file that does not fit is refused with a `DataError` naming the file, the place inside it
("fields.surname.label.zh") and, where it can be found, the line. Checks that are not
about shape (references between files, unique ids, bands that touch) stay in the loaders
or in the models' validators and raise the same `DataError` through `fail`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Type, TypeVar

import yaml
from pydantic import BaseModel, Extra, ValidationError, validator

M = TypeVar("M", bound=BaseModel)
Loc = Iterable[str | int]


class DataError(ValueError):
    """A knowledge data file is malformed; the message names the file, the place and the problem."""


class Strict(BaseModel):
    """A model that refuses keys it does not know (a typo in a data file is an error, not a default)."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Bilingual(Strict):
    """A text in both languages, neither empty."""

    en: str
    zh: str

    @validator("en", "zh", pre=True)
    def _non_empty(cls, value: Any) -> str:  # noqa: N805 (pydantic validators take the class)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # an example such as 13812345678 is read by YAML as a number
        if not isinstance(value, str) or not value.strip():
            raise ValueError("needs non-empty en and zh")
        return value

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en.strip(), "zh": self.zh.strip()}


class DataFile:
    """A YAML file read once: its document, its node tree (for line numbers) and its label."""

    def __init__(self, path: Path, label: str | None = None) -> None:
        self.path = Path(path)
        self.label = label or str(self.path)
        try:
            text = self.path.read_text(encoding="utf-8")
            self.doc = yaml.safe_load(text)
            self._node = yaml.compose(text, Loader=yaml.SafeLoader)
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"{self.label}: cannot read: {exc}") from exc

    def line(self, loc: Loc) -> int | None:
        """The 1-based line of the place `loc` (keys and list indexes), or of its nearest parent."""
        node, line = self._node, None
        for part in loc:
            if node is None:
                break
            line = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                node = next((value for key, value in node.value if str(key.value) == str(part)), None)
            elif (
                isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value)
            ):
                node = node.value[part]
            else:
                node = None
        if node is not None:
            line = node.start_mark.line + 1
        return line

    def fail(self, loc: Loc | str, problem: str) -> DataError:
        """A DataError at `loc` ("file: place: problem (line N)")."""
        parts = split_place(loc) if isinstance(loc, str) else list(loc)
        where = place(parts) if parts else "file"
        line = self.line(parts) if parts else None
        return DataError(f"{self.label}: {where}: {problem}" + (f" (line {line})" if line else ""))

    def parse(self, model: Type[M], doc: Any = None, at: Loc = ()) -> M:
        """`doc` (default: the whole file) as `model`, or a DataError listing every problem."""
        at = list(at)
        try:
            return model.parse_obj(self.doc if doc is None else doc)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                loc = [*at, *(p for p in error["loc"] if p != "__root__")]
                line = self.line(loc)
                problems.append(
                    f"{place(loc) or 'file'}: {error['msg']}" + (f" (line {line})" if line else "")
                )
            raise DataError(f"{self.label}: " + "; ".join(problems)) from exc


def place(loc: Loc) -> str:
    """("items", "x", "fields", 3) -> "items.x.fields[3]"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def split_place(where: str) -> list[str | int]:
    """ "items.x.fields[3]" -> ["items", "x", "fields", 3] ("file" -> [])."""
    if where == "file":
        return []
    parts: list[str | int] = []
    for piece in where.split("."):
        name, *indexes = piece.replace("]", "").split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes if i.isdigit())
    return parts


def parse_file(path: Path, model: Type[M], label: str | None = None) -> M:
    """Read `path` and check it against `model` (raises DataError)."""
    return DataFile(path, label).parse(model)
