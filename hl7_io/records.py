"""What the HL7 readers hand on: plain records, like the DICOM readers' (reports are the same
``rules.documents.ReportDocument`` an SR becomes). No HL7 library object leaves ``hl7_io``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hl7_io.header import Header
from rules.documents import ReportDocument


@dataclass(frozen=True)
class PatientIdentifier:
    """One PID-3 (or MRG-1) repetition: the identifier, its assigning authority (CX-4) and its
    identifier type (CX-5, e.g. ``MR``)."""

    patient_id: str
    authority: str = ""
    type_code: str = ""


@dataclass(frozen=True)
class PatientRecord:
    identifiers: tuple[PatientIdentifier, ...]
    name: str = ""
    """DICOM PN form (``FAMILY^GIVEN^MIDDLE``). Never logged."""
    birth_date: date | None = None
    sex: str = ""


class ResultStatus(StrEnum):
    """OBR-25 result status (HL7 table 0123), as the pipeline treats it."""

    PRELIMINARY = "P"
    """Also R (not verified), S (partial), A (some results): read, and replaced by what follows."""
    FINAL = "F"
    CORRECTED = "C"
    """Replaces the earlier result; the case is evaluated again."""
    CANCELLED = "X"
    """Withdraws the result: its facts no longer count."""

    @property
    def rank(self) -> int:
        """Which of two versions stamped at the same moment stands (the later step wins)."""
        return {"P": 0, "F": 1, "C": 2, "X": 3}[self.value]


class Department(StrEnum):
    """OBR-24 diagnostic service section (HL7 table 0074), as far as the pipeline cares."""

    PATHOLOGY = "pathology"
    RADIOLOGY = "radiology"
    OTHER = "other"


@dataclass(frozen=True)
class ResultRecord:
    """One OBR of an ORU^R01: one result of one order, in one of its versions."""

    sender: str
    accession: str
    """OBR-3 filler order number (the pathology or radiology accession), else OBR-18, else OBR-2."""
    placer_accession: str
    """OBR-18, which many reporting systems fill with the imaging accession."""
    service: str
    """OBR-4 universal service identifier, as text."""
    department: Department
    observed_at: datetime | None
    """OBR-7 observation (specimen collection or examination) time."""
    reported_at: datetime | None
    """OBR-22 results report or status change time: orders the versions of one result."""
    status: ResultStatus
    specimen_site: str
    in_scope: bool
    scope_reason: str
    document: ReportDocument
    text_hash: str
    """SHA-256 of the result's text and status: the same result sent again is recognised."""

    @property
    def key(self) -> str:
        """Every version of one result shares this: sender and accession."""
        return f"{self.sender}|{self.accession}"


@dataclass(frozen=True)
class ResultMessage:
    """ORU^R01: results for one patient."""

    header: Header
    patient: PatientRecord
    results: tuple[ResultRecord, ...]


@dataclass(frozen=True)
class PatientUpdate:
    """ADT^A08: the patient's demographics changed."""

    header: Header
    patient: PatientRecord


@dataclass(frozen=True)
class PatientMerge:
    """One PID/MRG pair of ADT^A40: ``merged`` identifiers now belong to ``survivor``."""

    survivor: PatientRecord
    merged: tuple[PatientIdentifier, ...]


@dataclass(frozen=True)
class MergeMessage:
    header: Header
    merges: tuple[PatientMerge, ...]


Content = ResultMessage | PatientUpdate | MergeMessage
