"""The spool keeps an image's header and the hash of the whole object, never its pixel data; the
hash still tells a duplicate (acknowledged once) from a changed object under the same SOP Instance
UID (a new version, flagged as a conflict), even when only pixels changed. dcmtk's storescu sends."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from tests.dicom import factories
from tests.dicom.listener_process import storescu

pytestmark = pytest.mark.dcmtk


def test_an_image_keeps_its_header_and_a_pixel_change_is_still_a_conflict(
    start_listener, tmp_path: Path
) -> None:
    running = start_listener()
    dbt = factories.tomosynthesis(frames=8, size=256)
    first = factories.write(dbt, tmp_path / "first.dcm")
    dbt.PixelData = b"\x01" + dbt.PixelData[1:]  # one pixel differs, the header is the same
    changed = factories.write(dbt, tmp_path / "changed.dcm")
    report = factories.write(factories.basic_text_sr("Mass.", "BI-RADS 4."), tmp_path / "sr.dcm")

    assert storescu(running.port, first, first, changed, changed, report) == [0x0000] * 5

    rows = running.rows()
    assert [(row.sop_instance_uid, row.version, row.conflict) for row in rows] == [
        (dbt.SOPInstanceUID, 1, False), (dbt.SOPInstanceUID, 2, True),
        (rows[2].sop_instance_uid, 1, False),
    ]
    size = first.stat().st_size
    for row in rows[:2]:
        kept = running.spool.path_of(row.spool_path)
        assert kept.stat().st_size < size / 100, "no pixel data in the spool"
        header = pydicom.dcmread(kept)
        assert "PixelData" not in header and header.NumberOfFrames == 8
        assert row.size_bytes >= size - 1024, "the row records the whole object's size"
    kept_report = running.spool.path_of(rows[2].spool_path)
    assert pydicom.dcmread(kept_report).ContentSequence == pydicom.dcmread(report).ContentSequence
    assert not running.incoming_files()
