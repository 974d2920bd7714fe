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
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeMeta, registry, relationship

mapper_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """What declarative_base() builds, written out as a class so that mypy sees a base class
    (SQLAlchemy 1.4 has no typing without the sqlalchemy2-stubs package and its plugin)."""

    __abstract__ = True
    registry = mapper_registry
    metadata = mapper_registry.metadata
    __init__ = mapper_registry.constructor


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
    department = Column(String(64), nullable=True)  # an officer's department (knowledge/application)
    display_name = Column(String(64), nullable=True)  # what users see of helpdesk staff (never the username)
    presence = Column(String(16), nullable=True)  # helpdesk: available | away (backend/services/helpdesk.py)
    presence_at = Column(DateTime, nullable=True)  # last sign of life of an available console


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
    entry_id = Column(
        String(100), ForeignKey("faq_entries.id", ondelete="CASCADE"), nullable=False, index=True
    )
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
    entry_id = Column(
        String(100), ForeignKey("faq_entries.id", ondelete="CASCADE"), nullable=False, index=True
    )
    helpful = Column(Boolean, nullable=False)
    language = Column(String(2), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class UnansweredQuestion(Base):
    """A policy question that got no direct answer ("did you mean" or no match), for policy
    staff to turn into a phrasing of an entry or a new entry. No user identifier; the text is
    cut to 300 characters. `key` (normalised text) groups repeats."""

    __tablename__ = "faq_unanswered"

    id = Column(Integer, primary_key=True)
    key = Column(String(300), nullable=False, index=True)
    text = Column(String(300), nullable=False)
    language = Column(String(2), nullable=False)
    decision = Column(String(16), nullable=False)  # ambiguous | no_match
    top_entry_id = Column(
        String(100), nullable=True
    )  # the best candidate, if any (no FK: entries come and go)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    resolved_at = Column(DateTime, nullable=True)
    resolved_as = Column(String(100), nullable=True)  # the entry it became a phrasing of


class KbState(Base):
    """One row; `version` bumps on every knowledge-base write so every worker re-indexes."""

    __tablename__ = "kb_state"

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False, default=0)


# --- the merged application (issue 5; docs/application.md) ----------------------------
class Draft(Base):
    """A form being filled in a conversation. Answers only as a Fernet token."""

    __tablename__ = "drafts"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, unique=True, index=True)
    channel = Column(String(64), nullable=True)
    language = Column(String(2), nullable=False, default="en")
    role = Column(String(16), nullable=True)  # worker | hr
    items = Column(JSON, nullable=False, default=list)
    state = Column(JSON, nullable=False, default=dict)  # non-personal dialogue state
    answers_enc = Column(Text, nullable=True)
    consent_version = Column(String(32), nullable=True)
    consent_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class Case(Base):
    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    number = Column(String(32), nullable=False, unique=True)
    region = Column(String(8), nullable=False)
    conversation_id = Column(String(128), nullable=True, index=True)
    channel = Column(String(64), nullable=True)
    language = Column(String(2), nullable=False, default="en")
    role = Column(String(16), nullable=False)
    items = Column(JSON, nullable=False, default=list)
    answers_enc = Column(Text, nullable=False)
    passport_hash = Column(String(64), nullable=True, index=True)
    passport_last4_hash = Column(String(64), nullable=True)
    is_test = Column(Boolean, nullable=False, default=False)
    joint_review = Column(Boolean, nullable=False, default=False)
    # submitted | joint_review | in_progress | completed | rejected
    state = Column(String(16), nullable=False, default="submitted")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    case_items = relationship(
        "CaseItem", back_populates="case", order_by="CaseItem.id", cascade="all, delete-orphan"
    )


class CaseCounter(Base):
    """The last sequence number per prefix and year (allocated with one atomic upsert)."""

    __tablename__ = "case_counters"

    region = Column(String(8), primary_key=True)
    year = Column(Integer, primary_key=True, autoincrement=False)
    last = Column(Integer, nullable=False, default=0)


