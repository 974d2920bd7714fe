"""Request and response models of the JSON API (pydantic 1.x).

The request models are what the handlers parse bodies into (backend.web.parse_body) and,
with the response models, what /api/v1/openapi.json is generated from (backend/openapi.py),
so the document and the server cannot disagree.

Shape and type checks live here; checks that need data (the item catalogue, the form's
field rules, the eligibility tables) stay in the services. A refused field becomes the
same Problem (catalogue key) the API has always answered with: see PROBLEMS below.
"""
from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import Any, ClassVar, List, Literal, Type, TypeVar

from pydantic import BaseModel, Extra, Field, StrictBool, StrictStr, ValidationError, validator

from backend.errors import ApiError, Problem
from backend.services.cases import (
    APPLICANT_ROLES,
    CHANNEL_RE,
    CONVERSATION_RE,
    ITEM_STATES,
    CaseError,
)
from backend.services.knowledge import MAX_QUESTION_CHARS

REF_TEMPLATE = "#/components/schemas/{model}"
MAX_ITEMS = 20  # as check_items in backend/services/cases.py


class Language(str, Enum):
    en = "en"
    zh = "zh"


class JsonObject(dict):  # type: ignore[type-arg]
    """A JSON object, nothing else (pydantic's dict would turn [["a", 1]] into {"a": 1})."""

    @classmethod
    def __get_validators__(cls):  # type: ignore[no-untyped-def]
        yield cls._strict

    @classmethod
    def _strict(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise TypeError("not an object")
        return value

    @classmethod
    def __modify_schema__(cls, schema: dict[str, Any]) -> None:
        schema.update(type="object", additionalProperties=True)


M = TypeVar("M", bound="RequestBody")


class RequestBody(BaseModel):
    """A request body: unknown keys are refused (`unknown_field`) unless a model says otherwise.

    PROBLEMS: field -> the Problem a bad value gives; (field, pydantic error type) -> a more
    precise one. ERROR: the error code of the whole answer (with the problems as details);
    FIELD_ERRORS: fields whose problem gives its own error code. DETAILS False: the answer is
    the first problem itself, without details (the FAQ endpoints always answered so)."""

    PROBLEMS: ClassVar[dict[Any, Problem]] = {}
    ERROR: ClassVar[str] = "invalid_request"
    FIELD_ERRORS: ClassVar[dict[str, str]] = {}
    DETAILS: ClassVar[bool] = True
    # A body the model refuses and one it accepts (the tests send both to the server).
    INVALID_EXAMPLE: ClassVar[dict[str, Any]] = {"no_such_field": 1}

    class Config:
        extra = Extra.forbid
        use_enum_values = True

    @classmethod
    def problems(cls, error: ValidationError) -> list[Problem]:
        """One Problem per refused field, declared fields first, unknown keys after."""
        known: dict[str, Problem] = {}
        unknown: list[Problem] = []
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else ""
            if item["type"] == "value_error.extra":
                unknown.append(Problem("unknown_field", field=name[:100]))
            elif name not in known:
                found = cls.PROBLEMS.get((name, item["type"])) or cls.PROBLEMS.get(name) \
                    or Problem("value_invalid")
                known[name] = replace(found, field=name)
        order = list(cls.__fields__)
        return sorted(known.values(), key=lambda p: order.index(p.field) if p.field in order else 0) + unknown

    @classmethod
    def parse_problems(cls: Type[M], body: dict[str, Any]) -> M:
        """The body as this model, or the ApiError the API answers a bad body with (400)."""
        try:
            return cls.parse_obj(body)
        except ValidationError as error:
            problems = cls.problems(error)
        if not cls.DETAILS:
            first = problems[0]
            raise ApiError(first.code, 400, **first.params)
        code = next((cls.FIELD_ERRORS[p.field] for p in problems if p.field in cls.FIELD_ERRORS), cls.ERROR)
        raise CaseError(code, 400, problems)


def _no_empty_language(value: Any) -> Any:
    """An empty language means "not given" (then ?language= or Accept-Language decide)."""
    return value or None


# --- knowledge base -----------------------------------------------------------------------
class AnswerRequest(RequestBody):
    """A policy question for the knowledge base."""

    language: Language | None = Field(None, description="default: ?language=, then Accept-Language")
    question: StrictStr = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS)

    PROBLEMS = {"language": Problem("invalid_language"), "question": Problem("question_empty"),
                ("question", "value_error.any_str.max_length"):
                    Problem("question_too_long", {"max": MAX_QUESTION_CHARS})}
    DETAILS = False
    INVALID_EXAMPLE = {"question": "", "language": "en"}

    class Config:
        extra = Extra.ignore  # the bot may send more than it needs
        use_enum_values = True

    _language = validator("language", pre=True, allow_reuse=True)(_no_empty_language)

    @validator("question")
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("blank")
        return value.strip()


class FeedbackRequest(RequestBody):
    """Was this entry's answer helpful?"""

    language: Language | None = None
    entry_id: StrictStr
    helpful: StrictBool

    PROBLEMS = {"language": Problem("invalid_language"), "entry_id": Problem("feedback_invalid"),
                "helpful": Problem("feedback_invalid")}
    DETAILS = False
    INVALID_EXAMPLE = {"entry_id": "t-wp-fee", "helpful": "yes"}

    class Config:
        extra = Extra.ignore
        use_enum_values = True

    _language = validator("language", pre=True, allow_reuse=True)(_no_empty_language)


