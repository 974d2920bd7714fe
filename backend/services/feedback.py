"""'Was this helpful?' answers for knowledge-base entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.errors import ApiError
from backend.models import FaqEntry, FaqFeedback, utcnow


class FeedbackService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, entry_id: Any, helpful: Any, language: str) -> FaqFeedback:
        if not isinstance(entry_id, str) or not isinstance(helpful, bool):
            raise ApiError("feedback_invalid", 400)
        if self.session.get(FaqEntry, entry_id) is None:
            raise ApiError("entry_not_found", 404, id=entry_id)
        feedback = FaqFeedback(entry_id=entry_id, helpful=helpful, language=language, created_at=utcnow())
        self.session.add(feedback)
        self.session.commit()
        return feedback
