"""``worklist import PATH``: the same path as the listener, with a summary; files that are not
DICOM are skipped quietly, and the imported rows are processed before the command returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tests.dicom import factories
from worklist.cli import app
from worklist.db.models import InboxObject, InboxState
from worklist.settings import Settings


def test_import_counts_accepted_duplicate_out_of_scope_and_rejected(
    settings: Settings, sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "backfill"
    good = [factories.write(ds, folder / f"{i}.dcm") for i, ds in enumerate(
        [factories.mammogram(), factories.basic_text_sr("a", "b"), factories.breast_imaging_sr()])]
    (folder / "copy.dcm").write_bytes(good[0].read_bytes())
    factories.write(factories.ct_chest(), folder / "ct.dcm")
    factories.truncated_copy(good[0], folder / "cut.dcm")
    (folder / "notes.txt").write_text("not DICOM")
    result = _import(folder, settings, monkeypatch)
    assert "accepted 3, duplicate 1, out of scope 1, rejected 1, skipped 1" in result.output
    assert result.exit_code == 1, "a damaged DICOM file makes the exit status say so"
    with sessions() as session:
        rows = session.scalars(select(InboxObject)).all()
    assert len(rows) == 4 and sum(r.state == InboxState.OUT_OF_SCOPE for r in rows) == 1
    assert {r.calling_ae for r in rows} == {"IMPORT"}


def test_files_that_are_not_dicom_are_skipped_and_rows_are_processed_at_once(
    settings: Settings, sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "export"
    factories.write(factories.mammogram(), folder / "study" / "1.dcm")
    factories.write(factories.basic_text_sr("Left breast mass.", "BI-RADS 4."),
                    folder / "study" / "2.dcm")
    (folder / "manifest.json").write_text('{"studies": 1}')
    (folder / "study" / "README").write_text("exported from PACS")
    # Processed by the import itself: no sweeper would pick these rows up within the test.
    monkeypatch.setenv("WORKLIST_SWEEP_AFTER_SECONDS", "3600")

    result = _import(folder, settings, monkeypatch)

    assert result.exit_code == 0, result.output
    assert "accepted 2, duplicate 0, out of scope 0, rejected 0, skipped 2" in result.output
    with sessions() as session:
        states = sorted(r.state for r in session.scalars(select(InboxObject)))
    assert states == [InboxState.DONE, InboxState.DONE], "nothing left for a sweeper"


def _import(folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.setenv("WORKLIST_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(settings.data_dir))
    from worklist.settings import get_settings

    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["import", str(folder)])
    finally:
        get_settings.cache_clear()
