"""Items learned from a backfill, and failed deliveries found by time.

``items.backfilled_at``: when the pipeline opened the item from historical data (``worklist
import``, or a study older than ``WORKLIST_BACKFILL_STUDY_AGE_DAYS``). Its reminders and
escalations count from then (go-live) instead of from the historical due date, and the next digest
summarises such items instead of one e-mail each. Empty for every item opened before this revision.

``ix_notifications_created_at``: ``GET /health`` counts the deliveries that failed in the last day.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backfilled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_created_at"), ["created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_created_at"))
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("backfilled_at")