class CaseItem(Base):
    """One department's part of a case."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "department", name="uq_case_items_case_department"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    department = Column(String(64), nullable=False, index=True)
    services = Column(JSON, nullable=False, default=list)
    # received | under_review | supplement_requested | approved | rejected | completed
    state = Column(String(24), nullable=False, default="received")
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    case = relationship(Case, back_populates="case_items", lazy="joined")


class CaseEvent(Base):
    """The timeline: one row per state (case_item_id null: the whole case)."""

    __tablename__ = "case_events"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    case_item_id = Column(Integer, ForeignKey("case_items.id", ondelete="CASCADE"), nullable=True, index=True)
    state = Column(String(24), nullable=False)
    note = Column(Text, nullable=False, default="")
    actor = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class WatchlistEntry(Base):
    """Abnormal-information list: keyed hashes of passport numbers only."""

    __tablename__ = "watchlist"

    id = Column(Integer, primary_key=True)
    passport_hash = Column(String(64), nullable=False, unique=True)
    reason = Column(String(500), nullable=False, default="")
    added_by = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False, index=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True)
    detail = Column(JSON, nullable=False, default=dict)  # never personal data
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class StatusAttempt(Base):
    """Wrong verification answers per (conversation or client, case number); key is a keyed hash."""

    __tablename__ = "status_attempts"

    key = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class Notification(Base):
    """One message pushed to a user through the outbound path (backend/services/outbound.py):
    a case change (kind "intent") or an already-written text (kind "text"), with the messages
    Rasa returned (REST channel), its delivery attempts and the reason of the last failure."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    # None for a push not tied to a case (staff replies, the reply to a rating).
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(64), nullable=True)
    language = Column(String(2), nullable=False, default="en")
    department = Column(String(64), nullable=True)
    case_state = Column(String(24), nullable=True)
    messages = Column(JSON, nullable=False, default=list)
    delivered = Column(Boolean, nullable=False, default=False)
    error = Column(String(200), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # The outbound path (migration 0006): what to send again, and when.
    kind = Column(String(8), nullable=False, default="intent")
    payload = Column(JSON, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    # Set while a retry is due; None once delivered, given up or covered.
    next_attempt_at = Column(DateTime, nullable=True, index=True)
    expires_at = Column(DateTime, nullable=True)
    delivered_at = Column(DateTime, nullable=True)


# --- statistics (issue 15; docs/statistics.md) ------------------------------------------
class ConversationDay(Base):
    """The facts of one conversation on one day (China time), folded from Rasa's events:
    read from the tracker store, or written by the event-broker consumer. No message text."""

    __tablename__ = "conversation_days"
    __table_args__ = (UniqueConstraint("conversation_id", "day", name="uq_conversation_days"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    day = Column(Date, nullable=False, index=True)
    channel = Column(String(64), nullable=True)
    language = Column(String(8), nullable=True)
    user_messages = Column(Integer, nullable=False, default=0)
    fallbacks = Column(Integer, nullable=False, default=0)
    handed = Column(Boolean, nullable=False, default=False)  # asked for a person (request_human)


class StatsCursor(Base):
    """How far an event source has been read (the tracker store's last `events.id`)."""

    __tablename__ = "stats_cursors"

    source = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False, default=0)


class StatsCalendar(Base):
    """China's calendar for the statistics: per day, the number of working days from 2004-01-01
    up to it (chinese_calendar), so working days between two dates are one subtraction in SQL."""

    __tablename__ = "stats_calendar"

    day = Column(Date, primary_key=True)
    workday_no = Column(Integer, nullable=False)


# --- ratings (好差评) and the follow-up of bad ratings (issue 15; docs/ratings.md) -------------
class RatingRequest(Base):
    """One time a rating was asked (主动评价率: rated / asked). `event_key` says which service
    event (a case, a department's item, a handoff): each is asked once per conversation."""

    __tablename__ = "rating_requests"
    __table_args__ = (UniqueConstraint("conversation_id", "event_key", name="uq_rating_requests_event"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(64), nullable=True)
    language = Column(String(2), nullable=False, default="en")
    target_type = Column(String(16), nullable=False)  # case | item | conversation
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True)
    departments = Column(JSON, nullable=False, default=list)  # the rated departments
    source = Column(String(16), nullable=False)  # submission | completion | handoff | user
    event_key = Column(String(160), nullable=True)  # null: asked by the user (never deduplicated)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class Rating(Base):
    """One rating, 5 (非常满意) .. 1 (非常不满意); 1-2 are bad (差评). The comment is masked."""

    __tablename__ = "ratings"

    id = Column(Integer, primary_key=True)
    request_id = Column(
        Integer, ForeignKey("rating_requests.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(64), nullable=True)
    language = Column(String(2), nullable=False, default="en")
    target_type = Column(String(16), nullable=False)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True)
    departments = Column(JSON, nullable=False, default=list)
    level = Column(Integer, nullable=False)
    reason = Column(String(32), nullable=True)  # took_too_long | unclear_guidance | ... | other
    comment = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class RatingFollowUp(Base):
    """The rectification (整改) of a bad rating by one department: open -> verifying ->
    rectifying -> replied -> closed, or disputed -> withdrawn (with a reason)."""

    __tablename__ = "rating_followups"
    __table_args__ = (UniqueConstraint("rating_id", "department", name="uq_rating_followups_department"),)

    id = Column(Integer, primary_key=True)
    rating_id = Column(Integer, ForeignKey("ratings.id", ondelete="CASCADE"), nullable=False, index=True)
    department = Column(String(64), nullable=False, index=True)
    state = Column(String(16), nullable=False, default="open", index=True)
    due_date = Column(Date, nullable=False, index=True)
    reply = Column(Text, nullable=True)  # told to the rater (回访)
    reply_delivered = Column(Boolean, nullable=False, default=False)
    reply_error = Column(String(200), nullable=True)
    replied_at = Column(DateTime, nullable=True)
    withdrawn_reason = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    rating = relationship(Rating, lazy="joined")


class RatingFollowUpEvent(Base):
    """The follow-up's timeline: each state change with its note and who made it."""

    __tablename__ = "rating_followup_events"

    id = Column(Integer, primary_key=True)
    followup_id = Column(
        Integer, ForeignKey("rating_followups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_state = Column(String(16), nullable=True)
    state = Column(String(16), nullable=False)
    note = Column(Text, nullable=False, default="")
    actor = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class Handoff(Base):
    """A conversation handed to helpdesk staff (issue #14, docs/handoff.md): waiting -> active
    -> released | closed, or waiting -> cancelled | expired. One open handoff per conversation."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=True)
    language = Column(String(8), nullable=False, default="en")
    state = Column(String(16), nullable=False, default="waiting", index=True)
    topic = Column(String(100), nullable=True)  # the last intent or the active form
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    claimed_at = Column(DateTime, nullable=True)
    claimed_by = Column(String(64), nullable=True)  # the staff member's username (never shown to users)
    first_response_at = Column(DateTime, nullable=True)
    last_activity_at = Column(DateTime, nullable=False, default=utcnow)
    ended_at = Column(DateTime, nullable=True)
    close_reason = Column(String(32), nullable=True)


class CannedReply(Base):
    """A ready reply for helpdesk staff, in both languages (the console inserts the handoff's).
    `key` marks the defaults seeded from texts/canned_replies.yml; removing one only deactivates it,
    so it is not seeded again."""

    __tablename__ = "canned_replies"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=True, unique=True)
    text_en = Column(Text, nullable=False)
    text_zh = Column(Text, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    updated_by = Column(String(64), nullable=True)
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class HandoffMessage(Base):
    """What passed during a handoff: the user's messages (masked by the assistant), the staff
    member's replies and internal notes (never sent to the user)."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    sender = Column(String(8), nullable=False)  # user | staff | note
    text = Column(Text, nullable=False)
    staff = Column(String(64), nullable=True)
    delivered = Column(Boolean, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
