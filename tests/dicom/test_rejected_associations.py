"""A peer that is refused and retries in a loop cannot flood the audit trail: one entry per
peer and minute, the repeats counted; and the audit CSV escapes what such a peer chose as its
AE title, so a spreadsheet does not run it as a formula."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.dicom.conftest import client_ae
from tests.web.seed import add_users
from tests.web.test_pages import login
from worklist.accounts.rejections import record_rejection
from worklist.db.models import AssociationRejection, AuditEntry
from worklist.settings import Settings
from worklist.spreadsheets import FORMULA_STARTS
from worklist.web.app import create_app

FORMULA_AE = "=2+5"
REFUSALS = 30


def _refused(port: int, calling_ae: str) -> bool:
    association = client_ae(calling_ae).associate("127.0.0.1", port, ae_title="WORKLIST")
    return bool(association.is_rejected)


def _wait_for(sessions: sessionmaker[Session], refusals: int) -> None:
    """The listener audits a refusal after answering it: wait until all are counted."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sessions() as session:
            counted = session.scalar(select(func.sum(AssociationRejection.count))) or 0
        if counted >= refusals:
            return
        time.sleep(0.05)
    raise AssertionError(f"{counted} of {refusals} refusals counted")


def test_repeated_refusals_give_one_audit_entry_per_peer_and_minute(start_listener) -> None:
    running = start_listener(allowed_aes=["PACS"])
    assert all(_refused(running.port, "INTRUDER") for _ in range(REFUSALS))
    assert _refused(running.port, "OTHERPEER")
    _wait_for(running.sessions, REFUSALS + 1)
    with running.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        counts = session.scalars(select(AssociationRejection)).all()
    by_peer = {(c.calling_ae, c.minute): c.count for c in counts}
    intruder_minutes = [minute for ae, minute in by_peer if ae == "INTRUDER"]
    # The loop may straddle a minute boundary: then two entries, never thirty.
    assert [e.object_id for e in entries if e.object_id == "INTRUDER"] == \
        ["INTRUDER"] * len(intruder_minutes)
    assert len(intruder_minutes) <= 2
    assert sum(n for (ae, _), n in by_peer.items() if ae == "INTRUDER") == REFUSALS
    assert [e.object_id for e in entries if e.object_id == "OTHERPEER"] == ["OTHERPEER"]
    assert all(e.action == "dicom.association.rejected" for e in entries)


def test_the_minute_decides_and_each_peer_counts_apart(sessions: sessionmaker[Session]) -> None:
    start = datetime(2025, 3, 4, 8, 15, 5, tzinfo=UTC)
    moments = [start + timedelta(seconds=s) for s in (0, 20, 40, 54, 70)]  # 08:15 x4, 08:16 x1
    with sessions() as session:
        firsts = [record_rejection(session, actor="dicom-listener", calling_ae="X",
                                   address="10.0.0.9", reason="not allowed", now=at)
                  for at in moments]
        firsts.append(record_rejection(session, actor="dicom-listener", calling_ae="X",
                                       address="10.0.0.10", reason="not allowed", now=start))
        session.commit()
        counts = {(c.peer_address, c.minute.minute): c.count
                  for c in session.scalars(select(AssociationRejection))}
    assert firsts == [True, False, False, False, True, True]
    assert counts == {("10.0.0.9", 15): 4, ("10.0.0.9", 16): 1, ("10.0.0.10", 15): 1}


def test_the_audit_csv_escapes_every_cell_that_a_spreadsheet_would_run(
    start_listener, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        add_users(session)
        session.commit()
    running = start_listener(allowed_aes=["PACS"])
    assert _refused(running.port, FORMULA_AE)
    assert _refused(running.port, "@SUM(A1)")
    _wait_for(sessions, 2)
    with TestClient(create_app(settings, sessions)) as client:
        login(client, "ada")
        page = client.get("/admin/audit", params={"action": "dicom.association.rejected"})
        assert page.status_code == 200 and "=2+5" in page.text  # shown as it is on the page
        export = client.get("/admin/audit.csv", params={"action": "dicom.association.rejected"})
    rows = list(csv.reader(io.StringIO(export.text)))
    assert len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert {"'" + FORMULA_AE, "'@SUM(A1)"} <= set(cells)
