"""Synthetic HL7 v2 messages, as a laboratory or reporting system sends them: ORU^R01 results with
the report text in FT observations, ADT^A08 updates and ADT^A40 merges. For the demo, tests and
benches; the listener never uses it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from hl7_io.acks import escape
from hl7_io.readers.text import LOINC_HEADINGS
from hl7_io.times import format_dtm

_LOINC_BY_HEADING: Final = {heading.lower(): code for code, heading in LOINC_HEADINGS.items()}


@dataclass(frozen=True)
class Party:
    """MSH-3/MSH-4 (or MSH-5/MSH-6): an application and its facility."""

    application: str
    facility: str = ""


@dataclass(frozen=True)
class SynthPatient:
    patient_id: str
    authority: str = ""
    name: str = ""
    """DICOM PN form, FAMILY^GIVEN."""
    birth_date: date | None = None
    sex: str = ""


def _msh(sender: Party, receiver: Party, sent_at: datetime, kind: str, control_id: str,
         version: str, charset: str) -> str:
    fields = ["MSH", "^~\\&", escape(sender.application), escape(sender.facility),
              escape(receiver.application), escape(receiver.facility), format_dtm(sent_at), "",
              kind, escape(control_id), "P", version, "", "", "AL", "NE", "", charset]
    return "|".join(fields).rstrip("|")


def _pid(patient: SynthPatient) -> str:
    identifier = f"{escape(patient.patient_id)}^^^{escape(patient.authority)}^MR"
    born = patient.birth_date.strftime("%Y%m%d") if patient.birth_date else ""
    name = "^".join(escape(part) for part in patient.name.split("^"))
    return "|".join(["PID", "1", "", identifier, "", name, "", born, patient.sex])


def formatted(text: str) -> str:
    """Plain text as an FT value: delimiters escaped, line breaks as ``\\.br\\``."""
    return "\\.br\\".join(escape(line) for line in text.strip().splitlines())


def observations(sections: Sequence[tuple[str, str]], value_type: str = "FT") -> list[str]:
    """One OBX per section, its identifier the section's LOINC code where there is one."""
    segments = []
    for number, (heading, text) in enumerate(sections, start=1):
        code = _LOINC_BY_HEADING.get(heading.lower(), "")
        identifier = f"{code}^{escape(heading)}^{'LN' if code else 'L'}"
        segments.append("|".join(["OBX", str(number), value_type, identifier, "",
                                  formatted(text), "", "", "", "", "", "F"]))
    return segments


def oru(*, sender: Party, receiver: Party, control_id: str, sent_at: datetime,
        patient: SynthPatient, accession: str, service: str, department: str,
        observed_at: datetime, reported_at: datetime | None = None, status: str = "F",
        sections: Sequence[tuple[str, str]] = (), placer_accession: str = "",
        specimen_site: str = "", version: str = "2.5.1", charset: str = "UNICODE UTF-8") -> str:
    """An ORU^R01 with one result (OBR) and its text; the string to encode in ``charset``."""
    obr = ["OBR", "1", "", f"{escape(accession)}^{escape(sender.application)}",
           f"^{escape(service)}", "", "", format_dtm(observed_at), "", "", "", "", "", "", "",
           escape(specimen_site), "", "", escape(placer_accession), "", "", "",
           format_dtm(reported_at or observed_at), "", department, status]
    segments = [_msh(sender, receiver, sent_at, "ORU^R01^ORU_R01", control_id, version, charset),
                _pid(patient), "|".join(obr), *observations(sections)]
    return "\r".join(segments) + "\r"


def adt_a08(*, sender: Party, receiver: Party, control_id: str, sent_at: datetime,
            patient: SynthPatient) -> str:
    segments = [_msh(sender, receiver, sent_at, "ADT^A08^ADT_A01", control_id, "2.5.1", ""),
                f"EVN|A08|{format_dtm(sent_at)}", _pid(patient), "PV1|1|O"]
    return "\r".join(segments) + "\r"


def adt_a40(*, sender: Party, receiver: Party, control_id: str, sent_at: datetime,
            survivor: SynthPatient, merged_id: str, merged_authority: str = "") -> str:
    segments = [_msh(sender, receiver, sent_at, "ADT^A40^ADT_A39", control_id, "2.5.1", ""),
                f"EVN|A40|{format_dtm(sent_at)}", _pid(survivor),
                f"MRG|{escape(merged_id)}^^^{escape(merged_authority)}^MR"]
    return "\r".join(segments) + "\r"
