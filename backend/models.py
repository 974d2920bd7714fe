"""SQLAlchemy models. Schema changes go through alembic (backend/migrations) only."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(32), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class LoginSession(Base):
    """A staff login. Only a hash of the cookie value is stored."""

    __tablename__ = "login_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)

    user = relationship(User, lazy="joined")


class FaqEntry(Base):
    """The live copy of one knowledge-base entry (seeded from knowledge/faq/*.yml)."""

    __tablename__ = "faq_entries"

    id = Column(String(100), primary_key=True)
    topic = Column(String(64), nullable=False, default="general")
    questions_en = Column(JSON, nullable=False, default=list)
    questions_zh = Column(JSON, nullable=False, default=list)
    answer_en = Column(Text, nullable=False, default="")
    answer_zh = Column(Text, nullable=False, default="")
    source = Column(String(500), nullable=False, default="")
    checked = Column(Date, nullable=True)
    uncertain = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False, default="draft")  # draft | published | retired
    # Hash of the content as last imported from a file; differs from the current content
    # once someone edits the entry in the console (then a re-import reports a conflict).
    seed_hash = Column(String(64), nullable=True)
    version = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
    updated_by = Column(String(64), nullable=False, default="")


class FaqRevision(Base):
    """A snapshot of an entry after each change: who, when, what."""

    __tablename__ = "faq_revisions"

    id = Column(Integer, primary_key=True)
    entry_id = Column(String(100), ForeignKey("faq_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    action = Column(String(16), nullable=False)  # create | edit | import | publish | retire | rollback
    author = Column(String(64), nullable=False)
    comment = Column(String(500), nullable=False, default="")
    snapshot = Column(JSON, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class FaqFeedback(Base):
    """'Was this helpful?' answers. Deliberately no user identifier or message text."""

    __tablename__ = "faq_feedback"

    id = Column(Integer, primary_key=True)
    entry_id = Column(String(100), ForeignKey("faq_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    helpful = Column(Boolean, nullable=False)
    language = Column(String(2), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class KbState(Base):
    """One row; `version` bumps on every knowledge-base write so every worker re-indexes."""

    __tablename__ = "kb_state"

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False, default=0)
