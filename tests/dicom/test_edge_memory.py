"""A peer's claims do not become the listener's memory: a PDU announcing 4 GiB is refused at its
header, before and after association (measured on a real ``worklist listener`` from /proc). The
same process shows the default bind: loopback only, said at start-up."""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.dicom.conftest import client_ae
from tests.dicom.edge import ATTACKER, connect_from
from tests.pipeline.processes import Worklist

FLOOD_BYTES = 256 * 2**20
"""How much a peer tries to push after its 4 GiB header (the listener used to keep all of it)."""
FOUR_GIB = 0xFFFFFFFF


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _push(sock: socket.socket, header: bytes, total: int) -> int:
    """Send ``header`` then zeros until ``total`` bytes, the peer closes, or it stops reading."""
    sock.settimeout(3)
    chunk = bytes(2**20)
    sent = 0
    try:
        sock.sendall(header)
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)
    except (OSError, TimeoutError):
        pass
    return sent


def _routable_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a source address
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_a_pdu_announcing_4_gib_does_not_grow_the_listener(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    worklist = Worklist(tmp_path / "run", {
        "WORKLIST_DATABASE_URL": database_url, "WORKLIST_DATA_DIR": str(tmp_path / "data"),
        "WORKLIST_DICOM_PORT": str(port),  # no WORKLIST_DICOM_HOST: the default bind
    })
    listener = worklist.start("listener", name="listener")
    try:
        listener.wait_for("listening on", 90)
        assert f"listening on 127.0.0.1:{port}" in listener.output()
        outside = _routable_address()
        if outside is not None:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()

        before = _rss_mb(listener.popen.pid)
        # Before associating: an A-ASSOCIATE-RQ header claiming 4 GiB, then zeros.
        unassociated = connect_from(ATTACKER, port)
        sent_unassociated = _push(unassociated, struct.pack(">BBL", 0x01, 0, FOUR_GIB),
                                  FLOOD_BYTES)
        unassociated.close()
        # After associating: a P-DATA-TF header claiming 4 GiB, then zeros.
        assoc = client_ae().associate("127.0.0.1", port, ae_title="WORKLIST")
        assert assoc.is_established
        raw = assoc.dul.socket.socket
        assert raw is not None
        sent_associated = _push(raw, struct.pack(">BBL", 0x04, 0, FOUR_GIB), FLOOD_BYTES)
        assoc.abort()
        time.sleep(0.5)
        after = _rss_mb(listener.popen.pid)
        print(f"\nlistener RSS {before:.0f} MiB before, {after:.0f} MiB after two 4 GiB PDU "
              f"headers ({sent_unassociated / 2**20:.0f} and {sent_associated / 2**20:.0f} MiB "
              f"of zeros taken)")
        assert sent_unassociated < 32 * 2**20, "the listener kept reading an oversized request"
        assert sent_associated < 32 * 2**20, "the listener kept reading an oversized PDU"
        assert after - before < 32, f"RSS grew from {before:.0f} to {after:.0f} MiB"

        echo = client_ae().associate("127.0.0.1", port, ae_title="WORKLIST")
        assert echo.is_established
        assert echo.send_c_echo().Status == 0x0000
        echo.release()
        assert listener.running
    finally:
        listener.stop()
