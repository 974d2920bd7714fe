"""the one outbound path: retries and reasons of pushed messages (issue 13)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # notifications.case_id became nullable in 0004 (pushes of no case).
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="intent"))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(), nullable=True))
    op.create_index("ix_notifications_next_attempt_at", "notifications", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_next_attempt_at", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        for name in ("delivered_at", "expires_at", "next_attempt_at", "attempts", "payload", "kind"):
            batch.drop_column(name)
