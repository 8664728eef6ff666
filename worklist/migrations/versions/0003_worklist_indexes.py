"""Indexes for the worklist at scale (a million items; see bench/bench_scale.py).

``ix_items_active_worklist`` holds the active items only (open or acknowledged: a few percent of
all items ever opened) in the worklist's order, with every column its filters and counts read, so
the open worklist, its counts by kind and the alarms are index-only scans of a small index.
``ix_items_priority_due_id`` gives the every-status listing the same order without a sort.

``ix_items_status_priority_due_at`` becomes partial, closed items only: over active items it
competed with the worklist index and, its estimate for a due-date range on active items being
a hundred times too low, won, and read every matching row from the table.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('open', 'acknowledged')"
CLOSED = "status NOT IN ('open', 'acknowledged')"
ACTIVE_COLUMNS = ["priority_rank", "due_at", "id", "kind", "priority", "laterality", "status",
                  "patient_pk", "opened_at"]
STATUS_COLUMNS = ["status", "priority_rank", "due_at"]


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_status_priority_due_at")
        batch_op.create_index("ix_items_closed_status_priority_due_at", STATUS_COLUMNS,
                              unique=False, postgresql_where=sa.text(CLOSED),
                              sqlite_where=sa.text(CLOSED))
        batch_op.create_index("ix_items_active_worklist", ACTIVE_COLUMNS, unique=False,
                              postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
        batch_op.create_index("ix_items_priority_due_id", ["priority_rank", "due_at", "id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_priority_due_id")
        batch_op.drop_index("ix_items_active_worklist")
        batch_op.drop_index("ix_items_closed_status_priority_due_at")
        batch_op.create_index("ix_items_status_priority_due_at", STATUS_COLUMNS, unique=False)
