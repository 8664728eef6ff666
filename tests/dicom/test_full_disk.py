"""A full disk answers 0xA700 (Out of Resources) and leaves no file: on a real, small filesystem
(a 6 MiB tmpfs holding the data directory), pushed to by dcmtk's storescu."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_io.spool import Spool
from tests.dicom import factories
from tests.dicom.listener_process import ListenerProcess, storescu

pytestmark = [pytest.mark.slow, pytest.mark.dcmtk]
DISK_MIB = 6


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "data"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m,mode=0700", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _used_bytes(mount: Path) -> int:
    stats = os.statvfs(mount)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_full_disk_answers_out_of_resources_and_leaves_no_file(
    database_url: str, small_disk: Path, tmp_path: Path
) -> None:
    listener = ListenerProcess(database_url, small_disk).start()
    spool = Spool(small_disk / "spool")
    try:
        # A report is kept whole: 8 MiB cannot fit on 6.
        report = factories.basic_text_sr("Mass. " * (8 * 1024 * 1024 // 6), "BI-RADS 4.")
        too_big = factories.write(report, tmp_path / "report.dcm")
        baseline = _used_bytes(small_disk)
        for _ in range(3):  # the sender retries: no orphan file per retry
            assert storescu(listener.port, too_big) == [0xA700]
            assert not spool.partial_files() and not list(spool.objects.rglob("*.dcm"))
            assert _used_bytes(small_disk) - baseline < 256 * 1024
        # An image keeps only its header: a 32 MiB tomosynthesis object fits on the same disk.
        dbt = factories.write(factories.tomosynthesis(frames=16, size=1024), tmp_path / "dbt.dcm")
        assert storescu(listener.port, dbt) == [0x0000]
        kept = list(spool.objects.rglob("*.dcm"))
        assert len(kept) == 1 and kept[0].stat().st_size < 64 * 1024
        assert not spool.partial_files()
    finally:
        listener.stop()
