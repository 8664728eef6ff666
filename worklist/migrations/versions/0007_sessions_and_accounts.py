"""Server-side browser sessions, the login throttle's counters, per-minute counts of refused
associations, token expiry, single sign-on accounts, and TRUNCATE refused on history.

The UPDATE and DELETE triggers of 0001 are row triggers: TRUNCATE fires none of them, so on
PostgreSQL a statement trigger now refuses TRUNCATE of the audit trail and the items with their
events, whoever runs it (the tables' owner included).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_TRUNCATE = ("audit_log", "item_events", "items")


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["user_pk"], ["users.id"],
                                name=op.f("fk_web_sessions_user_pk_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_web_sessions_key_hash")),
    )
    op.create_index("ix_web_sessions_user_pk_revoked_at", "web_sessions",
                    ["user_pk", "revoked_at"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_window_started_at"), "login_throttle",
                    ["window_started_at"], unique=False)
    op.create_table(
        "association_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calling_ae", sa.String(length=64), nullable=False),
        sa.Column("peer_address", sa.String(length=64), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_rejections")),
        sa.UniqueConstraint("calling_ae", "peer_address", "minute",
                            name=op.f("uq_association_rejections_calling_ae_peer_address_minute")),
    )
    op.create_index(op.f("ix_association_rejections_minute"), "association_rejections",
                    ["minute"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auth_source", sa.String(length=16), nullable=False,
                                      server_default="local"))
        batch_op.add_column(sa.Column("external_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_external_subject"),
                                          ["external_subject"])
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for table in NO_TRUNCATE:
            # worklist_refuse_change() comes from 0001; TG_OP names TRUNCATE in its message.
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION worklist_refuse_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NO_TRUNCATE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_external_subject"), type_="unique")
        batch_op.drop_column("external_subject")
        batch_op.drop_column("auth_source")
    op.drop_index(op.f("ix_association_rejections_minute"), table_name="association_rejections")
    op.drop_table("association_rejections")
    op.drop_index(op.f("ix_login_throttle_window_started_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_web_sessions_user_pk_revoked_at", table_name="web_sessions")
    op.drop_table("web_sessions")
