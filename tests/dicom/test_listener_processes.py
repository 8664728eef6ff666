"""``worklist listener --processes 2``: two processes accept associations on one port, in turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pynetdicom import AE
from pynetdicom.association import Association
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.ingest import Status
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import LISTENER_AE, send
from worklist.db.models import InboxObject

ASSOCIATIONS = 12


LISTEN, ESTABLISHED = "0A", "01"
"""TCP states as /proc/net/tcp writes them."""


def _sockets_by_process(port: int, state: str) -> dict[int, int]:
    """How many TCP sockets on local ``port`` in ``state`` each process holds (from
    /proc/net/tcp and the processes' file descriptors)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    holders: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:
            continue
        held = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
        if held:
            holders[int(proc.name)] = held
    return holders


def _listening_processes(port: int) -> set[int]:
    return set(_sockets_by_process(port, LISTEN))


def _open_associations(port: int, count: int) -> list[Association]:
    ae = AE(ae_title="BALANCE")
    ae.add_requested_context(Verification)
    associations = [ae.associate("127.0.0.1", port, ae_title=LISTENER_AE) for _ in range(count)]
    assert all(association.is_established for association in associations)
    return associations


@pytest.mark.slow
def test_two_listener_processes_share_the_port_and_keep_every_object(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLIST_")} | {
        "WORKLIST_DATABASE_URL": database_url, "WORKLIST_DATA_DIR": str(tmp_path / "data"),
        "WORKLIST_DICOM_HOST": "127.0.0.1", "WORKLIST_DICOM_PORT": str(port),
        "WORKLIST_AE_TITLE": LISTENER_AE, "WORKLIST_BROKER_URL": "",
        "WORKLIST_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "listener.log"
    with log.open("w") as errors:  # a file, not a pipe nobody reads while the test runs
        process = subprocess.Popen(
            [sys.executable, "-m", "worklist.cli", "listener", "--processes", "2"], env=env,
            stdout=subprocess.PIPE, stderr=errors, text=True,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the supervisor says all are listening
        if not line:
            pytest.fail(f"the listener did not start: {log.read_text()[-2000:]}")
        assert "listening on" in line and "(2 processes)" in line, line
        holders = _listening_processes(port)
        assert len(holders) == 2 and process.pid not in holders, \
            "two processes, not the supervisor, each listen on the port"

        files = [[factories.write(factories.mammogram(size=32, PatientID=f"MP{a}"),
                                  tmp_path / f"{a}-{i}.dcm") for i in range(2)]
                 for a in range(ASSOCIATIONS)]
        statuses: dict[int, list[int]] = {}

        def push(association: int) -> None:
            statuses[association] = send(port, files[association])

        threads = [threading.Thread(target=push, args=(a,)) for a in range(ASSOCIATIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert all(statuses[a] == [Status.SUCCESS] * 2 for a in range(ASSOCIATIONS))
        with sessions() as session:
            rows = session.scalar(select(func.count()).select_from(InboxObject))
        assert rows == 2 * ASSOCIATIONS

        # Associations held open spread evenly: the least busy process accepts the next one.
        held = _open_associations(port, ASSOCIATIONS)
        try:
            by_process = _sockets_by_process(port, ESTABLISHED)
            ours = {pid: count for pid, count in by_process.items() if pid in holders}
            assert sum(ours.values()) == ASSOCIATIONS, by_process
            assert sorted(ours.values()) == [ASSOCIATIONS // 2] * 2, ours
        finally:
            for association in held:
                association.release()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0, "a SIGTERM stops the supervisor and both listeners cleanly"
    deadline = time.monotonic() + 10
    while _listening_processes(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening_processes(port), "no listener outlives its supervisor"
