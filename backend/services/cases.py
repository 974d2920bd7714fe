"""Cases: submission (numbering, split per department, watchlist), views, state changes.

The form's data (items -> fields, validation, masking, departments, savings) comes from
`knowledge.application`; materials, deadlines and next steps from the eligibility engine.
Answers are stored only as a Fernet token; the passport only as keyed hashes.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

import texts
from backend.config import Settings
from backend.crypto import Crypto, normalise_identifier
from backend.errors import ApiError, Problem
from backend.i18n import resolve_params, t
from backend.models import Case, CaseEvent, CaseItem, utcnow
from backend.services.audit import AuditService
from backend.services.watchlist import WatchlistService

log = logging.getLogger("backend.cases")

CHINA = ZoneInfo("Asia/Shanghai")
APPLICANT_ROLES = ("worker", "hr")
LANGUAGES = ("en", "zh")
CASE_STATES = ("submitted", "joint_review", "in_progress", "completed", "rejected")
ITEM_STATES = ("received", "under_review", "supplement_requested", "approved", "rejected", "completed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("under_review",),
    "under_review": ("supplement_requested", "approved", "rejected"),
    "supplement_requested": ("under_review",),
    "approved": ("completed",),
}
NOTE_REQUIRED = ("supplement_requested", "rejected")  # the applicant must learn what / why
MAX_NOTE = 2000
MAX_STRUCTURED_CHARS = 20_000  # a guard before the field parsers for list/object answers
MAX_ANSWERS = 100
CONVERSATION_RE = re.compile(r"^[A-Za-z0-9_.:@+=\-]{1,128}$")
CHANNEL_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
CASE_NUMBER_RE = re.compile(r"^[A-Z]{1,6}\d{10}$")
PASSPORT_FIELD = "passport_number"

# One atomic statement (PostgreSQL and SQLite >= 3.35): the row stays locked until the
# case is committed, so concurrent submissions get consecutive numbers and a rolled back
# submission gives its number back (no gaps).
_ALLOCATE = text(
    "INSERT INTO case_counters (region, year, last) VALUES (:region, :year, 1) "
    "ON CONFLICT (region, year) DO UPDATE SET last = case_counters.last + 1 RETURNING last"
)


def application() -> Any:
    """knowledge.application, imported on first use (pure data + engine, no web code)."""
    import knowledge.application as module

    return module


def catalogue() -> Any:
    return application().catalogue()


def china_now() -> datetime:
    return datetime.now(CHINA)


def china_today() -> date:
    return china_now().date()


def local_text(value: Any, lang: str) -> str:
    """A {en, zh} mapping (or an object with .get / .text(lang)) in one language."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    text_method = getattr(value, "text", None)
    if callable(text_method):
        return str(text_method(lang))
    getter = getattr(value, "get", None)
    if callable(getter):
        return str(getter(lang) or getter("en") or "")
    return str(getattr(value, lang, "") or value)


def as_dict(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    return {
        k: getattr(value, k)
        for k in ("fields_once", "fields_separately", "materials_once", "materials_separately")
        if hasattr(value, k)
    }


class CaseError(ApiError):
    """An ApiError whose "@key" parameters are message keys, with extra JSON fields/headers."""

    def __init__(
        self,
        code: str,
        status: int = 400,
        problems: list[Problem] | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code, status, problems, **params)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def message(self, lang: str) -> str:
        return t(self.code, lang, **resolve_params(self.params, lang))

    def to_json(self, lang: str) -> dict[str, Any]:
        body = super().to_json(lang)
        body["error"].update(self.extra)
        return body


@dataclass(frozen=True)
class FormProblem(Problem):
    """A field problem whose sentence comes from knowledge.application.message()."""

    def message(self, lang: str) -> str:
        return application().message(self.code, lang, **self.params)


# --- validation shared by drafts and cases --------------------------------------------------
def _too_large(value: Any) -> bool:
    """Lists and objects beyond any real answer (strings are measured by the field parsers)."""
    return isinstance(value, (list, dict)) and len(repr(value)) > MAX_STRUCTURED_CHARS


def check_items(raw: Any, *, allow_empty: bool = False) -> tuple[list[str], list[Problem]]:
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw) or len(raw) > 20:
        return [], [Problem("items_type", field="items")]
    items = list(dict.fromkeys(raw))
    if not items and allow_empty:
        return [], []
    codes = catalogue().check_items(items)
    return items, [FormProblem(code, field="items") for code in dict.fromkeys(codes)]


