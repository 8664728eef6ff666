"""ADT^A08 (update patient information) and ADT^A40 (merge patient: patient identifier list)."""

from __future__ import annotations

from hl7_io.fields import segments
from hl7_io.header import Parsed
from hl7_io.readers.patient import identifiers, read_patient, read_pid
from hl7_io.records import MergeMessage, PatientMerge, PatientUpdate
from hl7_io.refusals import ErrorCode, error


def read_update(parsed: Parsed) -> PatientUpdate:
    return PatientUpdate(parsed.header, read_patient(parsed.message))


def read_merge(parsed: Parsed) -> MergeMessage:
    """Each PID is followed by the MRG naming the identifiers merged into it (A40 may repeat the
    pair)."""
    message = parsed.message
    merges = []
    survivor = None
    for segment in message:
        name = str(segment[0])
        if name == "PID":
            survivor = read_pid(message, segment)
        elif name == "MRG":
            if survivor is None:
                raise error(ErrorCode.SEGMENT_SEQUENCE, "MRG before its PID", "MRG")
            merged = identifiers(message, segment, 1)
            if not merged:
                raise error(ErrorCode.REQUIRED_FIELD_MISSING,
                            "no prior patient identifier (MRG-1)", "MRG^1^1")
            merges.append(PatientMerge(survivor, merged))
            survivor = None
    if not segments(message, "PID"):
        raise error(ErrorCode.SEGMENT_SEQUENCE, "no PID segment", "PID")
    if not merges:
        raise error(ErrorCode.SEGMENT_SEQUENCE, "no MRG segment", "MRG")
    return MergeMessage(parsed.header, tuple(merges))
