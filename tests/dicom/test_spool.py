"""The spool's temporary and final names, and the digest the listener takes as it receives."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

import pydicom
from pydicom.filewriter import write_file_meta_info
from pynetdicom.dsutils import create_file_meta

from dicom_io.spool import Spool
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.dicom.test_listener import dataset_bytes


def test_place_then_unplace_round_trips(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spooled = spool.receive_bytes(b"object")
    placed = spool.place(spooled, "2.25.42")
    assert spool.path_of(placed).read_bytes() == b"object" and not spooled.temp_path.exists()
    spool.unplace(placed, spooled)
    assert spooled.temp_path.read_bytes() == b"object" and not list(spool.objects.rglob("*.dcm"))


def test_the_listener_hashes_the_whole_object_as_received(start_listener, tmp_path: Path) -> None:
    """The row's digest covers every byte received (pixel data included), though the spool keeps
    only the header: the file meta pynetdicom writes for the request, then the dataset sent."""
    running = start_listener()
    files = [factories.write(factories.mammogram(size=64), tmp_path / f"{i}.dcm") for i in range(2)]
    assert send(running.port, files) == [0, 0]
    expected = []
    for path in files:
        dataset = pydicom.dcmread(path)
        received = BytesIO()
        received.write(b"\x00" * 128 + b"DICM")
        write_file_meta_info(received, create_file_meta(  # type: ignore[arg-type]
            sop_class_uid=dataset.SOPClassUID, sop_instance_uid=dataset.SOPInstanceUID,
            transfer_syntax=dataset.file_meta.TransferSyntaxUID))
        received.write(dataset_bytes(path))
        expected.append((hashlib.sha256(received.getvalue()).hexdigest(), received.tell()))
    rows = running.rows()
    assert sorted((row.sha256, row.size_bytes) for row in rows) == sorted(expected)
    assert all(running.spool.path_of(row.spool_path).stat().st_size < row.size_bytes / 4
               for row in rows)
