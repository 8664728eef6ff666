"""A listener killed in the middle of the traffic (SIGKILL of the ``worklist hl7`` process, between
receipt and ACK or anywhere else) loses nothing it acknowledged and processes nothing twice: the
sender resends what got no AA, as MLLP senders do, and the repeat is recognised."""

from __future__ import annotations

import os
import random
import socket
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import REPO_ROOT, free_port
from tests.hl7.conftest import result
from tests.pipeline.harness import wait_idle
from tests.pipeline.processes import Process, wait_until
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import Channel, Hl7Result, InboxObject, InboxState

pytestmark = pytest.mark.slow

MESSAGES = 40
KILLS = 3


def _listener(url: str, data: Path, port: int, log: Path) -> Process:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "WORKLIST_DATABASE_URL": url,
           "WORKLIST_DATA_DIR": str(data), "WORKLIST_HL7_PORT": str(port),
           "WORKLIST_HL7_HOST": "127.0.0.1", "WORKLIST_BROKER_URL": "",
           "WORKLIST_DICOM_PORT": str(free_port())}
    process = Process([sys.executable, "-m", "worklist.cli", "hl7"], log, env, REPO_ROOT)
    process.wait_for("HL7 listening on", 60)
    return process


def _send_one(port: int, message: bytes) -> bytes | None:
    """The answer to one framed message, or None when the connection broke first."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"\x0b" + message + b"\x1c\r")
            answer = b""
            while not answer.endswith(b"\x1c\r"):
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                answer += chunk
            return answer
    except OSError:
        return None


def test_killed_listener_loses_nothing_acknowledged(postgres_url: str, tmp_path: Path) -> None:
    port = free_port()
    messages = {f"K-{n:03d}": result(f"K-{n:03d}", accession=f"NFP-K{n:03d}").encode()
                for n in range(MESSAGES)}
    acknowledged: set[str] = set()
    pending = list(messages)
    chance = random.Random(16)
    process = _listener(postgres_url, tmp_path / "data", port, tmp_path / "hl7-1.log")
    for cycle in range(KILLS + 1):
        deadline = time.monotonic() + (chance.uniform(0.2, 0.8) if cycle < KILLS else 120)
        while pending and time.monotonic() < deadline:
            control_id = pending[0]
            answer = _send_one(port, messages[control_id])
            if answer is not None and b"MSA|AA|" + control_id.encode() in answer:
                acknowledged.add(control_id)
                pending.pop(0)
            elif answer is not None:
                raise AssertionError(f"{control_id} answered {answer!r}")
            else:
                break  # the listener is gone: resend after it is back
        if cycle < KILLS:
            # Half a message on the wire when the process dies: never stored.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as partial:
                partial.sendall(b"\x0b" + result("HALF", accession="NFP-HALF").encode()[:300])
                process.kill()
            process = _listener(postgres_url, tmp_path / "data", port,
                                tmp_path / f"hl7-{cycle + 2}.log")
    assert not pending and acknowledged == set(messages)

    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        wait_idle(sessions, timeout=120)
        with sessions() as session:
            rows = session.scalars(select(InboxObject).where(
                InboxObject.channel == Channel.HL7)).all()
            # Every acknowledged message once; the half message never.
            assert sorted(r.hl7_control_id for r in rows) == sorted(messages)
            assert all(r.state == InboxState.DONE for r in rows), [r.error for r in rows]
            for row in rows:
                spooled = tmp_path / "data" / "spool" / row.spool_path
                assert spooled.read_bytes() == messages[row.hl7_control_id]
            # Processed once each: one result version per message, one per accession.
            versions = session.execute(select(Hl7Result.accession, func.count()).group_by(
                Hl7Result.accession)).all()
            assert sorted(versions) == sorted((f"NFP-K{n:03d}", 1) for n in range(MESSAGES))
    finally:
        process.stop()
        engine.dispose()
    wait_until(lambda: not process.running, 10, "the listener to stop")


def test_killed_between_receipt_and_ack_keeps_nothing_half_stored(postgres_url: str,
                                                                  tmp_path: Path) -> None:
    """The message is received and its bytes fsynced, its row not committed yet (the test holds a
    lock on the inbox) when the process dies: no AA went out. The insert already sent may still
    commit once the lock goes (the database finishes a statement whose client died): either way
    the sender's resend is answered AA and the message is kept and processed once."""
    import threading

    import psycopg

    port = free_port()
    data = tmp_path / "data"
    message = result("BETWEEN-1", accession="NFP-BETWEEN").encode()
    process = _listener(postgres_url, data, port, tmp_path / "hl7-a.log")
    answers: list[bytes | None] = []
    with psycopg.connect(postgres_url) as blocker:
        blocker.execute("LOCK TABLE inbox_objects IN ACCESS EXCLUSIVE MODE")
        sender = threading.Thread(target=lambda: answers.append(_send_one(port, message)))
        sender.start()
        objects = data / "spool" / "objects"
        # Fsynced under its final name, its row waiting for the lock.
        wait_until(lambda: objects.exists() and any(objects.rglob("*.hl7")), 30,
                   "the message's bytes in the spool")
        process.kill()
        sender.join(30)
        blocker.rollback()
    assert answers == [None]  # the sender saw no answer: it will resend
    process = _listener(postgres_url, data, port, tmp_path / "hl7-b.log")
    engine = make_engine(postgres_url)
    try:
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.count(InboxObject.id))) in (0, 1)
        answer = _send_one(port, message)
        assert answer is not None and b"MSA|AA|BETWEEN-1" in answer
        wait_idle(make_session_factory(engine), timeout=60)
        with make_session_factory(engine)() as session:
            [row] = session.scalars(select(InboxObject)).all()
            assert row.state == InboxState.DONE and row.hl7_control_id == "BETWEEN-1"
            assert (data / "spool" / row.spool_path).read_bytes() == message
            assert session.scalar(select(func.count(Hl7Result.id))) == 1
    finally:
        process.stop()
        engine.dispose()
