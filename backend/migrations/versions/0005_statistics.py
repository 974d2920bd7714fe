"""statistics: conversation facts per day, event-source cursors, working-day calendar, indexes for the figures (issue 15)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("handed", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("conversation_id", "day", name="uq_conversation_days"),
    )
    op.create_index("ix_conversation_days_day", "conversation_days", ["day"])
    op.create_table(
        "stats_cursors",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "stats_calendar",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("workday_no", sa.Integer(), nullable=False),
    )
    # The statistics select cases by submission time (a year of 100,000 cases: docs/benchmarks.md).
    op.create_index("ix_cases_created_at", "cases", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_created_at", table_name="cases")
    op.drop_table("stats_calendar")
    op.drop_table("stats_cursors")
    op.drop_index("ix_conversation_days_day", table_name="conversation_days")
    op.drop_table("conversation_days")
