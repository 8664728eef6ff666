"""Initial schema: patients, studies, inbox, reports, images, the case, items, users, audit.

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('issuer', 'patient_id', name=op.f('uq_patients_issuer_patient_id'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patients_patient_id'), ['patient_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_pk'], ['users.id'], name=op.f('fk_api_tokens_user_pk_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_pk'), ['user_pk'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_audit_log_patient_pk_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_log_patient_pk_at', ['patient_pk', 'at'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('finding_key', sa.String(length=128), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('laterality', sa.String(length=1), nullable=True),
    sa.Column('location', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_findings_patient_pk_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings')),
    sa.UniqueConstraint('patient_pk', 'finding_key', name=op.f('uq_findings_patient_pk_finding_key'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_patient_pk'), ['patient_pk'], unique=False)

    op.create_table('inbox_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sop_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sop_class_uid', sa.String(length=64), nullable=False),
    sa.Column('transfer_syntax_uid', sa.String(length=64), nullable=False),
    sa.Column('study_uid', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('calling_ae', sa.String(length=16), nullable=False),
    sa.Column('called_ae', sa.String(length=16), nullable=False),
    sa.Column('peer_address', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('spool_path', sa.String(length=255), nullable=False),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('patient_pk', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_inbox_objects_patient_pk_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_objects')),
    sa.UniqueConstraint('sop_instance_uid', 'sha256', name=op.f('uq_inbox_objects_sop_instance_uid_sha256')),
    sa.UniqueConstraint('sop_instance_uid', 'version', name=op.f('uq_inbox_objects_sop_instance_uid_version'))
    )
    with op.batch_alter_table('inbox_objects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_objects_patient_pk'), ['patient_pk'], unique=False)
        batch_op.create_index('ix_inbox_objects_state_received_at', ['state', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_objects_study_uid'), ['study_uid'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('priority_rank', sa.Integer(), nullable=False),
    sa.Column('priority_reasons', sa.JSON(), nullable=False),
    sa.Column('laterality', sa.String(length=1), nullable=True),
    sa.Column('finding_key', sa.String(length=128), nullable=True),
    sa.Column('finding_type', sa.String(length=32), nullable=True),
    sa.Column('location', sa.JSON(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('closes_when', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('closing_evidence', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_items_patient_pk_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('patient_pk', 'item_key', name=op.f('uq_items_patient_pk_item_key'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_items_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_patient_pk'), ['patient_pk'], unique=False)
        batch_op.create_index('ix_items_status_priority_due_at', ['status', 'priority_rank', 'due_at'], unique=False)

    op.create_table('studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('study_uid', sa.String(length=64), nullable=False),
    sa.Column('accession', sa.String(length=64), nullable=False),
    sa.Column('study_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('modalities', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_studies_patient_pk_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studies')),
    sa.UniqueConstraint('study_uid', name=op.f('uq_studies_study_uid'))
    )
    with op.batch_alter_table('studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studies_accession'), ['accession'], unique=False)
        batch_op.create_index(batch_op.f('ix_studies_patient_pk'), ['patient_pk'], unique=False)

    op.create_table('concordance_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('finding_pk', sa.Integer(), nullable=True),
    sa.Column('finding_key', sa.String(length=128), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_pk', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_pk'], ['users.id'], name=op.f('fk_concordance_decisions_decided_by_pk_users')),
    sa.ForeignKeyConstraint(['finding_pk'], ['findings.id'], name=op.f('fk_concordance_decisions_finding_pk_findings')),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_concordance_decisions_patient_pk_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concordance_decisions'))
    )
    with op.batch_alter_table('concordance_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concordance_decisions_patient_pk'), ['patient_pk'], unique=False)

    op.create_table('images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sop_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('inbox_pk', sa.Integer(), nullable=True),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('study_pk', sa.Integer(), nullable=True),
    sa.Column('modality', sa.String(length=8), nullable=False),
    sa.Column('laterality', sa.String(length=1), nullable=True),
    sa.Column('view', sa.String(length=8), nullable=True),
    sa.Column('modifiers', sa.JSON(), nullable=False),
    sa.Column('specimen', sa.Boolean(), nullable=False),
    sa.Column('biopsy_guidance', sa.String(length=16), nullable=True),
    sa.Column('outside_prior', sa.Boolean(), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('study_description', sa.String(length=200), nullable=False),
    sa.Column('series_description', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['inbox_pk'], ['inbox_objects.id'], name=op.f('fk_images_inbox_pk_inbox_objects')),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_images_patient_pk_patients')),
    sa.ForeignKeyConstraint(['study_pk'], ['studies.id'], name=op.f('fk_images_study_pk_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images')),
    sa.UniqueConstraint('sop_instance_uid', name=op.f('uq_images_sop_instance_uid'))
    )
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_images_patient_pk'), ['patient_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_images_study_pk'), ['study_pk'], unique=False)

    op.create_table('item_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_pk', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_pk'], ['items.id'], name=op.f('fk_item_events_item_pk_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_events'))
    )
    with op.batch_alter_table('item_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_events_item_pk'), ['item_pk'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_pk', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['item_pk'], ['items.id'], name=op.f('fk_notifications_item_pk_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('item_pk', 'level', 'channel', name=op.f('uq_notifications_item_pk_level_channel'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_item_pk'), ['item_pk'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sop_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('inbox_pk', sa.Integer(), nullable=True),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('study_pk', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('predecessor_uids', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('machine_readable', sa.Boolean(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbox_pk'], ['inbox_objects.id'], name=op.f('fk_reports_inbox_pk_inbox_objects')),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_reports_patient_pk_patients')),
    sa.ForeignKeyConstraint(['study_pk'], ['studies.id'], name=op.f('fk_reports_study_pk_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('sop_instance_uid', name=op.f('uq_reports_sop_instance_uid'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_patient_pk'), ['patient_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_study_pk'), ['study_pk'], unique=False)

    op.create_table('procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('procedure_key', sa.String(length=128), nullable=False),
    sa.Column('report_pk', sa.Integer(), nullable=True),
    sa.Column('finding_pk', sa.Integer(), nullable=True),
    sa.Column('guidance', sa.String(length=16), nullable=True),
    sa.Column('laterality', sa.String(length=1), nullable=True),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['finding_pk'], ['findings.id'], name=op.f('fk_procedures_finding_pk_findings')),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_procedures_patient_pk_patients')),
    sa.ForeignKeyConstraint(['report_pk'], ['reports.id'], name=op.f('fk_procedures_report_pk_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedures')),
    sa.UniqueConstraint('patient_pk', 'procedure_key', name=op.f('uq_procedures_patient_pk_procedure_key'))
    )
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedures_patient_pk'), ['patient_pk'], unique=False)

    op.create_table('pathology_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_pk', sa.Integer(), nullable=False),
    sa.Column('report_pk', sa.Integer(), nullable=False),
    sa.Column('specimen_index', sa.Integer(), nullable=False),
    sa.Column('procedure_pk', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('laterality', sa.String(length=1), nullable=True),
    sa.Column('diagnosis', sa.Text(), nullable=False),
    sa.Column('lesions', sa.JSON(), nullable=False),
    sa.Column('calcifications', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_pk'], ['patients.id'], name=op.f('fk_pathology_results_patient_pk_patients')),
    sa.ForeignKeyConstraint(['procedure_pk'], ['procedures.id'], name=op.f('fk_pathology_results_procedure_pk_procedures')),
    sa.ForeignKeyConstraint(['report_pk'], ['reports.id'], name=op.f('fk_pathology_results_report_pk_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathology_results')),
    sa.UniqueConstraint('report_pk', 'specimen_index', name=op.f('uq_pathology_results_report_pk_specimen_index'))
    )
    with op.batch_alter_table('pathology_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pathology_results_patient_pk'), ['patient_pk'], unique=False)


    _protect_history()


# The audit trail and item history are append-only, and items are never deleted: the database
# itself refuses, so no code path (or hand-written SQL) can quietly rewrite history.
_APPEND_ONLY = ("audit_log", "item_events")
_NO_DELETE = ("items",)


def _protect_history() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION worklist_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% on % is not allowed: history is append-only', TG_OP, TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in _APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION worklist_refuse_change()"
            )
        for table in _NO_DELETE:
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION worklist_refuse_change()"
            )
        return
    for table in _APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{verb} on {table} is not allowed: history is append-only'); END"
            )
    for table in _NO_DELETE:
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'DELETE on {table} is not allowed: items are never deleted'); END"
        )


def _drop_protection() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    names = [f"{t}_append_only" for t in _APPEND_ONLY] if postgres else [
        f"{t}_no_{verb}" for t in _APPEND_ONLY for verb in ("update", "delete")
    ]
    names += [f"{t}_no_delete" for t in _NO_DELETE]
    tables = {f"{t}_append_only": t for t in _APPEND_ONLY}
    for name in names:
        table = tables.get(name) or name.rsplit("_no_", 1)[0]
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres else f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS worklist_refuse_change()")


def downgrade() -> None:
    _drop_protection()
    with op.batch_alter_table('pathology_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathology_results_patient_pk'))

    op.drop_table('pathology_results')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedures_patient_pk'))

    op.drop_table('procedures')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_study_pk'))
        batch_op.drop_index(batch_op.f('ix_reports_patient_pk'))

    op.drop_table('reports')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_item_pk'))

    op.drop_table('notifications')
    with op.batch_alter_table('item_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_events_item_pk'))

    op.drop_table('item_events')
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_images_study_pk'))
        batch_op.drop_index(batch_op.f('ix_images_patient_pk'))

    op.drop_table('images')
    with op.batch_alter_table('concordance_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concordance_decisions_patient_pk'))

    op.drop_table('concordance_decisions')
    with op.batch_alter_table('studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studies_patient_pk'))
        batch_op.drop_index(batch_op.f('ix_studies_accession'))

    op.drop_table('studies')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_status_priority_due_at')
        batch_op.drop_index(batch_op.f('ix_items_patient_pk'))
        batch_op.drop_index('ix_items_kind_status')
        batch_op.drop_index(batch_op.f('ix_items_due_at'))

    op.drop_table('items')
    with op.batch_alter_table('inbox_objects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_objects_study_uid'))
        batch_op.drop_index('ix_inbox_objects_state_received_at')
        batch_op.drop_index(batch_op.f('ix_inbox_objects_patient_pk'))

    op.drop_table('inbox_objects')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_patient_pk'))

    op.drop_table('findings')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_patient_pk_at')
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_pk'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patients_patient_id'))

    op.drop_table('patients')
