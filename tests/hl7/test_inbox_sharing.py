"""HL7 messages share the inbox with DICOM objects, so what the operators rely on sees them too:
``/health``'s ``pending`` counts messages not processed yet, the sweeper republishes a stranded
message, and the failed page lists a message that failed and a result not matched to imaging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.spool import Spool
from hl7_io.header import parse
from hl7_io.ports import ReceivedMessage
from hl7_io.readers import read
from rules.reader import read_report
from tasks.ingest import IngestContext
from tasks.inprocess import InProcessPipeline
from tests.hl7.conftest import result
from tests.web.seed import seed
from tests.web.test_pages import login
from worklist import health
from worklist.db.models import InboxObject, InboxState
from worklist.hl7.sink import SqlMessageSink
from worklist.settings import Settings
from worklist.web.app import create_app

pytestmark = pytest.mark.slow


def _store(settings: Settings, sessions: sessionmaker[Session], message: str) -> int:
    """Keep a message as the listener does, with no pipeline behind it: it stays pending."""
    raw = message.encode()
    parsed = parse(raw)
    SqlMessageSink(sessions, Spool(settings.spool_dir)).store(ReceivedMessage(
        raw, parsed.header, read(parsed), "127.0.0.1", datetime.now(UTC) - timedelta(hours=1)))
    with sessions() as session:
        row = session.query(InboxObject).order_by(InboxObject.id.desc()).first()
        assert row is not None
        return row.id


def test_pending_counts_and_the_sweeper_republishes(settings: Settings,
                                                    sessions: sessionmaker[Session]) -> None:
    inbox_id = _store(settings, sessions, result("SWEEP-1"))
    assert health.check(settings, sessions).pending == 1
    pipeline = InProcessPipeline(IngestContext(sessions, settings, read_report))
    try:
        assert pipeline.sweep(older_than=timedelta(minutes=5)) == 1
        pipeline.dispatcher.close()
    finally:
        pipeline.stop()
    with sessions() as session:
        row = session.get(InboxObject, inbox_id)
        assert row is not None and row.state == InboxState.DONE, row.error if row else None
    assert health.check(settings, sessions).pending == 0


def test_the_failed_page_shows_failed_and_unmatched_hl7(settings: Settings,
                                                        sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    broken = _store(settings, sessions, result("FAIL-1", accession="NFP-BROKEN"))
    _store(settings, sessions, result("UNMATCHED-1", accession="NFP-ALONE"))
    with sessions() as session:
        row = session.get(InboxObject, broken)
        assert row is not None
        path = settings.spool_dir / Path(row.spool_path)
    path.write_bytes(b"MSH|^~\\&|truncated on disk")  # the file changed after it was acknowledged
    pipeline = InProcessPipeline(IngestContext(sessions, settings, read_report))
    try:
        pipeline.sweep(older_than=timedelta(0))
        pipeline.dispatcher.close()
    finally:
        pipeline.stop()
    with TestClient(create_app(settings, sessions)) as client:
        login(client, "cora")
        page = client.get("/failed").text
    assert "HL7" in page and "ORU^R01" in page and "FAIL-1" in page
    assert "HL7 message cannot be read" in page
    assert "1 result for patients no DICOM object has named yet" in page
    assert "NFP-ALONE" in page and "NFP-BROKEN" not in page.split("not matched to imaging")[1]
