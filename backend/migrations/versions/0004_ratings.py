"""ratings (好差评), the times a rating was asked, and the follow-up of bad ratings (issue 15)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the reply to a conversation's rating is a push of no case
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "rating_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(160), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("conversation_id", "event_key", name="uq_rating_requests_event"),
    )
    op.create_index("ix_rating_requests_conversation_id", "rating_requests", ["conversation_id"])
    op.create_index("ix_rating_requests_case_id", "rating_requests", ["case_id"])
    op.create_index("ix_rating_requests_created_at", "rating_requests", ["created_at"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("rating_requests.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ratings_conversation_id", "ratings", ["conversation_id"])
    op.create_index("ix_ratings_case_id", "ratings", ["case_id"])
    op.create_index("ix_ratings_created_at", "ratings", ["created_at"])
    op.create_table(
        "rating_followups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rating_id", sa.Integer(), sa.ForeignKey("ratings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("reply_delivered", sa.Boolean(), nullable=False),
        sa.Column("reply_error", sa.String(200), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("rating_id", "department", name="uq_rating_followups_department"),
    )
    for column in ("rating_id", "department", "state", "due_date"):
        op.create_index(f"ix_rating_followups_{column}", "rating_followups", [column])
    op.create_table(
        "rating_followup_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "followup_id",
            sa.Integer(),
            sa.ForeignKey("rating_followups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_rating_followup_events_followup_id", "rating_followup_events", ["followup_id"])


def downgrade() -> None:
    op.drop_index("ix_rating_followup_events_followup_id", table_name="rating_followup_events")
    op.drop_table("rating_followup_events")
    for column in ("rating_id", "department", "state", "due_date"):
        op.drop_index(f"ix_rating_followups_{column}", table_name="rating_followups")
    op.drop_table("rating_followups")
    for column in ("conversation_id", "case_id", "created_at"):
        op.drop_index(f"ix_ratings_{column}", table_name="ratings")
    op.drop_table("ratings")
    for column in ("conversation_id", "case_id", "created_at"):
        op.drop_index(f"ix_rating_requests_{column}", table_name="rating_requests")
    op.drop_table("rating_requests")
    op.execute("DELETE FROM notifications WHERE case_id IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
