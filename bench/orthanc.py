"""Orthanc as a second ingest peer: a DICOM store that, like ours, indexes what it receives in a
database (its default SQLite index) and fsyncs its storage area (``SyncStorageArea``, on by
default), where dcmtk's storescp only writes files.

Each run gets its own generated configuration, storage and index folders and free ports; its
HTTP server listens on loopback only, for the instance count that checks the push.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.databases import free_port, wait_until

ORTHANC_AE = "ORTHANC"
BINARY_NAMES = ("Orthanc", "orthanc")


def binary() -> str | None:
    for name in BINARY_NAMES:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


def configuration(workdir: Path, dicom_port: int, http_port: int, threads: int,
                  max_pdu: int) -> dict[str, object]:
    return {
        "Name": "bench-ingest",
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "index"),
        "StorageCompression": False,
        "DicomAet": ORTHANC_AE,
        "DicomPort": dicom_port,
        "DicomCheckCalledAet": False,
        "DicomAlwaysAllowStore": True,
        "DicomThreadsCount": threads,
        "MaximumPduLength": max_pdu,
        "HttpPort": http_port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "Plugins": [],
        "SaveJobs": False,
    }


def count_instances(http_port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/statistics", timeout=30) as reply:
        return int(json.load(reply)["CountInstances"])


def _http_ready(http_port: int) -> bool:
    try:
        count_instances(http_port)
        return True
    except OSError:
        return False


@contextmanager
def running_orthanc(workdir: Path, threads: int, max_pdu: int) -> Iterator[tuple[int, int, int]]:
    """Orthanc on free ports with its own configuration; yields (DICOM port, HTTP port, pid)."""
    executable = binary()
    if executable is None:
        raise RuntimeError("Orthanc is not installed (scripts/ensure-bench-tools.sh)")
    dicom_port, http_port = free_port(), free_port()
    config = workdir / "orthanc.json"
    config.write_text(json.dumps(configuration(workdir, dicom_port, http_port, threads, max_pdu),
                                 indent=2))
    log = (workdir / "orthanc.log").open("wb")
    server = subprocess.Popen([executable, str(config)], stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        wait_until(lambda: _http_ready(http_port) or server.poll() is not None, 60, "Orthanc")
        if server.poll() is not None:
            raise RuntimeError("Orthanc stopped: "
                               + (workdir / "orthanc.log").read_text(errors="replace")[-2000:])
        yield dicom_port, http_port, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        log.close()
        time.sleep(0.1)
