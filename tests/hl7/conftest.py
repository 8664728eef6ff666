"""The HL7 front door as ``worklist serve`` runs it: the DICOM listener, the MLLP listener and the
in-process pipeline against the test's database. Messages are sent by python-hl7's own command-line
sender (``mllp_send``), an MLLP client that is not our code; malformed framing by raw sockets."""

from __future__ import annotations

import errno
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hl7_io.synth import Party, SynthPatient, oru
from tasks.wiring import start_pipeline
from tests.conftest import free_port
from tests.pipeline.harness import wait_idle
from worklist.commands.hl7 import start_hl7_listener
from worklist.commands.listener import start_listener
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import Channel, InboxObject
from worklist.settings import Settings, load_settings

MLLP_SEND = Path(sys.executable).with_name("mllp_send")
LAB = Party("LIS", "NFLAB")
RECEIVER = Party("WORKLIST", "NFBC")
PATIENT = SynthPatient("HL7-0001", "NFBC", "QUILLFEATHER^ROSALIND", date(1968, 3, 9), "F")
ACK = re.compile(rb"MSA\|(A[AER])\|([^|\r]*)")


@dataclass
class Hl7Service:
    settings: Settings
    sessions: sessionmaker[Session]

    @property
    def port(self) -> int:
        return self.settings.hl7_port

    def wait_idle(self) -> None:
        wait_idle(self.sessions)

    def hl7_rows(self) -> list[InboxObject]:
        with self.sessions() as session:
            return list(session.scalars(select(InboxObject).where(
                InboxObject.channel == Channel.HL7).order_by(InboxObject.id)))


def service_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    return load_settings(**{
        "database_url": database_url, "data_dir": tmp_path / "data", "dicom_port": free_port(),
        "hl7_port": free_port(), "broker_url": "", "allowed_aes": [],
        "hl7_idle_timeout_seconds": 3.0, **overrides})


@pytest.fixture
def hl7_service(database_url: str, tmp_path: Path) -> Iterator[Hl7Service]:
    settings = service_settings(database_url, tmp_path)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    pipeline = start_pipeline(settings, sessions)
    dicom = start_listener(settings, sessions, pipeline.on_stored)
    listener = start_hl7_listener(settings, sessions, pipeline.on_stored)
    yield Hl7Service(settings, sessions)
    listener.shutdown()
    dicom.shutdown()
    pipeline.stop()
    engine.dispose()


def framed(*messages: str | bytes) -> bytes:
    """Messages in MLLP frames, as the file ``mllp_send`` reads."""
    return b"".join(b"\x0b" + (m.encode() if isinstance(m, str) else m) + b"\x1c\r"
                    for m in messages)


def mllp_send(port: int, *messages: str | bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Send with python-hl7's command-line sender; (MSA-1, MSA-2) of each answer, in order."""
    assert MLLP_SEND.exists(), "python-hl7's mllp_send is installed with the package"
    batch = tmp_path / f"batch-{free_port()}.hl7"
    batch.write_bytes(framed(*messages))
    done = subprocess.run([str(MLLP_SEND), "--port", str(port), "--file", str(batch), "127.0.0.1"],
                          capture_output=True, timeout=60, check=True)
    return [(code.decode(), control.decode()) for code, control in ACK.findall(done.stdout)]


def send_raw(port: int, data: bytes, *, close_write: bool = True, timeout: float = 10) -> bytes:
    """Send bytes as they are; whatever comes back before the peer closes (or ``timeout``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        received = b""
        try:
            sock.sendall(data)
            if close_write:
                sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError, BrokenPipeError):
            pass
        except OSError as error:  # the listener closed first (it refused the connection)
            if error.errno != errno.ENOTCONN:
                raise
        return received


def result(control_id: str, *, accession: str = "NFP-26-0001", status: str = "F",
           diagnosis: str = "Invasive ductal carcinoma, grade 2.",
           specimen: str = "Left breast, 2 o'clock, ultrasound-guided core biopsy.",
           patient: SynthPatient = PATIENT, reported: datetime | None = None,
           department: str = "SP", service: str = "SURGICAL PATHOLOGY",
           sections: list[tuple[str, str]] | None = None) -> str:
    """An ORU^R01 pathology result (one OBR) with the given diagnosis."""
    observed = datetime(2026, 11, 10, 9, 30)
    return oru(sender=LAB, receiver=RECEIVER, control_id=control_id,
               sent_at=reported or datetime(2026, 11, 12, 14, 0), patient=patient,
               accession=accession, service=service, department=department,
               observed_at=observed, reported_at=reported or datetime(2026, 11, 12, 14, 0),
               status=status, sections=sections or [("Specimen", specimen),
                                                    ("Final Diagnosis", diagnosis)])
