"""The forms' settings (actions/forms.yml), loaded and validated once.

Per form: the other requests left to the rules, the confidence they need, the intents that
are pointed to "stop", the failures before help and a person are offered; the stop words
are shared. A form without an entry is an error at the first lookup, not a silent default.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml
from pydantic import BaseModel, Extra, Field, confloat, conint, root_validator, validator

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "forms.yml"


class StopWords(BaseModel, extra=Extra.forbid):
    en: List[str] = Field(min_items=1)  # whole words
    zh: List[str] = Field(min_items=1)  # anywhere in the message

    def pattern(self) -> re.Pattern[str]:
        """Matched against the casefolded message."""
        words = "|".join(re.escape(w.casefold()) for w in self.en)
        return re.compile(rf"\b(?:{words})\b|" + "|".join(re.escape(w) for w in self.zh))


class Commands(BaseModel, extra=Extra.forbid):
    """Whole-message commands per destructive intent (casefolded, punctuation and "please" trimmed)."""

    en: List[str] = Field(min_items=1)
    zh: List[str] = Field(min_items=1)

    def matches(self, text: str) -> bool:
        said = re.sub(r"[\s.!?。！？，,]+", " ", text.casefold()).strip()
        said = re.sub(r"^(?:please )|(?: please)$|^请|吧$", "", said).strip()
        return said in {c.casefold() for c in self.en} or said.replace(" ", "") in set(self.zh)


class FormSettings(BaseModel, extra=Extra.forbid):
    other_requests: List[str] = Field(min_items=1)
    only_when_sure: List[str] = []
    # destructive intents: taken inside the form only as a button payload or a whole-message
    # command listed under `commands:`, never from the model's guess ("Data analyst" is a job title)
    explicit_only: List[str] = []
    confidence: confloat(gt=0, le=1)  # type: ignore[valid-type]
    stop_intent: str = "stop"
    elsewhere: List[str] = []
    help_after: conint(ge=1) | None = None  # type: ignore[valid-type]
    # a policy question (ask_policy at `confidence`) asked instead of an answer is answered from
    # the knowledge base, then the form asks its question again (actions/policy_answer.py)
    policy_questions: bool = False

    @root_validator(skip_on_failure=True)
    def _known_requests(cls, values: Dict) -> Dict:  # noqa: N805 - pydantic's signature
        unknown = set(values["only_when_sure"]) - set(values["other_requests"])
        if unknown:
            raise ValueError(f"only_when_sure names intents that are not other_requests: {sorted(unknown)}")
        unknown = set(values["explicit_only"]) - set(values["other_requests"])
        if unknown:
            raise ValueError(f"explicit_only names intents that are not other_requests: {sorted(unknown)}")
        if set(values["elsewhere"]) & set(values["other_requests"]):
            raise ValueError("an intent is both elsewhere and an other request")
        return values


class Settings(BaseModel, extra=Extra.forbid):
    stop_words: StopWords
    commands: Dict[str, Commands] = {}
    forms: Dict[str, FormSettings]

    @root_validator(skip_on_failure=True)
    def _commands_for_explicit(cls, values: Dict) -> Dict:  # noqa: N805 - pydantic's signature
        missing = {i for f in values["forms"].values() for i in f.explicit_only} - set(values["commands"])
        if missing:
            raise ValueError(f"explicit_only intents without commands: {sorted(missing)}")
        return values

    @validator("forms")
    def _form_names(cls, forms: Dict[str, FormSettings]) -> Dict[str, FormSettings]:  # noqa: N805
        if not forms:
            raise ValueError("no form")
        bad = [name for name in forms if not name.endswith("_form")]
        if bad:
            raise ValueError(f"form names end in _form (the names in domain.yml): {bad}")
        return forms


def load(path: Path = SETTINGS_FILE) -> Settings:
    with path.open(encoding="utf-8") as handle:
        return Settings.parse_obj(yaml.safe_load(handle))


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load()


@lru_cache(maxsize=1)
def stop_words() -> re.Pattern[str]:
    return settings().stop_words.pattern()


def is_command(intent: str, text: str) -> bool:
    """The whole message is one of the listed commands for `intent`."""
    commands = settings().commands.get(intent)
    return bool(commands and commands.matches(text))


def form_settings(form: str) -> FormSettings:
    try:
        return settings().forms[form]
    except KeyError:
        raise KeyError(f"{SETTINGS_FILE.name} has no settings for {form!r}") from None
