"""PID (and MRG) to patient records: identifiers with their assigning authority, demographics."""

from __future__ import annotations

import hl7

from hl7_io.fields import first, repetitions, value
from hl7_io.records import PatientIdentifier, PatientRecord
from hl7_io.refusals import ErrorCode, error
from hl7_io.times import parse_date


def identifiers(message: hl7.Message, segment: hl7.Segment, field: int) -> tuple[PatientIdentifier, ...]:
    """Every CX repetition of the field that carries an identifier."""
    found = []
    for repetition in range(1, repetitions(segment, field) + 1):
        patient_id = value(message, segment, field, 1, repetition)
        if patient_id:
            found.append(PatientIdentifier(
                patient_id=patient_id[:64],
                authority=value(message, segment, field, 4, repetition)[:64],
                type_code=value(message, segment, field, 5, repetition).upper()[:8],
            ))
    return tuple(found)


def _name(message: hl7.Message, pid: hl7.Segment) -> str:
    # XPN: family^given^middle^suffix^prefix; DICOM PN: family^given^middle^prefix^suffix.
    parts = [value(message, pid, 5, component) for component in (1, 2, 3, 5, 4)]
    return "^".join(parts).rstrip("^")[:200]


def read_pid(message: hl7.Message, pid: hl7.Segment | None) -> PatientRecord:
    if pid is None:
        raise error(ErrorCode.SEGMENT_SEQUENCE, "no PID segment", "PID")
    found = identifiers(message, pid, 3)
    if not found:
        raise error(ErrorCode.REQUIRED_FIELD_MISSING, "no patient identifier (PID-3)", "PID^1^3")
    sex = value(message, pid, 8).upper()
    return PatientRecord(
        identifiers=found,
        name=_name(message, pid),
        birth_date=parse_date(value(message, pid, 7)),
        sex=sex if sex in {"F", "M", "O", "U", "A", "N"} else "",
    )


def read_patient(message: hl7.Message) -> PatientRecord:
    return read_pid(message, first(message, "PID"))
