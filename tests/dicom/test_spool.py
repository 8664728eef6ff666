"""The spool takes over the listener's received file: a rename on its filesystem, else a copy."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from dicom_io import spool as spool_module
from dicom_io.ports import SpooledFile
from dicom_io.spool import Spool
from tests.dicom import factories
from tests.dicom.conftest import send


def test_adopt_moves_the_file_and_reports_its_size_and_hash(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    received = tmp_path / "spool" / "incoming" / "tmp-from-pynetdicom.dcm"
    received.parent.mkdir(parents=True)
    received.write_bytes(b"DICM" * 1000)
    spooled = spool.adopt(received)
    assert not received.exists(), "moved, not copied"
    assert spooled.temp_path.read_bytes() == b"DICM" * 1000
    assert spooled.size_bytes == 4000
    assert spooled.sha256 == hashlib.sha256(b"DICM" * 1000).hexdigest()


def test_adopt_copies_across_filesystems_and_leaves_the_source_to_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cross_device(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(spool_module.os, "rename", cross_device)
    spool = Spool(tmp_path / "spool")
    received = tmp_path / "elsewhere.dcm"
    received.write_bytes(b"x" * 10)
    spooled = spool.adopt(received)
    assert received.exists() and spooled.temp_path.read_bytes() == b"x" * 10
    assert spooled.sha256 == hashlib.sha256(b"x" * 10).hexdigest()


def test_place_then_unplace_round_trips(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spooled = spool.receive_bytes(b"object")
    placed = spool.place(spooled, "2.25.42")
    assert spool.path_of(placed).read_bytes() == b"object" and not spooled.temp_path.exists()
    spool.unplace(placed, spooled)
    assert spooled.temp_path.read_bytes() == b"object" and not list(spool.objects.rglob("*.dcm"))


def test_the_listener_hashes_while_receiving_and_the_digest_is_the_files(
    start_listener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[str | None] = []
    adopt = Spool.adopt

    def recording(self: Spool, source: Path, sha256: str | None = None) -> SpooledFile:
        given.append(sha256)
        return adopt(self, source, sha256)

    monkeypatch.setattr(Spool, "adopt", recording)
    running = start_listener()
    files = [factories.write(factories.mammogram(size=64), tmp_path / f"{i}.dcm") for i in range(2)]
    assert send(running.port, files) == [0, 0]
    assert len(given) == 2 and None not in given, "no second read of the received file"
    assert sorted(given) == sorted(row.sha256 for row in running.rows())
    assert sorted(given) == sorted(hashlib.sha256(p.read_bytes()).hexdigest()
                                   for p in running.spool_files())
