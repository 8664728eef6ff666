"""The interpreting physician of each report, and an index for reading a period's reports of one
kind, both for the MQSA outcomes audit.

Reports stored before this revision keep an empty interpreter (the audit shows them under
"not named"); objects re-sent or re-imported fill it in.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interpreter", sa.String(length=128), nullable=False,
                                      server_default=""))
        batch_op.create_index("ix_reports_kind_observed_at", ["kind", "observed_at"])


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_kind_observed_at")
        batch_op.drop_column("interpreter")
