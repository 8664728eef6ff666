"""The MLLP front door over real TCP: python-hl7's own ``mllp_send`` is the sender.

AA means kept (spool file and committed inbox row); a repeated message is acknowledged and kept
once; bad input gets AR or AE with an ERR segment, or a closed connection, leaves nothing behind,
and never stops the listener serving the next sender.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dicom_io.spool import Spool
from tests.hl7.conftest import Hl7Service, mllp_send, result, send_raw
from worklist.db.models import AuditEntry, InboxState

pytestmark = pytest.mark.slow


def _spooled(service: Hl7Service) -> list[Path]:
    objects = service.settings.spool_dir / "objects"
    return sorted(p for p in objects.rglob("*") if p.is_file()) if objects.exists() else []


def _incoming(service: Hl7Service) -> list[Path]:
    return Spool(service.settings.spool_dir).partial_files()


def _still_serving(service: Hl7Service, tmp_path: Path, control_id: str) -> None:
    assert mllp_send(service.port, result(control_id), tmp_path=tmp_path) == [("AA", control_id)]


def test_an_acknowledged_message_is_kept_and_processed(hl7_service: Hl7Service,
                                                        tmp_path: Path) -> None:
    message = result("LAB-1")
    assert mllp_send(hl7_service.port, message, tmp_path=tmp_path) == [("AA", "LAB-1")]
    # AA was sent after the commit: the row and its file exist now, before processing ends.
    [row] = hl7_service.hl7_rows()
    assert row.hl7_control_id == "LAB-1" and row.sop_class_uid == "ORU^R01"
    # Exactly the bytes framed (mllp_send drops the last segment terminator before framing).
    assert (hl7_service.settings.spool_dir / row.spool_path).read_bytes() == message.rstrip("\r").encode()
    hl7_service.wait_idle()
    [row] = hl7_service.hl7_rows()
    assert row.state == InboxState.DONE, row.error


def test_a_repeated_message_is_acknowledged_and_kept_once(hl7_service: Hl7Service,
                                                          tmp_path: Path) -> None:
    first = result("LAB-2")
    # An engine retrying after a lost ACK may stamp MSH-7 anew: still the same message.
    again = first.replace("20261112140000||ORU", "20261112141500||ORU", 1)
    assert again != first
    answers = mllp_send(hl7_service.port, first, first, again, tmp_path=tmp_path)
    assert answers == [("AA", "LAB-2")] * 3
    hl7_service.wait_idle()
    assert len(hl7_service.hl7_rows()) == 1
    assert len(_spooled(hl7_service)) == 1 and _incoming(hl7_service) == []


BAD_MESSAGES = [
    pytest.param(result("BAD-1").replace("ORU^R01^ORU_R01", "ORM^O01^ORM_O01"), "AR", "200",
                 id="unknown-message-type"),
    pytest.param(result("BAD-2").replace("ORU^R01^ORU_R01", "ORU^R30^ORU_R30"), "AR", "201",
                 id="unknown-event"),
    pytest.param(result("BAD-3").replace("UNICODE UTF-8", "KLINGON"), "AR", "103",
                 id="unknown-character-set"),
    pytest.param(result("BAD-4", diagnosis="Carcinome canalaire infiltrant, grade 2 (Élevé).")
                 .encode("latin-1"), "AR", "102", id="latin-1-declared-utf-8"),
    pytest.param("\r".join(s for s in result("BAD-5").split("\r") if not s.startswith("PID")),
                 "AE", "100", id="missing-pid"),
    pytest.param(result("BAD-6").replace("HL7-0001^^^NFBC^MR", ""), "AE", "101",
                 id="missing-patient-identifier"),
    pytest.param(result("BAD-7").replace("NFP-26-0001^LIS", ""), "AE", "101",
                 id="missing-accession"),
    pytest.param(result("BAD-8").replace("|SP|F", "|SP|Q"), "AE", "103", id="unknown-status"),
    pytest.param(result("BAD-9").replace("|2.5.1|", "|2.1|", 1), "AR", "203",
                 id="unsupported-version"),
    pytest.param(result("BAD-10").replace("|P|2.5.1|", "|T|2.5.1|", 1), "AR", "202",
                 id="training-message"),
]


@pytest.mark.parametrize(("message", "ack", "code"), BAD_MESSAGES)
def test_bad_content_gets_its_answer_and_keeps_nothing(
    hl7_service: Hl7Service, tmp_path: Path, message: str | bytes, ack: str, code: str
) -> None:
    raw = message.encode() if isinstance(message, str) else message
    answer = send_raw(hl7_service.port, b"\x0b" + raw + b"\x1c\r")
    assert answer.startswith(b"\x0b") and answer.endswith(b"\x1c\r")
    assert f"MSA|{ack}|".encode() in answer, answer
    err = next(line for line in answer.split(b"\r") if line.startswith(b"ERR|"))
    assert f"|{code}^".encode() in err, err
    assert hl7_service.hl7_rows() == [] and _spooled(hl7_service) == []
    assert _incoming(hl7_service) == []
    _still_serving(hl7_service, tmp_path, "AFTER-BAD")


def test_broken_framing_closes_the_connection_and_keeps_nothing(hl7_service: Hl7Service,
                                                                tmp_path: Path) -> None:
    message = result("FRAME-1").encode()
    # A truncated frame: the sender goes away in the middle of the message.
    assert send_raw(hl7_service.port, b"\x0b" + message[: len(message) // 2]) == b""
    # No end block: the frame never completes; the idle timeout closes the connection.
    started = time.monotonic()
    assert send_raw(hl7_service.port, b"\x0b" + message, close_write=False) == b""
    assert time.monotonic() - started < hl7_service.settings.hl7_idle_timeout_seconds + 5
    # Garbage before the start block.
    assert send_raw(hl7_service.port, b"\x00\xffGARBAGE\x0b" + message + b"\x1c\r") == b""
    # Random bytes only.
    assert send_raw(hl7_service.port, bytes(range(256)) * 8) == b""
    assert hl7_service.hl7_rows() == [] and _spooled(hl7_service) == []
    _still_serving(hl7_service, tmp_path, "AFTER-FRAMING")


def test_a_50_mb_message_is_refused_without_holding_the_listener(hl7_service: Hl7Service,
                                                                 tmp_path: Path) -> None:
    limit = hl7_service.settings.hl7_max_message_bytes
    big = result("HUGE-1", diagnosis="Benign breast tissue. " * (50 * 1024 * 1024 // 22))
    assert len(big) > 50 * 1024 * 1024 > limit
    with socket.create_connection(("127.0.0.1", hl7_service.port), timeout=30) as sock:
        sent = 0
        data = b"\x0b" + big.encode() + b"\x1c\r"
        try:
            while sent < len(data):
                sent += sock.send(data[sent: sent + 1024 * 1024])
                if sent > limit:  # meanwhile another sender is served
                    _still_serving(hl7_service, tmp_path, f"DURING-{sent}")
                    break
            sock.settimeout(10)
            assert sock.recv(4096) == b""  # closed without an answer
        except (ConnectionResetError, BrokenPipeError):
            pass
    assert [r.hl7_control_id for r in hl7_service.hl7_rows()] == [f"DURING-{sent}"]
    _still_serving(hl7_service, tmp_path, "AFTER-HUGE")


def test_a_sender_not_allowed_gets_ar_and_is_audited(database_url: str, tmp_path: Path) -> None:
    from tests.hl7.conftest import service_settings
    from worklist.commands.hl7 import start_hl7_listener
    from worklist.db.engine import make_engine, make_session_factory

    settings = service_settings(database_url, tmp_path, hl7_allowed_senders=["COPATH"])
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    listener = start_hl7_listener(settings, sessions)
    try:
        answers = mllp_send(settings.hl7_port, result("NOPE-1"), tmp_path=tmp_path)
        allowed = result("YES-1").replace("|LIS|NFLAB|", "|COPATH|NFLAB|", 1)
        answers += mllp_send(settings.hl7_port, allowed, tmp_path=tmp_path)
    finally:
        listener.shutdown()
    assert answers == [("AR", "NOPE-1"), ("AA", "YES-1")]
    with sessions() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    engine.dispose()
    assert actions == ["hl7.sender.rejected"]


def test_connections_per_peer_are_limited(database_url: str, tmp_path: Path) -> None:
    from tests.hl7.conftest import service_settings
    from worklist.commands.hl7 import start_hl7_listener
    from worklist.db.engine import make_engine, make_session_factory

    settings = service_settings(database_url, tmp_path, hl7_max_connections_per_peer=2)
    engine = make_engine(database_url)
    listener = start_hl7_listener(settings, make_session_factory(engine))
    held = [socket.create_connection(("127.0.0.1", settings.hl7_port)) for _ in range(2)]
    try:
        time.sleep(0.2)
        assert send_raw(settings.hl7_port, b"\x0b" + result("EXTRA").encode() + b"\x1c\r") == b""
        held.pop().close()
        time.sleep(0.2)
        assert mllp_send(settings.hl7_port, result("FREED"), tmp_path=tmp_path) == [("AA", "FREED")]
    finally:
        for sock in held:
            sock.close()
        listener.shutdown()
        engine.dispose()
