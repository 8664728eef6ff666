"""The durable inbox: every object received, before any processing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from worklist.db.base import Base, StrEnumType, utcnow


class InboxState(StrEnum):
    PENDING = "pending"
    """Stored, waiting for the pipeline."""
    DONE = "done"
    FAILED = "failed"
    """The pipeline gave up; ``error`` says why (never patient data)."""
    OUT_OF_SCOPE = "out-of-scope"
    """Not about the breast, or not machine-readable: recorded and left alone."""
    SUPERSEDED = "superseded"
    """An identical copy of an earlier version."""
    HELD = "held"
    """Read, but not applied: it conflicts with what is on file (a changed version of an object,
    or a study under a second patient). Waits for a person's choice (``ObjectConflict``)."""
    SET_ASIDE = "set-aside"
    """A person chose what was on file over this object: it changed nothing."""


class ObjectCategory(StrEnum):
    REPORT = "report"
    IMAGE = "image"
    DOCUMENT = "document"
    """Encapsulated PDF and other documents that cannot be read by machine."""
    OTHER = "other"


class Channel(StrEnum):
    DICOM = "dicom"
    HL7 = "hl7"


class InboxObject(Base):
    """One received DICOM object or HL7 message: where its bytes are and what became of it.

    A SOP Instance UID seen again with the same content is acknowledged and not stored twice; with
    different content it becomes a new ``version`` flagged ``conflict``, never an overwrite.
    """

    __tablename__ = "inbox_objects"
    __table_args__ = (
        UniqueConstraint("sop_instance_uid", "version"),
        UniqueConstraint("sop_instance_uid", "sha256"),
        Index("ix_inbox_objects_state_received_at", "state", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    sop_class_uid: Mapped[str] = mapped_column(String(64))
    transfer_syntax_uid: Mapped[str] = mapped_column(String(64), default="")
    study_uid: Mapped[str] = mapped_column(String(64), default="", index=True)
    category: Mapped[ObjectCategory] = mapped_column(StrEnumType(ObjectCategory, 16), default=ObjectCategory.OTHER)
    calling_ae: Mapped[str] = mapped_column(String(16), default="")
    called_ae: Mapped[str] = mapped_column(String(16), default="")
    peer_address: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    spool_path: Mapped[str] = mapped_column(String(255))
    """Relative to the spool directory."""
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    """Same SOP Instance UID as an earlier object, different content."""

    state: Mapped[InboxState] = mapped_column(StrEnumType(InboxState, 16), default=InboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    patient_pk: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)

    # HL7 messages share the inbox, its states and the pipeline (migration 0006). For them the
    # SOP Instance UID is derived from sender and control id (``worklist.hl7.sink``), the SOP
    # Class is the message type (``ORU^R01``) and ``calling_ae`` the sending application.
    channel: Mapped[Channel] = mapped_column(StrEnumType(Channel, 8), default=Channel.DICOM,
                                             server_default=Channel.DICOM.value)
    hl7_sender: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """MSH-3 sending application (and MSH-4 facility, after a slash)."""
    hl7_control_id: Mapped[str] = mapped_column(String(64), default="", server_default="")


class ConflictKind(StrEnum):
    NEW_VERSION = "new-version"
    """The same SOP Instance UID as an object already applied, with different content."""
    SECOND_PATIENT = "second-patient"
    """A Study Instance UID on file for one patient, arriving under another Patient ID."""


class ConflictChoice(StrEnum):
    KEEP_ON_FILE = "keep-on-file"
    """What was on file stands; the held object is set aside."""
    APPLY_ARRIVED = "apply-arrived"
    """The held object stands: for a new version it replaces the one on file; for a second
    patient it is filed under the study's patient on file."""


class ObjectConflict(Base):
    """A held inbox row and the choice a person makes about it (migration 0009).

    ``payload`` keeps the object as the pipeline read it (records and report facts, in the
    ``worklist.cases.codec`` encoding), so the choice applies it without reading it again."""

    __tablename__ = "object_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ConflictKind] = mapped_column(StrEnumType(ConflictKind, 16))
    inbox_pk: Mapped[int] = mapped_column(ForeignKey("inbox_objects.id"), unique=True)
    on_file_inbox_pk: Mapped[int | None] = mapped_column(ForeignKey("inbox_objects.id"))
    """The version on file (new-version conflicts)."""
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    """The patient on file, whose case carries the review item."""
    item_pk: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    sop_instance_uid: Mapped[str] = mapped_column(String(64))
    study_uid: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    """What differs, in words that name no patient data."""
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    choice: Mapped[ConflictChoice | None] = mapped_column(StrEnumType(ConflictChoice, 16))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
