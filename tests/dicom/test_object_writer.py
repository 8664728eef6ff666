"""The spool's writer keeps an image's header and drops its pixel data as the bytes go by, hashes
the whole object, knows whether it ended whole, and stops at the size limit."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    ExplicitVRBigEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
)

from dicom_io.object_writer import ObjectWriter
from dicom_io.readers.objects import read_object
from tests.dicom import factories


def _element_start(path: Path) -> int:
    """The offset of the top-level Pixel Data tag, found by reading the file element by element."""
    data = path.read_bytes()
    dataset = pydicom.dcmread(path, stop_before_pixels=True)
    little = not dataset.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    tag = b"\xe0\x7f\x10\x00" if little else b"\x7f\xe0\x00\x10"
    return data.rindex(tag)


def _feed(path: Path, target: Path, chunks: list[int], **options: object) -> tuple[ObjectWriter, object]:
    data = path.read_bytes()
    writer = ObjectWriter(target, **options)  # type: ignore[arg-type]
    at = 0
    sizes = iter(chunks)
    while at < len(data):
        step = next(sizes, 65536)
        writer.write(data[at:at + step])
        at += step
    return writer, writer.finish()


def _icon_mammogram() -> Dataset:
    """A mammogram with an Icon Image Sequence: pixel data nested in an item stays in the header."""
    ds = factories.mammogram(size=64)
    icon = Dataset()
    icon.Rows = icon.Columns = 4
    icon.SamplesPerPixel = 1
    icon.BitsAllocated = 8
    icon.PixelData = bytes(16)
    ds.IconImageSequence = DicomSequence([icon])
    ds.add_new(0xFFFCFFFC, "OB", bytes(8))  # trailing padding after the pixel data
    return ds


def _encapsulated() -> Dataset:
    ds = factories.tomosynthesis(frames=3, size=32)
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([bytes(range(200)) * 3, b"\x01" * 501, b"\x02" * 77])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return ds


def _implicit() -> Dataset:
    ds = factories.mammogram(size=32)
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    return ds


def _big_endian() -> Dataset:
    ds = factories.mammogram(size=32)
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    return ds


IMAGES = {"icon-and-trailer": _icon_mammogram, "encapsulated": _encapsulated,
          "implicit": _implicit, "big-endian": _big_endian}


@pytest.mark.parametrize("name", sorted(IMAGES))
@pytest.mark.parametrize("chunking", ["one-byte", "odd", "whole"])
def test_an_image_keeps_exactly_its_header_and_the_hash_of_everything(
    tmp_path: Path, name: str, chunking: str
) -> None:
    source = factories.write(IMAGES[name](), tmp_path / "sent.dcm")
    data = source.read_bytes()
    chunks = {"one-byte": [1] * len(data), "odd": [random.Random(7).choice([1, 3, 7, 13, 501])
                                                   for _ in range(len(data))],
              "whole": [len(data)]}[chunking]
    writer, written = _feed(source, tmp_path / "kept.part", chunks)
    kept = (tmp_path / "kept.part").read_bytes()
    assert kept == data[:_element_start(source)]
    assert written.complete is True and not written.over_limit and written.write_error is None
    assert written.spooled.sha256 == hashlib.sha256(data).hexdigest()
    assert written.spooled.size_bytes == len(data) and written.kept_bytes == len(kept)
    assert read_object(tmp_path / "kept.part").sop_instance_uid == pydicom.dcmread(source).SOPInstanceUID


def test_a_report_and_a_document_are_kept_whole(tmp_path: Path) -> None:
    for index, dataset in enumerate([factories.basic_text_sr("Mass.", "BI-RADS 4."),
                                     factories.encapsulated_pdf()]):
        source = factories.write(dataset, tmp_path / f"{index}.dcm")
        _, written = _feed(source, tmp_path / f"{index}.part", [333] * 10_000)
        assert (tmp_path / f"{index}.part").read_bytes() == source.read_bytes()
        assert written.complete is None, "not walked: the full check decides"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_an_image_cut_short_anywhere_is_incomplete(tmp_path: Path, name: str) -> None:
    source = factories.write(IMAGES[name](), tmp_path / "sent.dcm")
    data = source.read_bytes()
    start = _element_start(source)
    cuts = sorted({start - 1, start + 1, start + 9, len(data) - 1, len(data) - 7,
                   *random.Random(3).sample(range(300, len(data) - 1), 20)})
    for cut in cuts:
        truncated = tmp_path / f"cut-{cut}.dcm"
        truncated.write_bytes(data[:cut])
        _, written = _feed(truncated, tmp_path / f"cut-{cut}.part", [4096] * 1000)
        assert written.complete is False, f"cut at {cut} of {len(data)}"


def test_writing_stops_at_the_limit_and_the_bytes_are_given_back(tmp_path: Path) -> None:
    source = factories.write(factories.basic_text_sr("A.", "B."), tmp_path / "sr.dcm")
    size = source.stat().st_size
    writer, written = _feed(source, tmp_path / "big.part", [100] * 10_000, max_bytes=size // 2)
    assert written.over_limit and written.spooled.size_bytes == size
    assert (tmp_path / "big.part").stat().st_size == 0, "nothing kept past the limit"
    writer.discard()
    assert not (tmp_path / "big.part").exists()
