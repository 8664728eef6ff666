"""A large object is received without holding it in memory (measured from /proc), and only its
header stays on disk."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import client_ae, send

OBJECT_MB = 300


def _memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0])
    return fields


@pytest.mark.slow
def test_large_tomosynthesis_object_keeps_listener_memory_low(
    database_url: str, tmp_path: Path
) -> None:
    frames = OBJECT_MB // 2  # 1024 x 1024 x 16 bit = 2 MiB per frame
    big = factories.write(factories.tomosynthesis(frames=frames, size=1024), tmp_path / "big.dcm")
    size = big.stat().st_size
    port = free_port()
    env = os.environ | {
        "WORKLIST_DATABASE_URL": database_url, "WORKLIST_DATA_DIR": str(tmp_path / "data"),
        "WORKLIST_DICOM_HOST": "127.0.0.1", "WORKLIST_DICOM_PORT": str(port),
        "WORKLIST_ALLOWED_AES": "", "WORKLIST_BROKER_URL": "",
        "WORKLIST_MAX_OBJECT_BYTES": str(2 * size),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "worklist.cli", "listener"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assoc = client_ae().associate("127.0.0.1", port, ae_title="WORKLIST")
            if assoc.is_established:
                assoc.release()
                break
            assert time.monotonic() < deadline, "listener did not start"
            time.sleep(0.3)
        before = _memory_kb(process.pid)
        assert send(port, [big]) == [0x0000]
        after = _memory_kb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    kept = list((tmp_path / "data" / "spool" / "objects").rglob("*.dcm"))
    disk = kept[0].stat().st_blocks * 512 if len(kept) == 1 else -1
    assert len(kept) == 1 and 0 < kept[0].stat().st_size < 64 * 1024, "the header only is kept"
    peak_mb = after["VmHWM"] / 1024
    print(f"\nobject {size / 2**20:.0f} MiB, {size} bytes; kept in the spool: "
          f"{kept[0].stat().st_size} bytes ({disk} on disk); listener RSS before "
          f"{before['VmRSS'] / 1024:.0f} MiB, peak {peak_mb:.0f} MiB")
    # The process starts at ~150 MiB (the CLI imports the whole product); receipt must add only
    # buffers, a small fraction of the object.
    growth = (after["VmHWM"] - before["VmRSS"]) * 1024
    assert growth < min(size / 4, 96 * 2**20), f"peak grew by {growth / 2**20:.0f} MiB"
