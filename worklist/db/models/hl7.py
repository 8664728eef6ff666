"""HL7 results as they arrived: every version of every result, kept.

A result (one OBR: a sender's accession) comes as preliminary, final, corrected or cancelled
versions. Each message's version is a row here, never overwritten; the standing version (the
latest by report time) is what the patient's ``Report`` row holds and the rules read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from worklist.db.base import Base, utcnow


class Hl7Result(Base):
    __tablename__ = "hl7_results"
    __table_args__ = (
        UniqueConstraint("inbox_pk", "position"),
        Index("ix_hl7_results_result_key", "result_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_pk: Mapped[int] = mapped_column(ForeignKey("inbox_objects.id"))
    position: Mapped[int] = mapped_column(default=1)
    """The OBR's place in its message (1-based)."""
    result_key: Mapped[str] = mapped_column(String(160))
    """``sender|accession``: every version of one result shares it."""
    sender: Mapped[str] = mapped_column(String(64))
    accession: Mapped[str] = mapped_column(String(64))
    placer_accession: Mapped[str] = mapped_column(String(64), default="")
    department: Mapped[str] = mapped_column(String(16), default="other")
    service: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(1))
    """OBR-25 as the pipeline reads it: P, F, C or X."""
    observed_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    patient_pk: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    report_pk: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    document_uid: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The ``ReportDocument`` read from the message (its text), as JSON."""
    text_hash: Mapped[str] = mapped_column(String(64))
