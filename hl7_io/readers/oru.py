"""ORU^R01 to result records: per OBR, the accession, service, times, result status, specimen site
and the report text as a ``ReportDocument`` (so the same reader reads it as an SR's text).

The document's UID names the result: ``hl7:<sender>:<accession>:<observation time>``. It is what an
item's evidence cites, as an SR's SOP Instance UID is, and what the report is stored under.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Final

import hl7

from hl7_io.fields import raw, value
from hl7_io.header import Parsed
from hl7_io.readers.patient import read_patient
from hl7_io.readers.scope import result_scope
from hl7_io.readers.text import sections
from hl7_io.records import Department, ResultMessage, ResultRecord, ResultStatus
from hl7_io.refusals import ErrorCode, error
from hl7_io.times import parse_dtm
from rules.codes import ln
from rules.documents import ReportDocument, Section

PATHOLOGY_SECTIONS: Final = frozenset({"SP", "CP", "PAT", "SUR", "HIS", "CYT"})
RADIOLOGY_SECTIONS: Final = frozenset({"RAD", "RX", "RUS", "CT", "MR", "NMR", "NMS", "MG", "US",
                                       "XRC", "VUS"})
PATHOLOGY_REPORT: Final = ln("11529-5", "Surgical Pathology Report")
"""The document title a pathology result is read under: the reader trusts a pathology title."""
STATUSES: Final = {"P": ResultStatus.PRELIMINARY, "R": ResultStatus.PRELIMINARY,
                   "S": ResultStatus.PRELIMINARY, "A": ResultStatus.PRELIMINARY,
                   "F": ResultStatus.FINAL, "C": ResultStatus.CORRECTED,
                   "X": ResultStatus.CANCELLED}
_SENDER_CHARS: Final = 20
_ACCESSION_CHARS: Final = 24


def _short(text: str, limit: int) -> str:
    """``text`` itself when short enough, else a prefix and a digest: never two results on one
    UID, and always within the 64 characters a UID column holds."""
    if len(text) <= limit:
        return text
    return text[: limit - 9] + "~" + hashlib.sha1(text.encode()).hexdigest()[:8]


def result_uid(sender: str, accession: str, observed_at: datetime | None) -> str:
    stamp = f":{observed_at:%Y%m%d%H%M}" if observed_at is not None else ""
    return f"hl7:{_short(sender, _SENDER_CHARS)}:{_short(accession, _ACCESSION_CHARS)}{stamp}"


def _department(code: str) -> Department:
    if code in PATHOLOGY_SECTIONS:
        return Department.PATHOLOGY
    if code in RADIOLOGY_SECTIONS:
        return Department.RADIOLOGY
    return Department.OTHER


def _specimen_site(message: hl7.Message, obr: hl7.Segment, spm: hl7.Segment | None) -> str:
    if spm is not None:
        site = value(message, spm, 8, 2) or value(message, spm, 8, 1)
        if site:
            return site
    # OBR-15 specimen source (v2.3-2.6): component 4 is the body site, component 1 the source.
    return (value(message, obr, 15, 4, 1, 2) or value(message, obr, 15, 4)
            or value(message, obr, 15, 1, 1, 2) or value(message, obr, 15, 1))


def _groups(message: hl7.Message) -> list[tuple[hl7.Segment, hl7.Message, hl7.Segment | None]]:
    """Each OBR with the segments of its order group (up to the next OBR), as a message of its own
    for the text reader, and its first SPM."""
    groups: list[tuple[hl7.Segment, list[hl7.Segment]]] = []
    for segment in message:
        name = str(segment[0])
        if name == "OBR":
            groups.append((segment, []))
        elif groups:
            groups[-1][1].append(segment)
    out = []
    for obr, members in groups:
        part = message.create_message([message[0], obr, *members])
        spm = next((s for s in members if str(s[0]) == "SPM"), None)
        out.append((obr, part, spm))
    return out


def _result(parsed: Parsed, number: int, obr: hl7.Segment, part: hl7.Message,
            spm: hl7.Segment | None) -> ResultRecord:
    message = parsed.message
    where = f"OBR^{number}"
    accession = (value(message, obr, 3) or value(message, obr, 18)
                 or value(message, obr, 2))[:64]
    if not accession:
        raise error(ErrorCode.REQUIRED_FIELD_MISSING, "no filler order number (OBR-3)",
                    f"{where}^3")
    status_code = value(message, obr, 25).upper()
    status = STATUSES.get(status_code)
    if status is None:
        raise error(ErrorCode.TABLE_VALUE_NOT_FOUND,
                    f"result status {status_code[:2]!r} is not a result (OBR-25)", f"{where}^25")
    service = value(message, obr, 4, 2) or value(message, obr, 4, 1)
    department = _department(value(message, obr, 24).upper())
    observed_at = parse_dtm(raw(obr, 7))
    reported_at = parse_dtm(raw(obr, 22))
    site = _specimen_site(message, obr, spm)
    found = sections(part)
    if site and not any(s.heading.lower().startswith("specimen") for s in found) \
            and site.lower() not in " ".join(s.text.lower() for s in found):
        found.insert(0, Section("Specimen", site))
    sender = parsed.header.sending_application
    pathology = department is Department.PATHOLOGY
    document = ReportDocument(
        uid=result_uid(sender, accession, observed_at),
        title=PATHOLOGY_REPORT if pathology else None,
        title_text=service,
        study_description=service,
        observed_at=reported_at or observed_at or parsed.header.sent_at,
        sections=tuple(found) if status is not ResultStatus.CANCELLED else (),
        complete=status is not ResultStatus.PRELIMINARY,
        verified=status is not ResultStatus.PRELIMINARY,
        interpreter=_interpreter(message, obr),
    )
    in_scope, reason = ((True, "withdraws the result") if status is ResultStatus.CANCELLED
                        else result_scope(service, site, found))
    digest = hashlib.sha256(f"{status.value}\n{document.text}".encode()).hexdigest()
    return ResultRecord(
        sender=sender, accession=accession, placer_accession=value(message, obr, 18)[:64],
        service=service[:200], department=department, observed_at=observed_at,
        reported_at=reported_at, status=status, specimen_site=site[:200], in_scope=in_scope,
        scope_reason=reason, document=document, text_hash=digest,
    )


def _interpreter(message: hl7.Message, obr: hl7.Segment) -> str:
    """OBR-32 Principal Result Interpreter (name subcomponents: id & family & given)."""
    family = value(message, obr, 32, 1, subcomponent=2)
    given = value(message, obr, 32, 1, subcomponent=3)
    return ", ".join(p for p in (family, given) if p)[:128]


def read_results(parsed: Parsed) -> ResultMessage:
    patient = read_patient(parsed.message)
    groups = _groups(parsed.message)
    if not groups:
        raise error(ErrorCode.SEGMENT_SEQUENCE, "no OBR segment", "OBR")
    results = tuple(_result(parsed, number, obr, part, spm)
                    for number, (obr, part, spm) in enumerate(groups, start=1))
    return ResultMessage(parsed.header, patient, results)
