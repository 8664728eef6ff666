"""Connections that never associate hold no association slot: health checks, idle sockets and port
scans leave room for a real sender (PS3.8 ARTIM, a per-peer limit, /health from the listener's own
state). dcmtk's storescu plays the PACS, from 127.0.0.1; the flood comes from other loopback
addresses, as other hosts would."""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import free_port
from tests.dicom.edge import (
    ATTACKER,
    closed_by_peer,
    connect_from,
    idle_sockets,
    port_scan,
    storescu,
    study,
)
from tests.pipeline.processes import Process, Worklist, wait_until
from worklist import health
from worklist.commands.listener import RunningListener, start_listener
from worklist.db.models import InboxObject
from worklist.settings import Settings

pytestmark = pytest.mark.dcmtk


@pytest.fixture
def listening(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[tuple[Settings, RunningListener]]:
    own = settings.model_copy(update={"dicom_host": "127.0.0.1", "dicom_port": free_port(),
                                      "dicom_artim_seconds": 2.0})
    running = start_listener(own, sessions)
    try:
        yield own, running
    finally:
        running.shutdown()


def _rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboxObject)) or 0)


def test_health_flood_idle_sockets_and_port_scan_leave_room_for_storescu(
    listening: tuple[Settings, RunningListener], sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    settings, running = listening
    files = study(tmp_path / "study")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        # What GET /health runs, 100 times.
        checks = [pool.submit(health.check, settings, sessions) for _ in range(100)]
        with idle_sockets(settings.dicom_port, 40):
            port_scan(settings.dicom_port)
            held = len(running.server.active_associations)
            flooded = time.monotonic() - started
            stored = storescu(settings.dicom_port, tmp_path / "study")
            elapsed = time.monotonic() - started
            states = [check.result() for check in checks]
    print(f"\nassociation slots held by the flood: {held}; storescu started "
          f"{flooded:.2f} s and done {elapsed:.2f} s after the flood began")
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert _rows(sessions) == len(files)
    assert elapsed < 2.0
    assert held == 0, "connections that never associated hold association slots"
    assert {state.listener for state in states} == {"ok"}


def test_one_peer_cannot_take_every_connection_and_silent_ones_are_closed(
    listening: tuple[Settings, RunningListener], sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    settings, _ = listening
    study(tmp_path / "study")
    limit = settings.dicom_max_connections_per_peer
    with idle_sockets(settings.dicom_port, limit + 4) as sockets:
        over = sockets[limit:]
        assert all(closed_by_peer(sock, 1.0) for sock in over), "over the per-peer limit"
        # The PACS, another address, still gets in while the attacker holds its share.
        stored = storescu(settings.dicom_port, tmp_path / "study")
        assert stored.returncode == 0, stored.stdout + stored.stderr
        # ARTIM: nothing sent within the bound, the connection is closed.
        started = time.monotonic()
        assert all(closed_by_peer(sock, settings.dicom_artim_seconds + 1.5)
                   for sock in sockets[:limit])
        assert time.monotonic() - started < settings.dicom_artim_seconds + 1.5
    with idle_sockets(settings.dicom_port, 1) as again:  # its share is free again
        assert not closed_by_peer(again[0], 0.3)


def test_an_oversized_or_wrong_first_pdu_is_aborted_unread(
    listening: tuple[Settings, RunningListener],
) -> None:
    settings, running = listening
    oversized = connect_from(ATTACKER, settings.dicom_port)
    oversized.sendall(struct.pack(">BBL", 0x01, 0, 1024 * 1024))  # an A-ASSOCIATE-RQ of 1 MiB
    answer = oversized.recv(16)
    assert answer[:1] == b"\x07", "expected an A-ABORT"
    assert closed_by_peer(oversized, 1.0)
    wrong = connect_from(ATTACKER, settings.dicom_port)
    wrong.sendall(struct.pack(">BBL", 0x04, 0, 4) + b"\0" * 4)  # P-DATA before associating
    assert wrong.recv(16)[:1] == b"\x07"
    assert closed_by_peer(wrong, 1.0)
    assert len(running.server.active_associations) == 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Process, str, int]]:
    http_port, dicom_port = free_port(), free_port()
    worklist = Worklist(tmp_path / "run", {
        "WORKLIST_DATA_DIR": str(tmp_path / "data"), "WORKLIST_DICOM_PORT": str(dicom_port),
        "WORKLIST_HTTP_PORT": str(http_port),
    })
    process = worklist.start("serve", name="serve")
    base = f"http://127.0.0.1:{http_port}"

    def answers() -> bool:
        assert process.running, process.output()[-3000:]
        try:
            return httpx.get(base + "/health", timeout=5).json()["listener"] == "ok"
        except (httpx.HTTPError, ValueError, KeyError):
            return False

    wait_until(answers, 120, "worklist serve to report its listener", every=0.2)
    try:
        yield process, base, dicom_port
    finally:
        process.stop()


def test_serve_answers_a_study_while_health_is_polled_and_idle_sockets_are_open(
    served: tuple[Process, str, int], tmp_path: Path,
) -> None:
    process, base, dicom_port = served
    files = study(tmp_path / "study")
    stop = threading.Event()
    answers: list[str] = []

    def poll() -> None:
        with httpx.Client(base_url=base, timeout=5) as client:
            while not stop.is_set():
                answers.append(client.get("/health").json()["listener"])
                stop.wait(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        with idle_sockets(dicom_port, 40):
            time.sleep(1.0)  # /health has been polled ten times by now
            started = time.monotonic()
            stored = storescu(dicom_port, tmp_path / "study")
            elapsed = time.monotonic() - started
    finally:
        stop.set()
        poller.join(timeout=10)
    print(f"\nworklist serve took the study in {elapsed:.2f} s under the flood")
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert elapsed < 2.0
    assert len(answers) >= 10 and set(answers) == {"ok"}, answers
    # The address it bound was said at start-up: loopback unless configured.
    assert f"on 127.0.0.1:{dicom_port}" in process.output()
    assert len(files) == 3
