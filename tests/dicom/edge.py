"""Helpers for the edge tests: a study on disk, dcmtk's storescu timed, and the peers that flood
the port (from other loopback addresses, as other hosts would)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import service_missing
from tests.dicom import factories

ATTACKER = "127.0.0.2"
"""Idle sockets come from here; the port scanner from SCANNER; the PACS from 127.0.0.1."""
SCANNER = "127.0.0.3"


def study(folder: Path) -> list[Path]:
    objects = [factories.mammogram("R", "CC"), factories.mammogram("L", "MLO"),
               factories.basic_text_sr("No mass.", "BI-RADS 1.")]
    return [factories.write(ds, folder / f"{i}.dcm") for i, ds in enumerate(objects)]


def storescu(port: int, folder: Path, called_ae: str = "WORKLIST",
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("storescu")
    if tool is None:
        service_missing("dcmtk's storescu")
    return subprocess.run(
        [str(tool), "-R", "-to", "10", "-ta", "10", "-aet", "PACS", "-aec", called_ae,
         "127.0.0.1", str(port), "+sd", str(folder)],
        capture_output=True, text=True, env=os.environ | {"TCP_NODELAY": "1"}, timeout=timeout)


def connect_from(source: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    return sock


@contextmanager
def idle_sockets(port: int, count: int, source: str = ATTACKER) -> Iterator[list[socket.socket]]:
    """Connections that never send a byte, held until the block ends."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = connect_from(source, port)
            stack.callback(sock.close)
            sockets.append(sock)
        yield sockets


def port_scan(port: int, times: int = 20, source: str = SCANNER) -> None:
    """Connect and close at once, as a scanner or a TCP health probe does."""
    for _ in range(times):
        connect_from(source, port).close()


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    """Whether the listener closed ``sock`` within ``within`` seconds (a read returns nothing)."""
    sock.settimeout(within)
    started = time.monotonic()
    try:
        while time.monotonic() - started < within:
            if sock.recv(4096) == b"":
                return True
    except TimeoutError:
        return False
    except OSError:
        return True
    return False
