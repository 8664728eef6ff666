"""A coordinator's morning: who owns an item, holds until a date, the outreach log, and the
``lost-to-follow-up`` status (longer than the status column was).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=16),
                              type_=sa.String(length=24), existing_nullable=False)
        batch_op.add_column(sa.Column("assignee", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_index(batch_op.f("ix_items_assignee"), ["assignee"], unique=False)
    op.create_table(
        "item_outreach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["item_pk"], ["items.id"],
                                name=op.f("fk_item_outreach_item_pk_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_outreach")),
    )
    op.create_index(op.f("ix_item_outreach_item_pk"), "item_outreach", ["item_pk"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_item_outreach_item_pk"), table_name="item_outreach")
    op.drop_table("item_outreach")
    op.execute("UPDATE items SET status = 'dismissed' WHERE status = 'lost-to-follow-up'")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_assignee"))
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("held_until")
        batch_op.drop_column("assignee")
        batch_op.alter_column("status", existing_type=sa.String(length=24),
                              type_=sa.String(length=16), existing_nullable=False)
