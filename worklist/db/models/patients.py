"""Patients and their studies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from worklist.db.base import Base, Timestamped


class Patient(Timestamped, Base):
    """A patient, keyed by Patient ID and its issuer (two sites may reuse one ID)."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("issuer", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    issuer: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    birth_date: Mapped[date | None]
    sex: Mapped[str] = mapped_column(String(16), default="")
    merged_into_pk: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    """Set when an ADT merge folded this record into another (migration 0006): everything moved
    there, and objects still arriving under this identifier go there too."""

    studies: Mapped[list[Study]] = relationship(back_populates="patient")


class Study(Timestamped, Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    study_uid: Mapped[str] = mapped_column(String(64), unique=True)
    accession: Mapped[str] = mapped_column(String(64), default="", index=True)
    study_date: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(String(200), default="")
    modalities: Mapped[str] = mapped_column(String(64), default="")

    patient: Mapped[Patient] = relationship(back_populates="studies")
