"""A 6-month follow-up whose window passes without a qualifying study becomes overdue and escalates;
one with a qualifying study in the window closes. The objects go over real DICOM to the listener,
and the pipeline and the reminder sweep run at explicit moments, so the clock is the test's own.

Report 2026-01-05 (BI-RADS 3, 6-month left mammogram): target 2026-07-05, window 2026-06-05 to
2026-08-04, due at the window's end (``follow_up`` in the site file).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rules.reader import read_report
from rules.site import load_site_config
from tasks.ingest import IngestContext, Outcome, process
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.notifications.seed import notify_settings
from tests.notifications.servers import SmtpServer
from worklist.commands.listener import start_listener
from worklist.db.models import InboxObject, InboxState, Item, ItemStatus, Patient
from worklist.items.filters import ItemFilter
from worklist.items.repository import is_overdue, list_items
from worklist.notifications import service
from worklist.notifications.senders import SmtpSender
from worklist.settings import Settings

IN_WINDOW = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 8, 4, 10, 15, tzinfo=UTC)
AFTER_WINDOW = datetime(2026, 8, 5, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.slow


@pytest.fixture
def stored(database_url: str, tmp_path: Path,
           smtp: SmtpServer) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    """The listener keeps objects as pending rows; the test runs the pipeline when it chooses."""
    from worklist.db.engine import make_engine, make_session_factory

    settings = notify_settings(database_url, tmp_path / "data", dicom_host="127.0.0.1",
                               dicom_port=free_port(), smtp_host=smtp.host, smtp_port=smtp.port)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    server = start_listener(settings, sessions)
    yield settings, sessions
    server.shutdown()  # type: ignore[attr-defined]
    engine.dispose()


def _push(settings: Settings, tmp_path: Path, *datasets: Dataset) -> None:
    paths = [factories.write(ds, tmp_path / "out" / f"{ds.SOPInstanceUID}.dcm") for ds in datasets]
    assert send(settings.dicom_port, paths) == [0] * len(paths)


def _run_pipeline(settings: Settings, sessions: sessionmaker[Session], at: datetime) -> None:
    context = IngestContext(sessions, settings, read_report, now=lambda: at)
    with sessions() as session:
        pending = session.scalars(select(InboxObject.id).where(
            InboxObject.state == InboxState.PENDING).order_by(InboxObject.id)).all()
    assert pending, "nothing was stored"
    assert [process(context, inbox_id) for inbox_id in pending] == [Outcome.DONE] * len(pending)


def _patient(patient_id: str) -> dict[str, str]:
    return {"PatientID": patient_id, "study_uid": generate_uid()}


def _report(patient_id: str) -> Dataset:
    return factories.basic_text_sr(
        "Oval circumscribed mass at 3 o'clock in the left breast, 6 mm.",
        "BI-RADS 3: probably benign. Six-month follow-up mammogram of the left breast is "
        "recommended.",
        ContentDate="20260105", ContentTime="101500", StudyDate="20260105",
        study_description="MAMMO DIAG LEFT", **_patient(patient_id))


def _left_mammogram(patient_id: str, day: str) -> Dataset:
    return factories.mammogram("L", "CC", StudyDate=day, study_description="MAMMO DIAG LEFT",
                               **_patient(patient_id))


def _follow_up(sessions: sessionmaker[Session], patient_id: str) -> Item:
    with sessions() as session:
        return session.scalars(select(Item).join(Patient, Patient.id == Item.patient_pk).where(
            Patient.patient_id == patient_id, Item.kind == "follow-up-due")).one()


def test_a_window_passing_without_a_qualifying_study_makes_the_item_overdue(
    stored: tuple[Settings, sessionmaker[Session]], tmp_path: Path, smtp: SmtpServer,
) -> None:
    settings, sessions = stored
    site = load_site_config(settings.site_config)
    senders = [SmtpSender(settings)]
    # The report, and a left mammogram from before the window (too early to count).
    _push(settings, tmp_path, _report("FU-0001"), _left_mammogram("FU-0001", "20260302"))
    _run_pipeline(settings, sessions, IN_WINDOW)

    item = _follow_up(sessions, "FU-0001")
    assert (item.status, item.laterality, item.due_at) == (ItemStatus.OPEN, "L", DUE)
    assert not is_overdue(item, IN_WINDOW)
    assert service.remind(sessions, settings, site, senders, IN_WINDOW) == 0

    # The window ends with no qualifying study; a right-breast study is no help.
    _push(settings, tmp_path, factories.mammogram("R", "CC", StudyDate="20260801",
                                                  **_patient("FU-0001")))
    _run_pipeline(settings, sessions, AFTER_WINDOW)

    item = _follow_up(sessions, "FU-0001")
    assert (item.status, item.due_at) == (ItemStatus.OPEN, DUE)
    assert is_overdue(item, AFTER_WINDOW)
    with sessions() as session:
        overdue = list_items(session, ItemFilter(overdue=True), now=AFTER_WINDOW).rows
        assert [row.item.id for row in overdue] == [item.id]
    assert service.remind(sessions, settings, site, senders, AFTER_WINDOW) == 1
    [mail] = smtp.mailbox.mails
    assert mail.subject == (f"[worklist] Escalation level 1: routine follow-up-due "
                            f"(item {item.id}), due 2026-08-04")
    assert _follow_up(sessions, "FU-0001").escalation_level == 1


def test_a_qualifying_study_in_the_window_closes_the_item(
    stored: tuple[Settings, sessionmaker[Session]], tmp_path: Path, smtp: SmtpServer,
) -> None:
    settings, sessions = stored
    _push(settings, tmp_path, _report("FU-0002"))
    _run_pipeline(settings, sessions, IN_WINDOW)
    assert _follow_up(sessions, "FU-0002").status is ItemStatus.OPEN

    follow_up_study = _left_mammogram("FU-0002", "20260701")
    _push(settings, tmp_path, follow_up_study)
    _run_pipeline(settings, sessions, AFTER_WINDOW)

    item = _follow_up(sessions, "FU-0002")
    assert item.status is ItemStatus.RESOLVED
    assert [e["source_uid"] for e in item.closing_evidence] == [follow_up_study.SOPInstanceUID]
    assert not is_overdue(item, AFTER_WINDOW)
    assert service.remind(sessions, settings, load_site_config(None), [SmtpSender(settings)],
                          AFTER_WINDOW) == 0
    assert smtp.mailbox.mails == []
