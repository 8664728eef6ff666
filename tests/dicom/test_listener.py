"""The listener over real associations on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid
from pynetdicom.dsutils import split_dataset
from sqlalchemy import select

from dicom_io import sop_classes
from dicom_io.ingest import Status
from tests.dicom import factories
from tests.dicom.conftest import PACS_AE, client_ae, send
from worklist.db.models import AuditEntry, InboxState, ObjectCategory


def dataset_bytes(path: Path) -> bytes:
    """The encoded dataset after the file meta information (which each writer makes its own)."""
    _, offset = split_dataset(path)
    return path.read_bytes()[offset:]


def header_bytes(path: Path) -> bytes:
    """The encoded dataset up to its top-level Pixel Data element: what the spool keeps of an image."""
    data = dataset_bytes(path)
    with pydicom.dcmread(path) as dataset:
        if "PixelData" not in dataset:
            return data
        explicit = not dataset.file_meta.TransferSyntaxUID.is_implicit_VR
    pixel_tag = b"\xe0\x7f\x10\x00" + (b"O" if explicit else b"")
    return data[:data.rindex(pixel_tag)]


def _study(folder: Path) -> list[Path]:
    objects = [
        factories.mammogram("R", "CC"), factories.mammogram("R", "MLO"),
        factories.mammogram("L", "CC", ["SPOT"]), factories.tomosynthesis(),
        factories.ultrasound(), factories.basic_text_sr("Mass.", "BI-RADS 4."),
        factories.breast_imaging_sr(), factories.encapsulated_pdf(), factories.ct_chest(),
    ]
    return [factories.write(ds, folder / f"{i:02d}.dcm") for i, ds in enumerate(objects)]


def test_echo_and_store_keep_every_object(start_listener, tmp_path: Path) -> None:
    running = start_listener()
    assoc = client_ae().associate("127.0.0.1", running.port, ae_title="WORKLIST")
    assert assoc.is_established
    assert assoc.send_c_echo().Status == 0x0000
    assoc.release()

    files = _study(tmp_path / "study")
    assert send(running.port, files) == [Status.SUCCESS] * len(files)

    rows = running.rows()
    assert len(rows) == len(files) == len(running.spool_files())
    assert not running.incoming_files(), "no temporary file stays behind"
    for row, path in zip(rows, files, strict=True):
        kept = running.spool.path_of(row.spool_path)
        assert dataset_bytes(kept) == header_bytes(path), "images keep their header, the rest all"
        assert row.calling_ae == PACS_AE and row.size_bytes >= kept.stat().st_size
        assert row.study_uid == factories.STUDY_UID
    by_category = {row.category for row in rows}
    assert by_category == {ObjectCategory.IMAGE, ObjectCategory.REPORT, ObjectCategory.DOCUMENT}
    states = [row.state for row in rows]
    assert states[-1] == InboxState.OUT_OF_SCOPE, "the CT chest is recorded and set aside"
    assert states[:-1] == [InboxState.PENDING] * (len(files) - 1)


def test_duplicates_are_acknowledged_once_and_changed_content_is_a_flagged_version(
    start_listener, tmp_path: Path
) -> None:
    running = start_listener()
    uid = generate_uid()
    first = factories.write(factories.basic_text_sr("A.", "B.", sop_instance_uid=uid), tmp_path / "a.dcm")
    again = tmp_path / "again.dcm"
    again.write_bytes(first.read_bytes())
    changed = factories.write(
        factories.basic_text_sr("A, corrected.", "B.", sop_instance_uid=uid), tmp_path / "b.dcm"
    )
    assert send(running.port, [first, again, changed, changed]) == [0] * 4
    rows = running.rows()
    assert [(row.sop_instance_uid, row.version, row.conflict) for row in rows] == [
        (uid, 1, False), (uid, 2, True)
    ]
    assert len(running.spool_files()) == 2


def test_unknown_calling_ae_is_rejected_and_audited(start_listener) -> None:
    running = start_listener(allowed_aes=["PACS"])
    refused = client_ae("INTRUDER").associate("127.0.0.1", running.port, ae_title="WORKLIST")
    assert refused.is_rejected
    allowed = client_ae("PACS").associate("127.0.0.1", running.port, ae_title="WORKLIST")
    assert allowed.is_established
    allowed.release()
    with running.sessions() as session:
        entries = session.scalars(select(AuditEntry)).all()
    assert [(e.action, e.detail["calling_ae"]) for e in entries] == [
        ("dicom.association.rejected", "INTRUDER")
    ]


def test_bad_objects_get_failure_statuses_and_the_listener_keeps_serving(
    start_listener, tmp_path: Path
) -> None:
    running = start_listener(max_object_bytes=64 * 1024)
    good = factories.write(factories.mammogram(size=64), tmp_path / "good.dcm")
    truncated = factories.truncated_copy(
        factories.write(factories.mammogram(size=64), tmp_path / "whole.dcm"), tmp_path / "cut.dcm"
    )
    mismatch = factories.write_claiming(
        factories.ct_chest(), tmp_path / "mismatch.dcm", sop_classes.MAMMOGRAPHY_PRESENTATION
    )
    malformed = factories.write(factories.malformed_sr(), tmp_path / "malformed.dcm")
    too_large = factories.write(factories.mammogram(size=256), tmp_path / "large.dcm")
    bad_uid_ds = factories.mammogram(size=64)
    bad_uid_ds.SOPInstanceUID = bad_uid_ds.file_meta.MediaStorageSOPInstanceUID = "1.2.03.x/.."
    bad_uid = factories.write(bad_uid_ds, tmp_path / "baduid.dcm")

    statuses = send(running.port, [truncated, mismatch, malformed, too_large, bad_uid, good])
    assert statuses == [
        Status.CANNOT_UNDERSTAND, Status.DOES_NOT_MATCH_SOP_CLASS, Status.MALFORMED_REPORT,
        Status.TOO_LARGE, Status.CANNOT_UNDERSTAND, Status.SUCCESS,
    ]
    # A fresh association is served as well, and only the good object was kept.
    assert send(running.port, [good]) == [Status.SUCCESS]
    assert running.row_count() == 1 and len(running.spool_files()) == 1
    assert not running.incoming_files()


@pytest.mark.slow
def test_ten_concurrent_associations_lose_nothing(start_listener, tmp_path: Path) -> None:
    running = start_listener()
    per_association = 30
    batches = [
        [factories.write(factories.mammogram(size=32, PatientID=f"P{a}"), tmp_path / f"{a}-{i}.dcm")
         for i in range(per_association)]
        for a in range(10)
    ]
    results: dict[int, list[int]] = {}

    def push(index: int) -> None:
        results[index] = send(running.port, batches[index])

    threads = [threading.Thread(target=push, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(results[i] == [0] * per_association for i in range(10))
    total = 10 * per_association
    rows = running.rows()
    assert len(rows) == total == len(running.spool_files())
    sent = {p.name for batch in batches for p in batch}
    assert len({row.sop_instance_uid for row in rows}) == len(sent)
