"""No patient name, identifier or report text in any log line the HL7 front door and the pipeline
write, even at DEBUG, nor in any ACK it sends back: for accepted, refused and broken messages alike
(the log sentinel test of the web, for the HL7 channel)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

import pytest

from hl7_io.synth import SynthPatient, adt_a08, adt_a40
from tests.hl7.conftest import LAB, RECEIVER, Hl7Service, result, send_raw

pytestmark = pytest.mark.slow

SENTINEL_PATIENT = SynthPatient("ZX-77231", "NFBC", "QUILLFEATHER^ROSALIND", date(1961, 7, 14), "F")
SENTINEL_TEXT = "Vermilionette carcinoma"
SENTINELS = ["ZX-77231", "QUILLFEATHER", "ROSALIND", "19610714", SENTINEL_TEXT]


def _messages() -> list[bytes]:
    good = result("LOG-1", patient=SENTINEL_PATIENT, diagnosis=f"{SENTINEL_TEXT}, grade 3.")
    # Escape sequences python-hl7 cannot decode (it logs the whole field when it meets one).
    undecodable_escape = result("LOG-2", patient=SENTINEL_PATIENT).replace(
        "Specimen^LN||", "Specimen^LN||" + SENTINEL_TEXT + " \\Zq7\\ \\C2842\\ \\Xzz\\ ")
    return [
        good.encode(),
        undecodable_escape.encode(),
        good.replace("UNICODE UTF-8", "KLINGON").encode(),
        good.replace("ORU^R01^ORU_R01", "ORU^R99^ORU_R01").encode(),
        good.replace("|SP|F", "|SP|Q").encode(),
        good.replace("NFP-26-0001^LIS", "").encode(),
        good.replace(" grade 3", " grade 3 \u00e9").encode("latin-1", errors="replace"),
        adt_a08(sender=LAB, receiver=RECEIVER, control_id="LOG-3", sent_at=datetime(2026, 11, 2),
                patient=SENTINEL_PATIENT).encode(),
        adt_a40(sender=LAB, receiver=RECEIVER, control_id="LOG-4", sent_at=datetime(2026, 11, 2),
                survivor=SynthPatient("ZX-99999", "NFBC", "QUILLFEATHER^ROSALIND"),
                merged_id="ZX-77231", merged_authority="NFBC").encode(),
        b"PID|1||ZX-77231^^^NFBC^MR||QUILLFEATHER^ROSALIND",  # no MSH at all
    ]


def test_no_patient_data_in_hl7_logs_or_acks(hl7_service: Hl7Service, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [send_raw(hl7_service.port, b"\x0b" + raw + b"\x1c\r") for raw in _messages()]
    # Broken framing with patient data in it.
    answers.append(send_raw(hl7_service.port, b"QUILLFEATHER\x0b" + _messages()[0] + b"\x1c\r"))
    hl7_service.wait_idle()
    assert all(answer for answer in answers[:-1]), answers  # each message was answered
    assert sum(b"MSA|AA|" in a for a in answers) == 4, answers
    lines = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert any("hl7_io" in line for line in lines)  # the capture works
    for sentinel in SENTINELS:
        leaked = [line for line in lines if sentinel.lower() in line.lower()]
        assert not leaked, f"{sentinel!r} appeared in the logs: {leaked[:3]}"
        echoed = [a for a in answers if sentinel.lower().encode() in a.lower()]
        assert not echoed, f"{sentinel!r} appeared in an ACK: {echoed[:1]}"
