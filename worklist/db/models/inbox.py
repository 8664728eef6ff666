"""The durable inbox: every object received, before any processing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
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
