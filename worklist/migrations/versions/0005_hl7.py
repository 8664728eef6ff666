"""HL7 front door: inbox rows know their channel, results keep every version, merges are recorded.

- ``inbox_objects``: ``channel`` (``dicom`` or ``hl7``), and for HL7 the sender and control id.
- ``hl7_results``: one row per OBR of each ORU^R01 received, never overwritten.
- ``patients.merged_into_pk``: the record an ADT^A40 folded this one into.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), nullable=False,
                                      server_default="dicom"))
        batch_op.add_column(sa.Column("hl7_sender", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("hl7_control_id", sa.String(length=64), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_pk", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_patients_merged_into_pk_patients"), "patients",
                                    ["merged_into_pk"], ["id"])
    op.create_table(
        "hl7_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("result_key", sa.String(length=160), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("accession", sa.String(length=64), nullable=False),
        sa.Column("placer_accession", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_pk", sa.Integer(), nullable=True),
        sa.Column("report_pk", sa.Integer(), nullable=True),
        sa.Column("document_uid", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["inbox_pk"], ["inbox_objects.id"],
                                name=op.f("fk_hl7_results_inbox_pk_inbox_objects")),
        sa.ForeignKeyConstraint(["patient_pk"], ["patients.id"],
                                name=op.f("fk_hl7_results_patient_pk_patients")),
        sa.ForeignKeyConstraint(["report_pk"], ["reports.id"],
                                name=op.f("fk_hl7_results_report_pk_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hl7_results")),
        sa.UniqueConstraint("inbox_pk", "position", name=op.f("uq_hl7_results_inbox_pk_position")),
    )
    with op.batch_alter_table("hl7_results", schema=None) as batch_op:
        batch_op.create_index("ix_hl7_results_result_key", ["result_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_hl7_results_patient_pk"), ["patient_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_hl7_results_report_pk"), ["report_pk"], unique=False)


def downgrade() -> None:
    op.drop_table("hl7_results")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_patients_merged_into_pk_patients"),
                                 type_="foreignkey")
        batch_op.drop_column("merged_into_pk")
    with op.batch_alter_table("inbox_objects", schema=None) as batch_op:
        batch_op.drop_column("hl7_control_id")
        batch_op.drop_column("hl7_sender")
        batch_op.drop_column("channel")
