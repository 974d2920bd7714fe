"""questions that got no direct answer, for the policy console (issue 11)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_unanswered",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("top_entry_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_as", sa.String(100), nullable=True),
    )
    op.create_index("ix_faq_unanswered_key", "faq_unanswered", ["key"])


def downgrade() -> None:
    op.drop_index("ix_faq_unanswered_key", table_name="faq_unanswered")
    op.drop_table("faq_unanswered")