def check_role(raw: Any) -> list[Problem]:
    return [] if raw in APPLICANT_ROLES else [Problem("applicant_role_invalid", field="role")]


def check_language(raw: Any) -> list[Problem]:
    return [] if raw in LANGUAGES else [Problem("invalid_language", field="language")]


def check_channel(raw: Any) -> list[Problem]:
    if raw is None or (isinstance(raw, str) and CHANNEL_RE.match(raw)):
        return []
    return [Problem("channel_invalid", field="channel")]


def conversation_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(CONVERSATION_RE.match(value))


def validate_answers(
    raw: Any, existing: Mapping[str, Any], *, today: date, allowed: Iterable[str] | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Check raw answers field by field (in the form's order, so later fields see earlier ones).

    Returns {field: normalised value, or None to remove} and the problems; `allowed`
    limits the fields accepted (others: `field_not_needed`)."""
    if not isinstance(raw, Mapping):
        return {}, [Problem("answers_type", field="answers")]
    fields = catalogue().fields
    problems: list[Problem] = []
    if len(raw) > MAX_ANSWERS:
        return {}, [Problem("answers_too_many", {"max": MAX_ANSWERS}, field="answers")]
    allowed_set = set(allowed) if allowed is not None else None
    for key in raw:
        if key not in fields:
            problems.append(Problem("unknown_field", field=str(key)[:100]))
        elif allowed_set is not None and key not in allowed_set:
            problems.append(Problem("field_not_needed", field=key))
    merged = dict(existing)
    out: dict[str, Any] = {}
    for key in [k for k in fields if k in raw]:
        value = raw[key]
        if allowed_set is not None and key not in allowed_set:
            continue
        if value is None:
            out[key] = None
            merged.pop(key, None)
            continue
        if _too_large(value):
            problems.append(Problem("value_too_long", {"max": MAX_STRUCTURED_CHARS}, field=key))
            continue
        parsed = application().validate_value(key, value, today=today, answers=merged)
        if parsed.error:
            problems.append(FormProblem(parsed.error, dict(parsed.params or {}), field=key))
        elif parsed.skipped:
            out[key] = None
            merged.pop(key, None)
        else:
            out[key] = parsed.value
            merged[key] = parsed.value
    return out, problems


def required_fields(items: list[str], role: str | None) -> list[str]:
    if not items or role not in APPLICANT_ROLES:
        return []
    return list(catalogue().fields_for(items, role))


def missing_fields(items: list[str], role: str | None, answers: Mapping[str, Any]) -> list[str]:
    fields = catalogue().fields
    return [
        k
        for k in required_fields(items, role)
        if not getattr(fields.get(k), "optional", False) and answers.get(k) in (None, "", [])
    ]


def validate_form(
    items: Any, role: Any, answers: Mapping[str, Any], *, today: date, strict: bool
) -> tuple[list[str], dict[str, Any], list[Problem]]:
    """Everything a submission needs: valid items and role, every required field, every
    value valid again. `strict`: answers for fields the items do not need are problems
    (API); otherwise they are dropped (a draft whose items changed)."""
    clean_items, problems = check_items(items)
    problems += check_role(role)
    if problems:
        return clean_items, {}, problems
    needed = required_fields(clean_items, role)
    given = answers if strict else {k: v for k, v in answers.items() if k in needed}
    values, problems = validate_answers(given, {}, today=today, allowed=needed)
    values = {k: v for k, v in values.items() if v is not None}
    fields = catalogue().fields
    problems += [
        FormProblem("missing", {"label": fields[k].label, "example": fields[k].example}, field=k)
        for k in missing_fields(clean_items, role, values)
        if not any(p.field == k for p in problems)
    ]
    return clean_items, values, problems


def mask_answers(answers: Mapping[str, Any], lang: str = "en") -> dict[str, str]:
    """Field -> the value safe to show anywhere (sensitive ones masked), written for `lang`."""
    mask = application().mask
    fields = catalogue().fields
    return {k: mask(k, answers[k], lang) for k in fields if answers.get(k) is not None}


def sensitive_values(answers: Mapping[str, Any]) -> list[str]:
    """Raw strings of the sensitive answers (to keep them out of free-form JSON)."""
    fields = catalogue().fields
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= 4:
            found.append(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for key, value in answers.items():
        if getattr(fields.get(key), "sensitive", False):
            walk(value)
    return found


# --- the eligibility engine's plan for the chosen items ------------------------------------
def eligibility_items(items: Iterable[str]) -> list[str]:
    """work_permit_new -> work_permit_new, social_insurance (kind default) -> social_insurance."""
    out = []
    for key in items:
        spec = catalogue().items[key]
        service, kind = getattr(spec, "service", key), getattr(spec, "kind", "default")
        out.append(service if kind in (None, "", "default") else f"{service}_{kind}")
    return out


def _age(born: Any, today: date) -> int | None:
    try:
        d = date.fromisoformat(str(born))
    except ValueError:
        return None
    return today.year - d.year - ((today.month, today.day) < (d.month, d.day))


def eligibility_answers(items: list[str], answers: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The eligibility engine's input from the form (unknown parts get neutral defaults)."""
    from knowledge.eligibility.inputs import DEGREES

    age = _age(answers.get("date_of_birth"), today)
    age = age if age is not None and 16 <= age <= 100 else 30
    degree = answers.get("highest_degree")
    experience = answers.get("relevant_experience_years")
    salary = answers.get("annual_salary_cny")
    out: dict[str, Any] = {
        "items": eligibility_items(items),
        "age": age,
        "highest_degree": degree if degree in DEGREES else "bachelor",
        "relevant_experience_years": min(max(experience, 0), age - 14)
        if isinstance(experience, (int, float)) and not isinstance(experience, bool)
        else 0,
        "annual_salary_cny": salary
        if isinstance(salary, (int, float)) and not isinstance(salary, bool) and 0 <= salary <= 100_000_000
        else 0,
        "months_in_china_per_year": 12,
        "hsk_level": 0,
    }
    if isinstance(answers.get("nationality"), str):
        out["nationality"] = answers["nationality"]
    kinds = {getattr(catalogue().items[k], "kind", "default") for k in items}
    if answers.get("date_of_entry") or kinds & {"change", "extension"}:
        out["in_china"] = True
    return out


def case_plan(
    settings: Settings, items: list[str], answers: Mapping[str, Any], lang: str, today: date | None = None
) -> dict[str, list[Any]]:
    """next_steps [text], materials [{id, name}], deadlines [text] for the chosen items."""
    from backend.services.eligibility import run_assessment

    today = today or china_today()
    empty: dict[str, list[Any]] = {"next_steps": [], "materials": [], "deadlines": []}
    raw = eligibility_answers(items, answers, today)
    result = None
    for attempt in (raw, {k: v for k, v in raw.items() if k not in ("nationality",)}):
        try:
            result = run_assessment(settings, attempt, lang, today=today).to_json(lang)
            break
        except ApiError as exc:  # 422: an answer the engine reads differently; 503: its data is broken
            log.warning("eligibility plan for a case failed: %s", exc.code)
            if exc.status == 503:
                return empty
    if result is None:
        return empty
    steps: list[str] = []
    for item in result.get("items", []):
        for step in item.get("steps", []):
            if step.get("text") and step["text"] not in steps:
                steps.append(step["text"])
    return {
        "next_steps": steps,
        "materials": [{"id": m["id"], "name": m["name"]} for m in result.get("materials", [])],
        "deadlines": [d["text"] for d in result.get("deadlines", []) if d.get("text")],
    }


# --- the service ---------------------------------------------------------------------------
def normalise_number(number: Any) -> str:
    return re.sub(r"\s+", "", number).upper()[:40] if isinstance(number, str) else ""


def find_case(session: Session, number: Any) -> Case | None:
    number = normalise_number(number)
    if not CASE_NUMBER_RE.match(number):
        return None
    return session.execute(select(Case).where(Case.number == number)).unique().scalar_one_or_none()


class CaseService:
    def __init__(
        self,
        session: Session,
        crypto: Crypto,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = china_now,
    ) -> None:
        self.session = session
        self.crypto = crypto
        self.settings = settings
        self.clock = clock

    # -- submission --
    def create(
        self,
        *,
        items: Any,
        role: Any,
        answers: Any,
        language: Any = "en",
        channel: Any = None,
        conversation_id: Any = None,
        test: Any = False,
        strict: bool = True,
        commit: bool = True,
    ) -> Case:
        """Validate everything, number the case and split it per department (or hold it for a
        joint review when the passport is on the watchlist). 400 `case_invalid` with details."""
        problems: list[Problem] = []
        if not isinstance(answers, Mapping):
            problems.append(Problem("answers_type", field="answers"))
            answers = {}
        problems += check_language(language) + check_channel(channel)
        if conversation_id is not None and not conversation_ok(conversation_id):
            problems.append(Problem("conversation_id_invalid", field="conversation_id"))
        if not isinstance(test, bool):
            problems.append(Problem("field_type_bool", field="test"))
        today = self.clock().date()
        clean_items, values, form_problems = validate_form(items, role, answers, today=today, strict=strict)
        problems += form_problems
        if problems:
            raise CaseError("case_invalid", 400, problems)

        try:
            return self._insert(
                clean_items, values, role, language, channel, conversation_id, test, today, commit
            )
        except Exception:
            self.session.rollback()  # the number goes back too: no gaps
            raise

    def _insert(
        self,
        clean_items: list[str],
        values: dict[str, Any],
        role: str,
        language: str,
        channel: str | None,
        conversation_id: str | None,
        test: bool,
        today: date,
        commit: bool,
    ) -> Case:
        number = self.allocate_number(today.year)
        passport = values.get(PASSPORT_FIELD)
        passport_hash = self.crypto.passport_hash(passport) if passport else None
        joint = WatchlistService(self.session, self.crypto).matches(passport_hash)
        now = utcnow()
        case = Case(
            number=number,
            region=self.settings.prefix,
            conversation_id=conversation_id,
            channel=channel,
            language=language,
            role=role,
            items=clean_items,
            answers_enc=self.crypto.encrypt_json(values),
            passport_hash=passport_hash,
            passport_last4_hash=self.crypto.last4_hash(number, normalise_identifier(passport)[-4:])
            if passport
            else None,
            is_test=test,
            joint_review=joint,
            state="joint_review" if joint else "submitted",
            created_at=now,
            updated_at=now,
        )
        self.session.add(case)
        self.session.flush()
        for department, services in catalogue().departments_for(clean_items).items():
            item = CaseItem(
                case_id=case.id,
                department=department,
                services=list(services),
                state="received",
                updated_at=now,
            )
            case.case_items.append(item)
            self.session.flush()
            self.session.add(
                CaseEvent(
                    case_id=case.id,
                    case_item_id=item.id,
                    state="received",
                    note="",
                    actor="system",
                    created_at=now,
                )
            )
        if joint:
            self.session.add(
                CaseEvent(case_id=case.id, state="joint_review", note="", actor="system", created_at=now)
            )
        if commit:
            self.session.commit()
        return case

    def allocate_number(self, year: int) -> str:
        """`{prefix}{year}{seq:06d}`, the sequence per prefix and year (in the caller's transaction)."""
        prefix = self.settings.prefix
        last = self.session.execute(_ALLOCATE, {"region": prefix, "year": year}).scalar_one()
        return f"{prefix}{year}{last:06d}"

    # -- reading --
    def get_case(self, number: str) -> Case | None:
        return find_case(self.session, number)

    def reload(self, case: Case) -> None:
        """Read the case again (after a change made through another path, e.g. an item)."""
        self.session.refresh(case)

    def numbers(self, case_ids: Iterable[int]) -> dict[int, str]:
        """Case id -> case number, for the ids given."""
        ids = set(case_ids)
        if not ids:
            return {}
        return dict(self.session.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).all())

    def joint_review_cases(self, limit: int = 500) -> list[Case]:
        """Cases held for a joint review, oldest first (they wait longest)."""
        query = select(Case).where(Case.joint_review.is_(True)).order_by(Case.id).limit(limit)
        return list(self.session.execute(query).unique().scalars())

    def require_case(self, number: str) -> Case:
        case = self.get_case(number)
        if case is None:
            raise CaseError("case_not_found", 404)
        return case

    def get_item(self, item_id: int) -> CaseItem | None:
        return self.session.get(CaseItem, item_id)

    def for_conversation(self, conversation_id: str) -> list[Case]:
        query = select(Case).where(Case.conversation_id == conversation_id).order_by(Case.id)
        return list(self.session.execute(query).unique().scalars())

    def list_items(
        self,
        department: str | None,
        state: str | None = None,
        is_test: bool | None = None,
        number: str | None = None,
        limit: int = 500,
    ) -> list[CaseItem]:
        """The items a department works on (None: every department, for admins), plus every
        item of a case in joint review; newest case first."""
        query = select(CaseItem).join(Case, CaseItem.case_id == Case.id)
        if department is not None:
            query = query.where(or_(CaseItem.department == department, Case.joint_review.is_(True)))
        if state:
            query = query.where(CaseItem.state == state)
        if is_test is not None:
            query = query.where(Case.is_test.is_(is_test))
        if number:
            query = query.where(Case.number.contains(normalise_number(number)))
        query = query.order_by(Case.id.desc(), CaseItem.id).limit(max(1, min(limit, 5000)))
        return list(self.session.execute(query).unique().scalars())

    def can_see(self, case: Case, department: str | None) -> bool:
        return (
            department is None
            or case.joint_review
            or any(i.department == department for i in case.case_items)
        )

    def answers(self, case: Case) -> dict[str, Any]:
        """Decrypted answers (internal: masking, plans). Officers use `reveal`, which is audited."""
        return self.crypto.decrypt_json(case.answers_enc)

    def masked_answers(self, case: Case, lang: str = "en") -> dict[str, str]:
        return mask_answers(self.answers(case), lang)

    def events(self, case: Case) -> list[CaseEvent]:
        query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        return list(self.session.execute(query).scalars())

    def view(
        self, case: Case, lang: str, *, staff: bool = False, plan: bool = True, department: str | None = None
    ) -> dict[str, Any]:
        """The case view (docs/application.md). For the applicant (staff=False) a watchlist
        hold is not disclosed: the case shows as submitted. For an officer (`department`) the
        masked answers are only the fields that department's items need (`visible_fields`)."""
        cat = catalogue()
        answers = self.answers(case)
        allowed = self.visible_fields(case, department) if staff else None
        shown_answers = answers if allowed is None else {k: v for k, v in answers.items() if k in allowed}
        events = self.events(case)
        by_item: dict[int | None, list[CaseEvent]] = {}
        for event in events:
            by_item.setdefault(event.case_item_id, []).append(event)
        items = []
        for item in case.case_items:
            department = cat.departments.get(item.department)
            items.append(
                {
                    "id": item.id,
                    "department": item.department,
                    "department_name": local_text(getattr(department, "name", item.department), lang),
                    "services": list(item.services),
                    "service_names": [
                        local_text(getattr(cat.items.get(s), "name", s), lang) for s in item.services
                    ],
                    "state": item.state,
                    "state_text": texts.t(f"case_states.item.{item.state}", lang),
                    "updated_at": iso(item.updated_at),
                    "timeline": [
                        {
                            "state": e.state,
                            "state_text": texts.t(f"case_states.item.{e.state}", lang),
                            "note": e.note,
                            "at": iso(e.created_at),
                        }
                        for e in by_item.get(item.id, [])
                    ],
                }
            )
        hidden = case.joint_review and not staff
        state = "submitted" if hidden else case.state
        view: dict[str, Any] = {
            "number": case.number,
            "is_test": case.is_test,
            "joint_review": case.joint_review and not hidden,
            "state": state,
            "state_text": texts.t(f"case_states.case.{state}", lang),
            "created_at": iso(case.created_at),
            "updated_at": iso(case.updated_at),
            "language": case.language,
            "role": case.role,
            "item_keys": list(case.items),
            "items": items,
            "savings": as_dict(cat.savings(list(case.items), case.role)),
            "answers_masked": mask_answers(shown_answers, lang),
        }
        view.update(
            case_plan(self.settings, list(case.items), answers, lang)
            if plan
            else {"next_steps": [], "materials": [], "deadlines": []}
        )
        if view["materials"]:
            # Count the materials this applicant's situation needs (the list above), once and
            # item by item, so the saving sentence agrees with the list it follows.
            separately = sum(
                len(case_plan(self.settings, [item], answers, lang)["materials"]) for item in case.items
            )
            view["savings"]["materials_once"] = len(view["materials"])
            view["savings"]["materials_separately"] = max(separately, len(view["materials"]))
        view["next_steps"] = [
            t("case_next_joint" if case.joint_review and staff else "case_next_review", lang),
            *view["next_steps"],
        ]
        if staff:
            view["id"] = case.id
            view["conversation_id"] = case.conversation_id
            view["channel"] = case.channel
            view["events"] = [
                {"state": e.state, "note": e.note, "actor": e.actor, "at": iso(e.created_at)}
                for e in by_item.get(None, [])
            ]
        return view

    # -- staff actions (each audited) --
    def record_view(self, case: Case, actor: str) -> None:
        AuditService(self.session).record(actor, "view", case.id, {"number": case.number})
        self.session.commit()

    @staticmethod
    def visible_fields(case: Case, department: str | None) -> set[str] | None:
        """The answer fields a department's staff may see on a case: those its own items need
        (a shared case shows each department only its part); None means every field (admins,
        department None, and cases in joint review, which every department examines)."""
        if department is None or case.joint_review:
            return None
        services = [s for i in case.case_items if i.department == department for s in i.services]
        return set(required_fields(services, case.role)) if services else set()

    def reveal(self, case: Case, actor: str, department: str | None = None) -> dict[str, Any]:
        """The decrypted answers an officer may see: their department's fields (every field for
        admins, department None, and for joint reviews). Audited with the field names."""
        answers = self.answers(case)
        allowed = self.visible_fields(case, department)
        if allowed is not None:
            answers = {k: v for k, v in answers.items() if k in allowed}
        AuditService(self.session).record(
            actor, "reveal", case.id, {"number": case.number, "fields": sorted(answers)}
        )
        self.session.commit()
        return answers

    def change_state(
        self, item_id: int, new_state: str, note: str, actor: str, department: str | None = None
    ) -> Any:
        """Move one item along the allowed transitions; writes a case_event and an audit row.
        Returns the CaseUpdate to push to the applicant (None when the case has no conversation)."""
        from backend.services.notifications import CaseUpdate

        if new_state not in ITEM_STATES:
            raise CaseError(
                "case_state_invalid", 400, problems=[Problem("case_state_invalid", field="state")]
            )
        if not isinstance(note, (str, type(None))):
            raise CaseError("note_invalid", 400, problems=[Problem("note_invalid", field="note")])
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise CaseError(
                "note_too_long",
                400,
                max=MAX_NOTE,
                problems=[Problem("note_too_long", {"max": MAX_NOTE}, field="note")],
            )
        query = select(CaseItem).where(CaseItem.id == item_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=CaseItem)  # one change at a time per item
        item = self.session.execute(query).unique().scalar_one_or_none()
        try:
            self._check_change(item, new_state, note, department)
        except CaseError:
            self.session.rollback()  # releases the row lock at once
            raise
        assert item is not None
        case = item.case
        previous = item.state
        now = utcnow()
        item.state = new_state
        item.updated_at = now
        self.session.add(
            CaseEvent(
                case_id=case.id,
                case_item_id=item.id,
                state=new_state,
                note=note,
                actor=actor[:64],
                created_at=now,
            )
        )
        case.state = self._case_state(case)
        case.updated_at = now
        AuditService(self.session).record(
            actor,
            "state_change",
            case.id,
            {
                "number": case.number,
                "item_id": item.id,
                "department": item.department,
                "from": previous,
                "to": new_state,
            },
        )
        self.session.commit()
        if not case.conversation_id:
            return None
        return CaseUpdate(
            case_id=case.id,
            case_number=case.number,
            conversation_id=case.conversation_id,
            channel=case.channel,
            language=case.language,
            department=item.department,
            case_state=new_state,
        )

    @staticmethod
    def _check_change(item: CaseItem | None, new_state: str, note: str, department: str | None) -> None:
        if item is None:
            raise CaseError("case_item_not_found", 404)
        if department is not None and item.department != department:
            raise CaseError("forbidden", 403)
        if item.case.joint_review:
            raise CaseError("joint_review_pending", 409)
        if new_state not in TRANSITIONS.get(item.state, ()):
            raise CaseError(
                "case_transition_invalid",
                409,
                current=f"@case_states.item.{item.state}",
                wanted=f"@case_states.item.{new_state}",
            )
        if new_state in NOTE_REQUIRED and not note:
            raise CaseError("note_required", 400, problems=[Problem("note_required", field="note")])

    def transitions(self, item: CaseItem) -> tuple[str, ...]:
        """The states this item may move to now (none while its case is held for a joint review)."""
        return () if item.case.joint_review else TRANSITIONS.get(item.state, ())

    def mark_test(self, case: Case, is_test: bool, actor: str) -> Case:
        if case.is_test != is_test:
            case.is_test = is_test
            case.updated_at = utcnow()
            AuditService(self.session).record(
                actor, "mark_test", case.id, {"number": case.number, "is_test": is_test}
            )
            self.session.commit()
        return case

    def release_joint_review(self, case: Case, actor: str, note: str = "") -> Case:
        """Let a held case proceed: each department works on its item as usual."""
        if not case.joint_review:
            raise CaseError("joint_review_not_pending", 409)
        note = (note or "").strip()[:MAX_NOTE]
        now = utcnow()
        case.joint_review = False
        case.state = self._case_state(case)
        case.updated_at = now
        self.session.add(
            CaseEvent(
                case_id=case.id, state="joint_review_released", note=note, actor=actor[:64], created_at=now
            )
        )
        AuditService(self.session).record(actor, "joint_review_release", case.id, {"number": case.number})
        self.session.commit()
        return case

    @staticmethod
    def _case_state(case: Case) -> str:
        if case.joint_review:
            return "joint_review"
        states = [i.state for i in case.case_items]
        if all(s == "received" for s in states):
            return "submitted"
        if all(s in ("completed", "rejected") for s in states):
            return "rejected" if all(s == "rejected" for s in states) else "completed"
        return "in_progress"

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete cases not updated for the consent's `case_retention_days` (items, events and
        notifications go with them; audit rows stay, without the link)."""
        days = int(getattr(catalogue().consent, "case_retention_days", 0) or 0)
        if days <= 0:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=days)
        result = self.session.execute(
            delete(Case).where(Case.updated_at < cutoff).execution_options(synchronize_session=False)
        )
        self.session.commit()
        return result.rowcount or 0

    def statistics(self) -> dict[str, Any]:
        """Counts of real cases (test cases excluded): per case state, per department and item state."""
        real = Case.is_test.is_(False)
        cases = Counter(
            {
                s: n
                for s, n in self.session.execute(
                    select(Case.state, func.count(Case.id)).where(real).group_by(Case.state)
                )
            }
        )
        items: dict[str, dict[str, int]] = {}
        rows = self.session.execute(
            select(CaseItem.department, CaseItem.state, func.count(CaseItem.id))
            .join(Case, CaseItem.case_id == Case.id)
            .where(real)
            .group_by(CaseItem.department, CaseItem.state)
        )
        for department, state, count in rows:
            items.setdefault(department, {})[state] = count
        return {
            "cases": dict(cases),
            "total_cases": sum(cases.values()),
            "items": items,
            "total_items": sum(sum(v.values()) for v in items.values()),
        }


def iso(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None