# --- drafts and cases ---------------------------------------------------------------------
def _conversation() -> Any:
    return Field(None, regex=CONVERSATION_RE.pattern, max_length=128)


def _channel() -> Any:
    return Field(None, regex=CHANNEL_RE.pattern, max_length=64, example="rest")


def _items(default: Any = None) -> Any:
    return Field(default, max_items=MAX_ITEMS, example=["work_permit_new", "residence_permit_new"],
                 description="item keys (knowledge/application/items.yml), checked against the catalogue")


def _answers(default: Any = None) -> Any:
    return Field(default, description="field key (knowledge/application/fields.yml) -> raw value; each is "
                 "checked by knowledge.application.validate_value; null removes an answer",
                 example={"surname": "Schmidt", "passport_number": "E12345678"})


_CASE_PROBLEMS: dict[Any, Problem] = {
    "items": Problem("items_type"), "role": Problem("applicant_role_invalid"),
    "answers": Problem("answers_type"), "language": Problem("invalid_language"),
    "channel": Problem("channel_invalid"), "conversation_id": Problem("conversation_id_invalid"),
    "test": Problem("field_type_bool"), "consent": Problem("consent_invalid"),
    "state": Problem("draft_state_invalid"), "note": Problem("note_invalid"),
}
Role = Literal["worker", "hr"]
assert set(Role.__args__) == set(APPLICANT_ROLES)  # type: ignore[attr-defined]
ItemState = Literal["received", "under_review", "supplement_requested", "approved", "rejected", "completed"]
assert list(ItemState.__args__) == list(ITEM_STATES)  # type: ignore[attr-defined]


class Consent(BaseModel):
    given: StrictBool = Field(..., description="false withdraws consent and deletes the answers")
    version: StrictStr | None = Field(None, description="the consent text version agreed to (consent.yml)")

    class Config:
        extra = Extra.forbid


class DraftUpdate(RequestBody):
    """Only the keys sent change the draft (the service reads `exclude_unset`)."""

    channel: StrictStr | None = _channel()
    language: Language | None = None
    role: Role | None = None
    items: List[StrictStr] | None = _items()
    consent: Consent | None = None
    answers: JsonObject | None = _answers()
    state: JsonObject | None = Field(None, description="non-personal dialogue state, kept as given (max "
                                        "20,000 characters; refused when it contains a sensitive answer)")

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "draft_invalid"
    INVALID_EXAMPLE = {"consent": "yes"}


class DraftSubmit(RequestBody):
    """Optional body of a draft's submission."""

    test: StrictBool = Field(False, description="a test case: full flow, excluded from statistics")

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"
    INVALID_EXAMPLE = {"test": "yes"}


class CaseRequest(RequestBody):
    """A whole application in one call."""

    items: List[StrictStr] = _items(...)
    role: Role
    answers: JsonObject = _answers({})
    language: Language | None = Field(None, description="default: Accept-Language")
    channel: StrictStr | None = _channel()
    conversation_id: StrictStr | None = _conversation()
    test: StrictBool = Field(False, description="a test case: full flow, excluded from statistics")

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"
    INVALID_EXAMPLE = {"items": ["work_permit_new"], "role": "worker", "answers": {}, "test": "yes"}


class ItemStateChange(RequestBody):
    """One department's item moves to a new state."""

    state: ItemState
    note: StrictStr | None = Field(None, description="required for supplement_requested and rejected; "
                                      "at most 2000 characters")

    PROBLEMS = {**_CASE_PROBLEMS, "state": Problem("case_state_invalid")}
    ERROR = "case_invalid"
    FIELD_ERRORS = {"state": "case_state_invalid", "note": "note_invalid"}
    INVALID_EXAMPLE = {"state": "flying"}


class TestMark(RequestBody):
    """Mark or unmark a test case."""

    test: StrictBool

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"
    INVALID_EXAMPLE = {"test": "yes"}


class ReleaseRequest(RequestBody):
    """Optional body of a joint review's release."""

    note: StrictStr = ""

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"
    INVALID_EXAMPLE = {"note": 5}


class StatusRequest(RequestBody):
    """A case number, and the passport's last four characters unless it is the case's own conversation."""

    case_number: StrictStr = Field(..., max_length=40, example="FJ2026000123")
    conversation_id: StrictStr | None = _conversation()
    passport_last4: StrictStr | None = Field(None, max_length=20,
                                                description="last four letters/digits of the passport number")
    client: StrictStr | None = Field(None, min_length=1, max_length=128, description="the lockout key when "
                                        "there is no conversation (default: the client address)")

    PROBLEMS = {"case_number": Problem("case_number_invalid"),
                "conversation_id": Problem("conversation_id_invalid"),
                "passport_last4": Problem("passport_last4_invalid"),
                "client": Problem("field_too_long", {"max": 128})}
    ERROR = "status_request_invalid"
    INVALID_EXAMPLE = {"case_number": 12}
