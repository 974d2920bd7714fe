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
from datetime import date
from enum import Enum
from typing import Any, ClassVar, List, Literal, Type, TypeVar

from pydantic import (
    BaseModel,
    Extra,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    conint,
    create_model,
    validator,
)

from backend.errors import ApiError, Problem
from backend.services.cases import (
    APPLICANT_ROLES,
    CHANNEL_RE,
    CONVERSATION_RE,
    ITEM_STATES,
    CaseError,
)
from backend.services.handoffs import MAX_TEXT as HANDOFF_MAX_TEXT
from backend.services.knowledge import MAX_QUESTION_CHARS
from knowledge.eligibility.data import FACTOR_KEYS

REF_TEMPLATE = "#/components/schemas/{model}"
MAX_ITEMS = 20  # as check_items in backend/services/cases.py


class Language(str, Enum):
    en = "en"
    zh = "zh"


class JsonObject(dict):
    """A JSON object, nothing else (pydantic's dict would turn [["a", 1]] into {"a": 1})."""

    @classmethod
    def __get_validators__(cls):  # noqa: ANN206 (pydantic's protocol)
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
    ERROR: ClassVar[str] = "invalid_json"  # every model names its own (tests check the keys exist)
    FIELD_ERRORS: ClassVar[dict[str, str]] = {}
    DETAILS: ClassVar[bool] = True

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
                found = cls.PROBLEMS.get((name, item["type"])) or cls.PROBLEMS.get(name) or Problem(cls.ERROR)
                known[name] = replace(found, field=name)
        order = list(cls.__fields__)
        return sorted(known.values(), key=lambda p: order.index(p.field) if p.field in order else 0) + unknown

    @classmethod
    def from_body(cls: Type[M], body: dict[str, Any]) -> M:
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

    PROBLEMS = {
        "language": Problem("invalid_language"),
        "question": Problem("question_empty"),
        ("question", "value_error.any_str.max_length"): Problem(
            "question_too_long", {"max": MAX_QUESTION_CHARS}
        ),
    }
    DETAILS = False

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

    PROBLEMS = {
        "language": Problem("invalid_language"),
        "entry_id": Problem("feedback_invalid"),
        "helpful": Problem("feedback_invalid"),
    }
    DETAILS = False

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
    return Field(
        default,
        max_items=MAX_ITEMS,
        example=["work_permit_new", "residence_permit_new"],
        description="item keys (knowledge/application/items.yml), checked against the catalogue",
    )


def _answers(default: Any = None) -> Any:
    return Field(
        default,
        description="field key (knowledge/application/fields.yml) -> raw value; each is "
        "checked by knowledge.application.validate_value; null removes an answer",
        example={"surname": "Schmidt", "passport_number": "E12345678"},
    )


