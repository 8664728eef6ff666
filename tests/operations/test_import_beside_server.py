"""``worklist import`` while ``worklist serve`` runs on the same SQLite database: the imported rows
are processed before the import returns, not after the server's sweeper waits them out, and files
that are not DICOM (an export's manifest) are passed over quietly."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from dicom_io.synth import write_case
from tests.conftest import free_port
from tests.pipeline.processes import Worklist, wait_until
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import InboxObject, InboxState, Item
from worklist.demo import load_stories


def test_an_import_beside_a_running_server_is_processed_at_once(tmp_path: Path) -> None:
    http_port = free_port()
    settings = {"WORKLIST_DATA_DIR": str(tmp_path / "data"), "WORKLIST_DICOM_HOST": "127.0.0.1",
                "WORKLIST_DICOM_PORT": str(free_port()), "WORKLIST_HTTP_PORT": str(http_port),
                "WORKLIST_SWEEP_AFTER_SECONDS": "3600"}  # the server's sweeper would wait an hour
    server = Worklist(tmp_path / "run", settings)
    serving = server.start("serve", name="serve")
    try:
        def answers() -> bool:
            assert serving.running, serving.output()[-3000:]
            try:
                httpx.get(f"http://127.0.0.1:{http_port}/health", timeout=2)
            except httpx.HTTPError:
                return False
            return True

        wait_until(answers, 120, "worklist serve to answer", every=0.2)
        export = tmp_path / "export"
        story = next(s for s in load_stories() if s["id"] == "DEMO-0003")
        files = write_case(story, date.today() - timedelta(days=200), export / "DEMO-0003")
        (export / "manifest.json").write_text('{"exported": "PACS"}')

        completed = subprocess.run([sys.executable, "-m", "worklist.cli", "import", str(export)],
                                   env=server.env, capture_output=True, text=True, timeout=300)
        assert completed.returncode == 0, completed.stderr[-3000:]
        assert f"accepted {len(files)}" in completed.stdout
        assert "skipped 1 (not DICOM)" in completed.stdout

        engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'worklist.db'}")
        try:
            with make_session_factory(engine)() as session:
                pending = session.scalar(select(func.count()).select_from(InboxObject)
                                         .where(InboxObject.state == InboxState.PENDING))
                items = session.scalars(select(Item)).all()
        finally:
            engine.dispose()
        assert pending == 0, "imported rows left for a sweeper"
        assert items and all(i.backfilled_at is not None for i in items)
    finally:
        server.stop_all()
