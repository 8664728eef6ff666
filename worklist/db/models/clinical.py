"""What the pipeline learned: reports with their facts, image headers, and the patient's case
(findings, biopsies, pathology, concordance decisions) as the rules assembled it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from worklist.db.base import Base, Timestamped


class Report(Timestamped, Base):
    """A report document and the facts read from it (kept as JSON: the facts are the rules' types)."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_kind_observed_at", "kind", "observed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    inbox_pk: Mapped[int | None] = mapped_column(ForeignKey("inbox_objects.id"))
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    study_pk: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")
    title: Mapped[str] = mapped_column(String(200), default="")
    observed_at: Mapped[datetime | None]
    predecessor_uids: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    machine_readable: Mapped[bool] = mapped_column(Boolean, default=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    interpreter: Mapped[str] = mapped_column(String(128), default="", server_default="")
    """The interpreting physician (migration 0010), for the outcomes audit."""


class Image(Base):
    """An image header's facts. Pixel data is never kept."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    inbox_pk: Mapped[int | None] = mapped_column(ForeignKey("inbox_objects.id"))
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    study_pk: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    modality: Mapped[str] = mapped_column(String(8))
    laterality: Mapped[str | None] = mapped_column(String(1))
    view: Mapped[str | None] = mapped_column(String(8))
    modifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    specimen: Mapped[bool] = mapped_column(Boolean, default=False)
    biopsy_guidance: Mapped[str | None] = mapped_column(String(16))
    outside_prior: Mapped[bool] = mapped_column(Boolean, default=False)
    institution: Mapped[str] = mapped_column(String(64), default="")
    acquired_at: Mapped[datetime | None]
    study_description: Mapped[str] = mapped_column(String(200), default="")
    series_description: Mapped[str] = mapped_column(String(200), default="")


class Finding(Timestamped, Base):
    """A finding of the patient's case, merged across reports; ``finding_key`` is the rules' key."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("patient_pk", "finding_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    finding_key: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(32))
    laterality: Mapped[str | None] = mapped_column(String(1))
    location: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen_at: Mapped[datetime | None]


class Procedure(Timestamped, Base):
    """A biopsy of the patient's case, with the finding it was correlated to when known."""

    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("patient_pk", "procedure_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    procedure_key: Mapped[str] = mapped_column(String(128))
    report_pk: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    finding_pk: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    guidance: Mapped[str | None] = mapped_column(String(16))
    laterality: Mapped[str | None] = mapped_column(String(1))
    target_type: Mapped[str | None] = mapped_column(String(32))
    performed_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PathologyResult(Timestamped, Base):
    __tablename__ = "pathology_results"
    __table_args__ = (UniqueConstraint("report_pk", "specimen_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    report_pk: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    specimen_index: Mapped[int] = mapped_column(default=0)
    procedure_pk: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    category: Mapped[str] = mapped_column(String(16))
    laterality: Mapped[str | None] = mapped_column(String(1))
    diagnosis: Mapped[str] = mapped_column(Text, default="")
    lesions: Mapped[list[str]] = mapped_column(JSON, default=list)
    calcifications: Mapped[bool | None]


class ConcordanceDecision(Base):
    """Radiology-pathology concordance documented by a person (reports' statements live in facts)."""

    __tablename__ = "concordance_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    finding_pk: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    finding_key: Mapped[str] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