_CASE_PROBLEMS: dict[Any, Problem] = {
    "items": Problem("items_type"),
    "role": Problem("applicant_role_invalid"),
    "answers": Problem("answers_type"),
    "language": Problem("invalid_language"),
    "channel": Problem("channel_invalid"),
    "conversation_id": Problem("conversation_id_invalid"),
    "test": Problem("field_type_bool"),
    "consent": Problem("consent_invalid"),
    "state": Problem("draft_state_invalid"),
    "note": Problem("note_invalid"),
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
    state: JsonObject | None = Field(
        None,
        description="non-personal dialogue state, kept as given (max "
        "20,000 characters; refused when it contains a sensitive answer)",
    )

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "draft_invalid"


class DraftSubmit(RequestBody):
    """Optional body of a draft's submission."""

    test: StrictBool = Field(False, description="a test case: full flow, excluded from statistics")

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"


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


class ItemStateChange(RequestBody):
    """One department's item moves to a new state."""

    state: ItemState
    note: StrictStr | None = Field(
        None, description="required for supplement_requested and rejected; at most 2000 characters"
    )

    PROBLEMS = {**_CASE_PROBLEMS, "state": Problem("case_state_invalid")}
    ERROR = "case_invalid"
    FIELD_ERRORS = {"state": "case_state_invalid", "note": "note_invalid"}


class TestMark(RequestBody):
    """Mark or unmark a test case."""

    test: StrictBool

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"


class ReleaseRequest(RequestBody):
    """Optional body of a joint review's release."""

    note: StrictStr = ""

    PROBLEMS = _CASE_PROBLEMS
    ERROR = "case_invalid"


class StatusRequest(RequestBody):
    """A case number, and the full passport number unless it is the case's own conversation."""

    case_number: StrictStr = Field(..., max_length=40, example="FJ2026000123")
    conversation_id: StrictStr | None = _conversation()
    passport_number: StrictStr | None = Field(
        None,
        max_length=40,
        description="the full passport number used in the application (wrong answers lock the case number)",
    )

    PROBLEMS = {
        "case_number": Problem("case_number_invalid"),
        "conversation_id": Problem("conversation_id_invalid"),
        "passport_number": Problem("passport_number_invalid"),
    }
    ERROR = "status_request_invalid"


# --- eligibility (validated by the engine, knowledge/eligibility: 422 with one detail per answer) -----
Degree = Literal["doctorate", "master", "bachelor", "below_bachelor"]
Extra_ = Literal["top_overseas_university", "fortune500", "patent", "five_years_in_china"]


class EligibilityRequest(RequestBody):
    """One applicant's answers; the query string of /checklist uses the same names.

    Documentation only: the engine (knowledge/eligibility) checks the answers, with a sentence per
    answer and 422, and the handler hands it the raw body."""

    ERROR = "eligibility_invalid"

    age: int = Field(..., ge=16, le=100)
    highest_degree: Degree
    relevant_experience_years: float = Field(..., ge=0, le=80, description="at most age - 14")
    annual_salary_cny: float = Field(
        ..., ge=0, le=100_000_000, description="yearly salary from the Chinese employer, in yuan"
    )
    months_in_china_per_year: float = Field(..., ge=0, le=12)
    hsk_level: int = Field(..., ge=0, le=6, description="0: none")
    former_chinese_national: bool = False
    chinese_taught_degree: bool = Field(False, description="a bachelor's or higher degree taught in Chinese")
    work_location: Literal["western", "northeast", "poverty_county", "other"] = "other"
    extras: list[Extra_] = Field(default_factory=list)
    local_bonus: float = Field(
        0, ge=0, le=100, description="capped by the points table (10 in the interim table)"
    )
    talent_programme: bool = Field(False, description="selected by a national or provincial talent programme")
    nationality: str | None = Field(
        None, example="DE", description="ISO 3166-1 alpha-2 or alpha-3, or an English or Chinese name"
    )
    in_china: bool | None = Field(
        None,
        description="applying from inside China; default: outside for new "
        "applications, inside for change/extension/cancellation",
    )
    items: list[str] | None = Field(
        None,
        example=["work_permit", "residence_permit"],
        description="work_permit, residence_permit, social_insurance, "
        "professional_title, e_social_security_card; an item may carry its own type: "
        "work_permit_extension. Default: the usual items for the application type",
    )
    application_type: Literal["new", "change", "extension", "cancellation"] = "new"
    region: str | None = Field(
        None, example="fujian", description="region profile (knowledge/regions/<id>.yml); default REGION"
    )
    points_table: str | None = Field(
        None, example="interim", description="default: knowledge/points/active.yml"
    )
    degree_from_chinese_university: bool = False
    teaches_native_language: bool = False
    teaching_experience_years: float = Field(0, ge=0)
    teaching_qualification: (
        Literal["education_or_language_degree", "home_teaching_certificate", "tefl_120_hours"] | None
    ) = None
    passport_expiry: date | None = None
    criminal_record_certificate_date: date | None = None
    medical_certificate_date: date | None = None
    application_date: date | None = Field(None, description="default: today")


# --- responses (what the services return; tests parse real answers with them) ---------------
class Reply(BaseModel):
    class Config:
        extra = Extra.forbid


def nullable(default: Any = None, **extra: Any) -> Any:
    """A field that may be null (OpenAPI 3.0 spells it `nullable`)."""
    return Field(default, nullable=True, **extra)


class ErrorDetail(Reply):
    code: str
    message: str
    field: str | None = None
    line: int | None = None
    file: str | None = None


class ErrorBody(Reply):
    code: str = Field(..., example="question_empty")
    message: str = Field(..., example="The question is empty.")
    details: list[ErrorDetail] | None = None

    class Config:
        extra = Extra.allow  # some errors add fields (attempts_left, retry_after)


class Error(Reply):
    """Every error: the message in the Accept-Language language."""

    error: ErrorBody


class EntryFields(Reply):
    id: str
    topic: str
    status: Literal["draft", "published", "retired"]
    source: str
    checked: date | None = nullable()
    uncertain: bool
    version: int
    updated_at: str = Field(..., description="ISO 8601, UTC")
    updated_by: str


class Entry(EntryFields):
    """An entry in both languages."""

    questions: dict[Language, list[str]]
    answer: dict[Language, str]


class EntryInLanguage(EntryFields):
    """An entry in one language (GET .../entries/{id}?language=, and answers)."""

    question: str = Field(..., description="first example question in the language")
    answer: str
    language: Language
    score: float | None = None
    confidence: float | None = Field(None, ge=0, le=1)


class AnswerResult(Reply):
    status: Literal["answer", "candidates", "no_match"] = Field(
        ...,
        description="answer: the best entry, answered directly; candidates: an ambiguous question, up to 3 "
        "entries to offer; no_match: nothing found or an off-topic question",
    )
    decision: Literal["answer", "ambiguous", "no_match"] = Field(
        ...,
        description="the retriever's decision (knowledge.retrieval.Retriever.decide); ambiguous is the "
        "status candidates",
    )
    language: Language
    entry: EntryInLanguage | None = nullable()
    confidence: float | None = None
    candidates: list[EntryInLanguage] = Field(..., max_items=3)
    related: list[EntryInLanguage] = Field(
        ...,
        max_items=2,
        description="with an answer: the next entries to offer as related questions (a subset "
        "of candidates, close enough in score); empty otherwise",
    )


class EntryList(Reply):
    entries: list[Entry]


class FeedbackStored(Reply):
    id: int
    entry_id: str
    helpful: bool


class Health(Reply):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    kb_entries_indexed: int | None = None


class ConsentView(Reply):
    given: bool
    version: str | None = nullable()
    at: str | None = nullable()


class Draft(Reply):
    conversation_id: str
    channel: str | None = nullable()
    language: str
    role: str | None = nullable()
    items: list[str]
    state: JsonObject
    consent: ConsentView
    answers_masked: dict[str, str] = Field(..., description="field -> masked value (E12****78, 138****5678)")
    fields: list[str] = Field(..., description="the fields the items need, in order")
    missing: list[str] = Field(..., description="required fields not answered yet")
    created_at: str
    updated_at: str


class DraftReply(Reply):
    draft: Draft


class TimelineEntry(Reply):
    state: str
    state_text: str
    note: str | None = nullable()
    at: str


class CaseItemView(Reply):
    id: int
    department: str
    department_name: str
    services: list[str]
    service_names: list[str]
    state: ItemState
    state_text: str
    updated_at: str
    timeline: list[TimelineEntry]


class StaffEvent(Reply):
    state: str
    note: str | None = nullable()
    actor: str
    at: str


class Case(Reply):
    """Texts in the Accept-Language language. For applicants a watchlist hold is not disclosed
    (state submitted, joint_review false). Staff views add id, conversation_id, channel, events."""

    number: str = Field(..., example="FJ2026000123")
    is_test: bool
    joint_review: bool
    state: Literal["submitted", "joint_review", "in_progress", "completed", "rejected"]
    state_text: str
    created_at: str
    updated_at: str
    language: str
    role: str
    item_keys: list[str]
    items: list[CaseItemView]
    next_steps: list[str]
    materials: list[JsonObject] = Field(..., description="{id, name, ...} per material the situation needs")
    deadlines: list[Any]
    savings: dict[str, int] = Field(
        ..., description="fields_once, fields_separately, materials_once, materials_separately"
    )
    answers_masked: dict[str, str]
    id: int | None = None
    conversation_id: str | None = nullable()
    channel: str | None = nullable()
    events: list[StaffEvent] | None = None


class CaseReply(Reply):
    case: Case


class NotificationOutcome(Reply):
    delivered: bool
    pending: bool


class StateChangeReply(Reply):
    case: Case
    notification: NotificationOutcome | None = None


class ConversationCase(Reply):
    number: str
    created_at: str
    state: str


class ConversationCases(Reply):
    cases: list[ConversationCase]


class CaseStatistics(Reply):
    cases: JsonObject = Field(..., description="real cases (test cases excluded) per state")
    total_cases: int
    items: JsonObject = Field(..., description="per department, per item state")
    total_items: int


# The eligibility answer is built by knowledge/eligibility/assess.py: documented here, more keys allowed.
Status = Literal["met", "unmet", "unknown"]
FACTORS = FACTOR_KEYS  # the points factors, as the knowledge data defines them


class Documented(BaseModel):
    class Config:
        extra = Extra.allow


class NationalityView(Documented):
    alpha_2: str
    alpha_3: str
    name: str


class RegionView(Documented):
    id: str | None = nullable()
    name: str | None = None


class RouteView(Documented):
    id: str
    category: str
    status: Status
    text: str


class CategoryView(Documented):
    code: Literal["A", "B", "C"]
    name: str
    summary: str
    met_routes: list[str]
    possibly_higher: Literal["A", "B"] | None = nullable()
    possibly_higher_text: str | None = nullable()
    routes: list[RouteView]


Breakdown = create_model("Breakdown", __base__=Documented, **{k: (int, ...) for k in FACTORS})  # type: ignore
PerFactor = create_model("PerFactor", __base__=Documented, **{k: (int, None) for k in FACTORS})  # type: ignore
Explanations = create_model(
    "Explanations",
    __base__=Documented,  # type: ignore
    **{k: (str, None) for k in FACTORS},
)


class Thresholds(Documented):
    A: int
    B: int


class PointsView(Documented):
    total: int
    breakdown: Breakdown  # type: ignore[valid-type]
    maximums: PerFactor  # type: ignore[valid-type]
    explanations: Explanations  # type: ignore[valid-type]
    improvements: list[str]
    thresholds: Thresholds
    table: JsonObject
    note: str | None = nullable()


class ConditionView(Documented):
    id: str
    status: Status
    text: str


class AcceptanceView(Documented):
    mode: Literal["standard", "materials_to_follow"]
    text: str


class ItemPlanView(Documented):
    id: str
    key: str
    application_type: str
    name: str
    title: str
    office: str | None = nullable()
    steps: list[JsonObject]
    notes: list[JsonObject]
    materials: list[str]
    deadlines: list[str]
    fees: list[str]


class MaterialView(Documented):
    id: str
    items: list[str]
    name: str
    what: str
    issuer: str
    validity: str | None = nullable()
    authentication: Literal["required", "not_required", "ask_office"]
    authentication_text: str
    uncertain: bool
    source: str
    checked: str


class DeadlineView(Documented):
    id: str
    items: list[str]
    text: str
    who: Literal["applicant", "employer", "authority"]
    who_text: str
    days: int | None = nullable()
    unit: Literal["days", "working_days", "months"]
    direction: Literal["after", "before"]
    counts_from: str
    counts_from_text: str
    uncertain: bool


class FeeAmount(Documented):
    cny: float
    validity: str | None = nullable()


class FeeView(Documented):
    id: str
    items: list[str]
    text: str
    amounts: list[FeeAmount] | None = nullable()
    uncertain: bool


class SocialInsuranceView(Documented):
    status: Literal["agreement", "no_agreement", "unconfirmed", "no_country", "not_foreign"]
    agreement: bool
    country: JsonObject | None = nullable()
    exempt: list[JsonObject] | None = nullable()
    must_join: list[JsonObject] | None = nullable()
    coverage_certificate: bool
    text: str
    uncertain: bool


class EligibilityResult(Documented):
    """Every text is in the Accept-Language language."""

    language: Language
    answers: JsonObject = Field(..., description="the answers as understood (nationality as alpha-2)")
    nationality: NationalityView | None = nullable()
    region: RegionView
    category: CategoryView
    points: PointsView
    conditions: list[ConditionView]
    acceptance: AcceptanceView
    in_china: bool
    items: list[ItemPlanView]
    materials: list[MaterialView]
    deadlines: list[DeadlineView]
    fees: list[FeeView]
    social_insurance: SocialInsuranceView
    notes: list[str]
    assumptions: list[str]
    uncertain: bool
    offer_human: bool
    checklist_path: str = Field(..., example="/checklist?age=34&highest_degree=master&lang=en")


# --- statistics (issue 15; docs/statistics.md) -----------------------------------------------
Counts = dict[str, int]


class StatisticsCases(Reply):
    total: int = Field(..., description="cases submitted in the period (test cases excluded)")
    by_state: Counts
    by_department: Counts = Field(..., description="department parts (case items) per department")
    by_item: Counts = Field(..., description="cases per chosen item")
    by_channel: Counts
    by_language: Counts


class StatisticsTime(Reply):
    item: str
    completed: int = Field(
        ..., description="department parts of this item completed (cases submitted in the period)"
    )
    median_days: float | None = nullable(
        description="in the unit of the limit: working days for the work permit"
    )
    p90_days: float | None = nullable()
    limit_days: int | None = nullable(
        description="the promised limit from the knowledge data; null: none promised"
    )
    within_limit_share: float | None = nullable()


class StatisticsMaterials(Reply):
    median_per_case: float | None = nullable(description="materials collected once for the case")
    median_separately: float | None = nullable(description="the sum over one application per item")


class StatisticsRatings(Reply):
    count: int
    by_level: Counts = Field(..., description='{"1": n, ... "5": n}; 1-2 are bad ratings')
    satisfaction_rate: float | None = nullable(description="levels 3-5 / all (满意率)")
    good_rate: float | None = nullable(description="levels 4-5 / all (好评率)")
    active_rate: float | None = nullable(description="rated / rating asked (主动评价率)")
    bad_count: int
    rectified_on_time_rate: float | None = nullable()
    reply_rate: float | None = nullable()


class StatisticsConversations(Reply):
    count: int = Field(..., description="conversations with a user message in the period")
    by_channel: Counts
    by_language: Counts
    answered_by_bot: int = Field(..., description="conversations that never asked for a person")
    handed_to_person: int
    fallback_rate: float | None = nullable(description="user messages under the fallback / all user messages")
    unanswered: int = Field(..., description="policy questions with no direct answer (faq_unanswered)")


class Statistics(Reply):
    cases: StatisticsCases
    time: list[StatisticsTime]
    materials: StatisticsMaterials
    ratings: StatisticsRatings
    conversations: StatisticsConversations


# --- ratings (好差评) and their follow-up (backend/services/ratings.py; docs/ratings.md) ---------
RatingTarget = Literal["case", "item", "conversation"]
RatingSource = Literal["submission", "completion", "handoff", "user"]
RatingReason = Literal[
    "took_too_long", "unclear_guidance", "materials_twice", "staff_attitude", "system_problem", "other"
]
_RATING_PROBLEMS: dict[Any, Problem] = {
    "conversation_id": Problem("conversation_id_invalid"),
    "channel": Problem("channel_invalid"),
    "language": Problem("invalid_language"),
    "target": Problem("rating_target_invalid"),
    "source": Problem("rating_source_invalid"),
    "case_number": Problem("rating_invalid"),
    "department": Problem("rating_invalid"),
    "event": Problem("rating_invalid"),
    "request_id": Problem("rating_invalid"),
    "level": Problem("rating_level_invalid"),
    "reason": Problem("rating_reason_invalid"),
    "comment": Problem("rating_comment_invalid"),
}


class RatingAsk(RequestBody):
    """The assistant is about to ask for a rating of one service event (recorded: 主动评价率)."""

    conversation_id: StrictStr = Field(..., regex=CONVERSATION_RE.pattern, max_length=128)
    channel: StrictStr | None = _channel()
    language: Language | None = Field(None, description="default: Accept-Language")
    target: RatingTarget = Field(..., description="case (一事一评), item (one department's), conversation")
    source: RatingSource
    case_number: StrictStr | None = Field(None, max_length=40, description="case and item targets")
    department: StrictStr | None = Field(None, max_length=64, description="item target")
    event: StrictStr | None = Field(None, max_length=100, description="a handoff's id (asked once per id)")

    PROBLEMS = _RATING_PROBLEMS
    ERROR = "rating_invalid"
    FIELD_ERRORS = {"target": "rating_target_invalid", "source": "rating_source_invalid"}


class RatingGiven(RequestBody):
    """The user's rating of an asked event: 5 非常满意 .. 1 非常不满意; 1-2 open follow-ups."""

    request_id: StrictInt
    conversation_id: StrictStr = Field(..., regex=CONVERSATION_RE.pattern, max_length=128)
    level: conint(strict=True, ge=1, le=5) = Field(..., example=4)  # type: ignore[valid-type]
    reason: RatingReason | None = Field(None, description="bad ratings only")
    comment: StrictStr | None = Field(None, max_length=500, description="free text, masked by the assistant")

    PROBLEMS = _RATING_PROBLEMS
    ERROR = "rating_invalid"
    FIELD_ERRORS = {"level": "rating_level_invalid", "reason": "rating_reason_invalid"}


class FollowUpChange(RequestBody):
    """A follow-up moves on (officer of its department, manager, admin); audited."""

    state: StrictStr = Field(..., max_length=16, example="verifying")
    note: StrictStr = Field("", max_length=2000)
    reason: StrictStr = Field("", max_length=2000, description="required for withdrawn")
    reply: StrictStr = Field("", max_length=2000, description="required for replied: told to the rater")

    PROBLEMS = {
        "state": Problem("followup_state_invalid"),
        "note": Problem("note_invalid"),
        "reason": Problem("note_invalid"),
        "reply": Problem("note_invalid"),
    }
    ERROR = "followup_invalid"


class RatingAskReply(Reply):
    request_id: int
    asked: bool = Field(..., description="false: this event was asked before; do not ask again")


class RatingFollowUpRef(Reply):
    id: int
    department: str
    due_date: str


class RatingStored(Reply):
    id: int
    level: int
    bad: bool
    reason: str | None = nullable()
    followups: list[RatingFollowUpRef]


class RatingStoredReply(Reply):
    rating: RatingStored


class FollowUpRating(Reply):
    id: int
    level: int
    reason: str | None = nullable()
    comment: str | None = nullable()
    target: RatingTarget
    case_number: str | None = nullable()
    channel: str | None = nullable()
    language: str
    created_at: str | None = nullable()


class FollowUpEvent(Reply):
    from_: str | None = Field(None, alias="from", nullable=True)
    state: str
    note: str
    actor: str
    at: str | None = nullable()


class FollowUp(Reply):
    id: int
    department: str
    state: str
    due_date: str
    overdue: bool
    transitions: list[str]
    reply: str | None = nullable()
    reply_delivered: bool
    withdrawn_reason: str | None = nullable()
    created_at: str | None = nullable()
    rating: FollowUpRating
    events: list[FollowUpEvent]


class FollowUpReply(Reply):
    followup: FollowUp
    notification: NotificationOutcome | None = None


class FollowUpList(Reply):
    followups: list[FollowUp]


# --- human handoff (issue 14, docs/handoff.md) ---------------------------------------------------
HandoffCloseReason = Literal["answered", "user_left", "forwarded_to_department", "out_of_scope", "abusive"]
_HANDOFF_PROBLEMS: dict[Any, Problem] = {
    "conversation_id": Problem("conversation_id_invalid"),
    "channel": Problem("channel_invalid"),
    "language": Problem("invalid_language"),
    "topic": Problem("handoff_invalid"),
    "transcript": Problem("handoff_invalid"),
    "text": Problem("handoff_message_invalid", {"limit": HANDOFF_MAX_TEXT}),
    "note": Problem("handoff_message_invalid", {"limit": HANDOFF_MAX_TEXT}),
    "reason": Problem("handoff_reason_invalid", {"reasons": ", ".join(HandoffCloseReason.__args__)}),  # type: ignore[attr-defined]
    "to": Problem("handoff_staff_invalid"),
}


class TranscriptTurn(RequestBody):
    sender: Literal["user", "bot"]
    text: StrictStr = Field(..., max_length=4000)
    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_invalid"


class HandoffAsk(RequestBody):
    """The user asked for a person (the assistant, service token): their open handoff or a new one."""

    conversation_id: StrictStr = Field(..., regex=CONVERSATION_RE.pattern, max_length=128)
    channel: StrictStr | None = _channel()
    language: Language | None = Field(None, description="default: Accept-Language")
    topic: StrictStr | None = Field(None, max_length=100, description="the last intent or the active form")
    transcript: List[TranscriptTurn] = Field(
        default_factory=list, max_items=50, description="the recent turns, masked by the assistant"
    )

    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_invalid"


class HandoffConversation(RequestBody):
    """Which conversation (the assistant, service token)."""

    conversation_id: StrictStr = Field(..., regex=CONVERSATION_RE.pattern, max_length=128)
    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_invalid"


class HandoffInbound(RequestBody):
    """A user message of a paused conversation (Rasa, service token), masked."""

    conversation_id: StrictStr = Field(..., regex=CONVERSATION_RE.pattern, max_length=128)
    text: StrictStr = Field(..., max_length=4000)
    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_invalid"


class HandoffSay(RequestBody):
    """A staff reply (sent to the user) or, with note true, an internal note (never sent)."""

    text: StrictStr = Field(..., max_length=4000)
    note: StrictBool = False
    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_message_invalid"
    DETAILS = False


class HandoffClose(RequestBody):
    reason: HandoffCloseReason
    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_reason_invalid"
    DETAILS = False


class HandoffTransfer(RequestBody):
    to: StrictStr = Field(..., max_length=64, description="the colleague's username")
    note: StrictStr = Field("", max_length=4000, description="an internal note for the colleague")
    PROBLEMS = _HANDOFF_PROBLEMS
    ERROR = "handoff_staff_invalid"
    DETAILS = False


class HelpdeskPresence(RequestBody):
    """A helpdesk member's presence: only available staff count for the queue's wait estimate."""

    presence: Literal["available", "away"]
    PROBLEMS = {"presence": Problem("presence_invalid")}
    ERROR = "presence_invalid"
    DETAILS = False


class HelpdeskPresenceReply(Reply):
    presence: Literal["available", "away"]
    available_staff: int


class CannedReplyView(Reply):
    id: int
    en: str
    zh: str


class CannedReplyList(Reply):
    canned: List[CannedReplyView]


class HandoffMessageView(Reply):
    from_: Literal["user", "bot", "staff", "note"] = Field(
        ..., alias="from", description="note: in notes only"
    )
    text: str
    at: str | None = nullable()
    staff: str | None = nullable()

    class Config:
        extra = Extra.forbid
        allow_population_by_field_name = True


class HandoffView(Reply):
    id: int
    conversation_id: str
    channel: str | None = nullable()
    language: str
    state: Literal["waiting", "active", "released", "closed", "cancelled"]
    position: int | None = nullable()
    created_at: str | None = nullable()
    claimed_by: str | None = nullable()
    claimed_at: str | None = nullable()
    ended_at: str | None = nullable()
    close_reason: str | None = nullable()
    topic: str | None = nullable()
    messages: List[HandoffMessageView] | None = None  # the transcript: user, bot, staff
    notes: List[HandoffMessageView] | None = None  # internal notes, never sent to the user


class HandoffList(Reply):
    handoffs: List[HandoffView]


class HandoffReply(Reply):
    handoff: HandoffView
    delivered: bool | None = nullable(description="whether the user was told (null: still under way)")


class HandoffAskReply(Reply):
    handoff: HandoffView
    created: bool
    queue_position: int | None = nullable()
    wait_minutes: int | None = nullable(description="null out of hours")
    staffed: bool = Field(..., description="whether staff are at work now (office hours)")
    staff_back_at: str | None = nullable(
        description="out of hours: when staff are back (China time, ISO 8601)"
    )


class HandoffCancelReply(Reply):
    cancelled: bool


class HandoffInboundReply(Reply):
    handoff_id: int | None = nullable()


class HandoffMessageReply(Reply):
    message: HandoffMessageView
    delivered: bool | None = nullable()
