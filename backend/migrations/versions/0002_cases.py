"""the merged application: drafts, cases, items, events, watchlist, audit, status lockout,
notifications; users.department

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("department", sa.String(64), nullable=True))

    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("answers_enc", sa.Text(), nullable=True),
        sa.Column("consent_version", sa.String(32), nullable=True),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_drafts_conversation_id", "drafts", ["conversation_id"], unique=True)
    op.create_index("ix_drafts_updated_at", "drafts", ["updated_at"])

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("answers_enc", sa.Text(), nullable=False),
        sa.Column("passport_hash", sa.String(64), nullable=True),
        sa.Column("passport_last4_hash", sa.String(64), nullable=True),
        sa.Column("is_test", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("joint_review", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_cases_conversation_id", "cases", ["conversation_id"])
    op.create_index("ix_cases_passport_hash", "cases", ["passport_hash"])

    op.create_table(
        "case_counters",
        sa.Column("region", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False),
    )

    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "department", name="uq_case_items_case_department"),
    )
    op.create_index("ix_case_items_case_id", "case_items", ["case_id"])
    op.create_index("ix_case_items_department", "case_items", ["department"])

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "case_item_id", sa.Integer(), sa.ForeignKey("case_items.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_index("ix_case_events_case_item_id", "case_events", ["case_item_id"])

    op.create_table(
        "watchlist",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("passport_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])

    op.create_table(
        "status_attempts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_status_attempts_updated_at", "status_attempts", ["updated_at"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("case_state", sa.String(24), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_notifications_case_id", "notifications", ["case_id"])
    op.create_index("ix_notifications_conversation_id", "notifications", ["conversation_id"])


def downgrade() -> None:
    for table in (
        "notifications",
        "status_attempts",
        "audit_log",
        "watchlist",
        "case_events",
        "case_items",
        "case_counters",
        "cases",
        "drafts",
    ):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("department")
