"""Drafts of the merged form, saved after every answer (resume tomorrow on the same channel).

A PUT is checked whole before anything is stored: one bad value rejects the request and
keeps the draft as it was. Answers need consent; they are stored only as a Fernet token,
and the view shows them masked. Drafts older than the consent's `draft_retention_days`
(counted from the last change) are deleted on start and on every draft access.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.crypto import Crypto
from backend.errors import Problem
from backend.models import Case, Draft, utcnow
from backend.services.cases import (
    CaseError,
    CaseService,
    catalogue,
    check_channel,
    check_items,
    check_language,
    check_role,
    china_today,
    iso,
    mask_answers,
    missing_fields,
    required_fields,
    sensitive_values,
    validate_answers,
)

DRAFT_KEYS = ("channel", "language", "role", "items", "consent", "answers", "state")
MAX_STATE_CHARS = 20_000


def retention_days() -> int:
    return int(getattr(catalogue().consent, "draft_retention_days", 30) or 30)


class DraftService:
    def __init__(
        self, session: Session, crypto: Crypto, settings: Settings, *, today: date | None = None
    ) -> None:
        self.session = session
        self.crypto = crypto
        self.settings = settings
        self.today = today or china_today()

    # -- retention --
    def purge_expired(self, now: datetime | None = None) -> int:
        cutoff = (now or utcnow()) - timedelta(days=retention_days())
        result = self.session.execute(delete(Draft).where(Draft.updated_at < cutoff))
        self.session.commit()
        return result.rowcount or 0

    # -- reading --
    def get(self, conversation_id: str) -> Draft | None:
        self.purge_expired()
        return self._find(conversation_id)

    def _find(self, conversation_id: str) -> Draft | None:
        return self.session.execute(
            select(Draft).where(Draft.conversation_id == conversation_id)
        ).scalar_one_or_none()

    def require(self, conversation_id: str) -> Draft:
        draft = self.get(conversation_id)
        if draft is None:
            raise CaseError("no_draft", 404)
        return draft

    def answers(self, draft: Draft) -> dict[str, Any]:
        return self.crypto.decrypt_json(draft.answers_enc)

    def view(self, draft: Draft, lang: str | None = None) -> dict[str, Any]:
        """The masked draft view; values written in `lang` (default: the draft's language)."""
        answers = self.answers(draft)
        items = list(draft.items or [])
        return {
            "conversation_id": draft.conversation_id,
            "channel": draft.channel,
            "language": draft.language,
            "role": draft.role,
            "items": items,
            "state": draft.state or {},
            "consent": {
                "given": draft.consent_version is not None,
                "version": draft.consent_version,
                "at": iso(draft.consent_at),
            },
            "answers_masked": mask_answers(answers, lang or draft.language),
            "fields": required_fields(items, draft.role),
            "missing": missing_fields(items, draft.role, answers),
            "created_at": iso(draft.created_at),
            "updated_at": iso(draft.updated_at),
        }

    # -- writing --
    def update(self, conversation_id: str, body: Mapping[str, Any], *, language: str = "en") -> Draft:
        """Merge one PUT body (see DRAFT_KEYS) into the draft, creating it on first use."""
        self.purge_expired()
        for attempt in range(2):
            draft = self._find(conversation_id)
            try:
                return self._apply(draft, conversation_id, body, language)
            except IntegrityError:  # the same conversation's first PUT arrived twice at once
                self.session.rollback()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _apply(
        self, draft: Draft | None, conversation_id: str, body: Mapping[str, Any], language: str
    ) -> Draft:
        problems: list[Problem] = [
            Problem("unknown_field", field=str(k)[:100]) for k in body if k not in DRAFT_KEYS
        ]
        if "channel" in body:
            problems += check_channel(body["channel"])
        if "language" in body:
            problems += check_language(body["language"])
        if "role" in body and body["role"] is not None:
            problems += check_role(body["role"])
        items = list(draft.items or []) if draft else []
        if "items" in body:
            items, item_problems = check_items(body["items"], allow_empty=True)
            problems += item_problems
        consent_version, consent_given = (draft.consent_version if draft else None), None
        if "consent" in body:
            consent = body["consent"]
            if (
                not isinstance(consent, Mapping)
                or not isinstance(consent.get("given"), bool)
                or set(consent) - {"given", "version"}
            ):
                problems.append(Problem("consent_invalid", field="consent"))
            elif consent["given"]:
                current = str(getattr(catalogue().consent, "version", ""))
                if consent.get("version") != current:
                    problems.append(
                        Problem("consent_version_mismatch", {"version": current}, field="consent")
                    )
                else:
                    consent_given, consent_version = True, current
            else:
                consent_given, consent_version = False, None
        answers = self.answers(draft) if draft else {}
        changes: dict[str, Any] = {}
        if "answers" in body:
            raw = body["answers"]
            if (
                isinstance(raw, Mapping)
                and consent_version is None
                and any(v is not None for v in raw.values())
            ):
                raise CaseError("consent_required", 409)  # not even checked: no consent, no personal data
            changes, answer_problems = validate_answers(raw, answers, today=self.today)
            problems += answer_problems
        if consent_given is False:  # consent withdrawn: the personal data goes with it
            answers, changes = {}, {}
        for key, value in changes.items():
            if value is None:
                answers.pop(key, None)
            else:
                answers[key] = value
        state = draft.state if draft else {}
        if "state" in body:
            state = body["state"]
            if not isinstance(state, Mapping):
                problems.append(Problem("draft_state_invalid", field="state"))
            else:
                dumped = json.dumps(state, ensure_ascii=False)
                if len(dumped) > MAX_STATE_CHARS:
                    problems.append(Problem("draft_state_too_large", {"max": MAX_STATE_CHARS}, field="state"))
                elif any(value in dumped for value in sensitive_values(answers)):
                    problems.append(Problem("draft_state_personal", field="state"))
        if problems:
            raise CaseError("draft_invalid", 400, problems)

        now = utcnow()
        if draft is None:
            draft = Draft(
                conversation_id=conversation_id, language=language, items=[], state={}, created_at=now
            )
            self.session.add(draft)
        if "channel" in body:
            draft.channel = body["channel"]
        if "language" in body:
            draft.language = body["language"]
        if "role" in body:
            draft.role = body["role"]
        draft.items = items
        draft.state = dict(state)
        if consent_given is not None:
            draft.consent_version = consent_version
            draft.consent_at = now if consent_given else None
        draft.answers_enc = self.crypto.encrypt_json(answers) if answers else None
        draft.updated_at = now
        self.session.commit()
        return draft

    def delete(self, conversation_id: str) -> bool:
        result = self.session.execute(delete(Draft).where(Draft.conversation_id == conversation_id))
        self.session.commit()
        return bool(result.rowcount)

    def submit(self, conversation_id: str, *, test: bool = False) -> Case:
        """Validate the whole draft again and turn it into a case; the draft is deleted."""
        draft = self.require(conversation_id)
        if draft.consent_version is None:
            raise CaseError("consent_required", 409)
        cases = CaseService(self.session, self.crypto, self.settings)
        case = cases.create(
            items=list(draft.items or []),
            role=draft.role,
            answers=self.answers(draft),
            language=draft.language,
            channel=draft.channel,
            conversation_id=conversation_id,
            test=test,
            strict=False,
            commit=False,
        )
        self.session.delete(draft)
        self.session.commit()
        return case
