"""What the listener refuses at receipt, and with which status: sequences nested too deeply for any
decoder (``0xC211``, not a resource failure a PACS retries for ever), structured reports beyond
the size, depth and item limits (``0xC213``), a called AE title that is not ours; and what it takes
without reading (an X-Ray Radiation Dose SR, kept out of scope)."""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from dicom_io import sop_classes
from dicom_io.ingest import Status
from dicom_io.ports import Limits
from tests.dicom import factories
from tests.dicom.conftest import client_ae, send
from worklist.db.models import InboxState


@contextmanager
def _deep_stack() -> Iterator[None]:
    """pydicom writes nested sequences recursively: building the attack needs a deeper stack."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _nested(levels: int, undefined_length: bool) -> Dataset:
    ds = factories.mammogram("L", "CC")
    inner = Dataset()
    inner.ReferencedSOPInstanceUID = generate_uid()
    for _ in range(levels):
        inner.is_undefined_length_sequence_item = undefined_length
        outer = Dataset()
        outer.ReferencedSeriesSequence = DicomSequence([inner])
        outer["ReferencedSeriesSequence"].is_undefined_length = undefined_length
        inner = outer
    ds.ReferencedSeriesSequence = inner.ReferencedSeriesSequence
    ds["ReferencedSeriesSequence"].is_undefined_length = undefined_length
    return ds


def _wide_sr(items: int, depth: int = 1) -> Dataset:
    """A Basic Text SR with ``items`` TEXT items, the last one nested ``depth`` levels deep."""
    ds = factories.basic_text_sr("No mass.", "BI-RADS 1.")
    finding = factories.code("121071", "DCM", "Finding")
    extra = [factories._sr_item("CONTAINS", "TEXT", finding, TextValue=f"Note {n}.")
             for n in range(items)]
    container = extra[-1] if extra else ds
    for _ in range(depth - 1):
        child = factories._sr_item("CONTAINS", "CONTAINER",
                                   factories.code("121070", "DCM", "Findings"),
                                   ContinuityOfContent="SEPARATE")
        container.ContentSequence = DicomSequence([child])
        container = child
    ds.ContentSequence.extend(extra)
    return ds


@pytest.fixture(scope="module")
def deeply_nested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """600 levels with undefined lengths (the recursive walk of main answered 0xA700) and with
    defined lengths (taken unread); built once, pydicom's recursive writer is slow."""
    folder = tmp_path_factory.mktemp("nested")
    with _deep_stack():
        return (factories.write(_nested(600, True), folder / "undefined.dcm"),
                factories.write(_nested(600, False), folder / "defined.dcm"))


def test_sequences_nested_600_deep_are_not_understood_and_never_out_of_resources(
    start_listener, deeply_nested: tuple[Path, Path], tmp_path: Path,
) -> None:
    running = start_listener()
    undefined, defined = deeply_nested
    fine = factories.write(_nested(20, True), tmp_path / "fine.dcm")
    assert send(running.port, [undefined, defined, fine]) == [
        Status.NESTED_TOO_DEEPLY, Status.NESTED_TOO_DEEPLY, Status.SUCCESS]
    assert running.row_count() == 1 and len(running.spool_files()) == 1
    assert running.incoming_files() == []


def test_structured_reports_beyond_the_limits_are_refused_before_commit(
    start_listener, tmp_path: Path,
) -> None:
    limits = Limits(max_object_bytes=512 * 2**20, max_report_bytes=64 * 1024,
                    max_report_depth=8, max_report_items=200)
    running = start_listener(limits=limits)
    many = factories.write(_wide_sr(300), tmp_path / "many.dcm")
    deep = factories.write(_wide_sr(5, depth=12), tmp_path / "deep.dcm")
    large = _wide_sr(10)
    large.ContentSequence[-1].TextValue = "x" * (100 * 1024)
    big = factories.write(large, tmp_path / "big.dcm")
    within = factories.write(_wide_sr(150, depth=6), tmp_path / "within.dcm")
    assert send(running.port, [many, deep, big, within]) == [
        Status.REPORT_BEYOND_LIMITS, Status.REPORT_BEYOND_LIMITS, Status.REPORT_BEYOND_LIMITS,
        Status.SUCCESS]
    assert running.row_count() == 1 and len(running.spool_files()) == 1


def _encoded(item: Dataset) -> bytes:
    stream = DicomBytesIO()
    stream.is_little_endian, stream.is_implicit_VR = True, False
    write_dataset(stream, item)
    return stream.getvalue()


def _report_of(items: int, path: Path) -> Path:
    """A Basic Text SR with ``items`` more TEXT items, its Content Sequence (the last element)
    written by hand: pydicom takes minutes to build and encode 100,000 items one by one."""
    ds = factories.basic_text_sr("No mass.", "BI-RADS 1.")
    sections = list(ds.ContentSequence)
    del ds.ContentSequence
    factories.write(ds, path)
    note = _encoded(factories._sr_item("CONTAINS", "TEXT", factories.code(
        "121071", "DCM", "Finding"), TextValue="Note."))
    undefined = 0xFFFFFFFF
    with path.open("ab") as out:
        out.write(struct.pack("<HH2sHL", 0x0040, 0xA730, b"SQ", 0, undefined))
        for section in sections:
            raw = _encoded(section)
            out.write(struct.pack("<HHL", 0xFFFE, 0xE000, len(raw)) + raw)
        item = struct.pack("<HHL", 0xFFFE, 0xE000, len(note)) + note
        out.write(item * items)
        out.write(struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    return path


def test_default_limits_refuse_a_report_of_100000_items(start_listener, tmp_path: Path) -> None:
    running = start_listener(limits=Limits(max_object_bytes=512 * 2**20))
    huge = _report_of(100_000, tmp_path / "huge.dcm")
    modest = _report_of(1_000, tmp_path / "modest.dcm")
    assert send(running.port, [huge, modest]) == [Status.REPORT_BEYOND_LIMITS, Status.SUCCESS]
    assert running.row_count() == 1 and len(running.spool_files()) == 1


def test_an_xray_radiation_dose_sr_is_taken_and_kept_out_of_scope(
    start_listener, tmp_path: Path,
) -> None:
    running = start_listener()
    dose = factories._sr(sop_classes.XRAY_RADIATION_DOSE_SR,
                         factories.code("113701", "DCM", "X-Ray Radiation Dose Report"), [],
                         "10001")
    dose.Modality = "SR"
    path = factories.write(dose, tmp_path / "dose.dcm")
    assert send(running.port, [path]) == [Status.SUCCESS]
    [row] = running.rows()
    assert row.state is InboxState.OUT_OF_SCOPE


def test_a_called_ae_title_that_is_not_ours_is_rejected(start_listener) -> None:
    checking = start_listener()
    wrong = client_ae().associate("127.0.0.1", checking.port, ae_title="SOMEONE_ELSE")
    assert wrong.is_rejected
    right = client_ae().associate("127.0.0.1", checking.port, ae_title="WORKLIST")
    assert right.is_established
    right.release()
    lenient = start_listener(check_called_ae=False)
    anyone = client_ae().associate("127.0.0.1", lenient.port, ae_title="SOMEONE_ELSE")
    assert anyone.is_established
    anyone.release()
