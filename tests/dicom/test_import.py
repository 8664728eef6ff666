"""``worklist import PATH``: the same path as the listener, with a summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

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
    monkeypatch.setenv("WORKLIST_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(settings.data_dir))
    from worklist.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["import", str(folder)])
    finally:
        get_settings.cache_clear()
    assert "accepted 3, duplicate 1, out of scope 1, rejected 2" in result.output
    assert result.exit_code == 1, "rejected files make the exit status say so"
    with sessions() as session:
        rows = session.scalars(select(InboxObject)).all()
    assert len(rows) == 4 and sum(r.state == InboxState.OUT_OF_SCOPE for r in rows) == 1
    assert {r.calling_ae for r in rows} == {"IMPORT"}
