"""Queries for the patient's case. Repositories own queries; they never commit."""

from __future__ import annotations

from collections.abc import Sequence

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from worklist.cases.reconcile import by_person
from worklist.db.base import Base, utcnow
from worklist.db.models import (
    ConcordanceDecision, Finding, Image, Item, ItemEvent, PathologyResult, Patient, Procedure,
    Report, Study,
)
from worklist.hl7.studies import adopt_accession_study
from worklist.patients.identity import surviving


def lock_patient(session: Session, patient_pk: int) -> None:
    """Serialise evaluation of one patient's case across workers, until the transaction ends.

    PostgreSQL: a transaction-level advisory lock keyed on the patient. SQLite: the write lock that
    every transaction takes at BEGIN (see ``worklist.db.engine``) already serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": 7301, "key": patient_pk})


def _insert_if_absent(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: two workers meeting a new patient (or study) at the
    same moment both go on, instead of one failing on the unique key."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    session.execute(
        insert(model).values(**values, created_at=now, updated_at=now).on_conflict_do_nothing()
    )


def get_or_create_patient(session: Session, *, patient_id: str, issuer: str) -> Patient:
    query = select(Patient).where(Patient.patient_id == patient_id, Patient.issuer == issuer)
    patient = session.scalars(query).one_or_none()
    if patient is None:
        _insert_if_absent(session, Patient, {"patient_id": patient_id, "issuer": issuer,
                                             "name": "", "sex": ""})
        patient = session.scalars(query).one()
    return surviving(session, patient)  # an identifier an ADT merge retired names the survivor


def get_or_create_study(session: Session, *, patient: Patient, study_uid: str,
                        accession: str = "") -> Study:
    query = select(Study).where(Study.study_uid == study_uid)
    study = session.scalars(query).one_or_none()
    if study is None and (study := adopt_accession_study(session, patient.id, study_uid,
                                                         accession)) is not None:
        return study  # the report came over HL7 first: the images join its study
    if study is None:
        _insert_if_absent(session, Study, {"patient_pk": patient.id, "study_uid": study_uid,
                                           "accession": "", "description": "", "modalities": ""})
        study = session.scalars(query).one()
    return study


def report_by_uid(session: Session, uid: str) -> Report | None:
    return session.scalars(select(Report).where(Report.sop_instance_uid == uid)).one_or_none()


def image_by_uid(session: Session, uid: str) -> Image | None:
    return session.scalars(select(Image).where(Image.sop_instance_uid == uid)).one_or_none()


def reports_of(session: Session, patient_pk: int) -> Sequence[Report]:
    return session.scalars(
        select(Report).where(Report.patient_pk == patient_pk).order_by(Report.id)
    ).all()


def images_of(session: Session, patient_pk: int) -> Sequence[Image]:
    return session.scalars(
        select(Image).where(Image.patient_pk == patient_pk).order_by(Image.id)
    ).all()


def concordance_decisions_of(session: Session, patient_pk: int) -> Sequence[ConcordanceDecision]:
    return session.scalars(
        select(ConcordanceDecision)
        .where(ConcordanceDecision.patient_pk == patient_pk)
        .order_by(ConcordanceDecision.id)
    ).all()


def items_of(session: Session, patient_pk: int) -> Sequence[Item]:
    return session.scalars(select(Item).where(Item.patient_pk == patient_pk).order_by(Item.id)).all()


def person_closings_of(session: Session, patient_pk: int) -> Sequence[tuple[Item, ItemEvent]]:
    """Items a person resolved or acknowledged, with that event: documented actions for the rules."""
    rows = session.execute(
        select(Item, ItemEvent)
        .join(ItemEvent, ItemEvent.item_pk == Item.id)
        .where(
            Item.patient_pk == patient_pk,
            ItemEvent.action.in_(("resolved", "acknowledged")),
            ItemEvent.actor.not_in(("pipeline", "scheduler")),
        )
        .order_by(ItemEvent.id)
    ).all()
    # A rules change made during a person's request is not their documented action.
    return [(item, event) for item, event in rows if by_person(event)]


def findings_of(session: Session, patient_pk: int) -> dict[str, Finding]:
    rows = session.scalars(select(Finding).where(Finding.patient_pk == patient_pk)).all()
    return {row.finding_key: row for row in rows}


def studies_of(session: Session, patient_pk: int) -> Sequence[Study]:
    return session.scalars(select(Study).where(Study.patient_pk == patient_pk)).all()


def procedures_of(session: Session, patient_pk: int) -> dict[str, Procedure]:
    rows = session.scalars(select(Procedure).where(Procedure.patient_pk == patient_pk)).all()
    return {row.procedure_key: row for row in rows}


def pathology_of(session: Session, patient_pk: int) -> dict[tuple[int, int], PathologyResult]:
    rows = session.scalars(
        select(PathologyResult).where(PathologyResult.patient_pk == patient_pk)
    ).all()
    return {(row.report_pk, row.specimen_index): row for row in rows}
