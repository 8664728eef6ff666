"""Held objects and the choice a person makes about them: a changed version of an object already
applied, or a study arriving under a second Patient ID, changes nothing until then.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "object_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("inbox_pk", sa.Integer(), nullable=False),
        sa.Column("on_file_inbox_pk", sa.Integer(), nullable=True),
        sa.Column("patient_pk", sa.Integer(), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=True),
        sa.Column("sop_instance_uid", sa.String(length=64), nullable=False),
        sa.Column("study_uid", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["inbox_pk"], ["inbox_objects.id"],
                                name=op.f("fk_object_conflicts_inbox_pk_inbox_objects")),
        sa.ForeignKeyConstraint(["on_file_inbox_pk"], ["inbox_objects.id"],
                                name=op.f("fk_object_conflicts_on_file_inbox_pk_inbox_objects")),
        sa.ForeignKeyConstraint(["patient_pk"], ["patients.id"],
                                name=op.f("fk_object_conflicts_patient_pk_patients")),
        sa.ForeignKeyConstraint(["item_pk"], ["items.id"],
                                name=op.f("fk_object_conflicts_item_pk_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_conflicts")),
        sa.UniqueConstraint("inbox_pk", name=op.f("uq_object_conflicts_inbox_pk")),
    )
    op.create_index(op.f("ix_object_conflicts_patient_pk"), "object_conflicts", ["patient_pk"])


def downgrade() -> None:
    op.drop_index(op.f("ix_object_conflicts_patient_pk"), table_name="object_conflicts")
    op.drop_table("object_conflicts")
