"""Go-live: history loaded in one go (``worklist import``, or studies older than
``WORKLIST_BACKFILL_STUDY_AGE_DAYS``) must not open, escalate and e-mail every long-overdue item in
the same minute. Its items count their reminders from when they were learned, and the first digest
summarises them instead of one e-mail each. Real stories go through the real import command and
the real pipeline; mail goes to a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from dicom_io.push import push_case
from dicom_io.synth import write_case
from rules.items import ItemKind
from rules.site import load_site_config
from tasks.wiring import start_pipeline
from tests.conftest import free_port
from tests.notifications.seed import COORDINATORS, notify_settings
from tests.notifications.servers import SmtpServer
from tests.pipeline.harness import wait_idle
from worklist.cli import app
from worklist.commands.listener import start_listener
from worklist.db.base import utcnow
from worklist.db.models import Item, ItemEvent, ItemStatus, Patient
from worklist.demo import load_stories
from worklist.notifications import service
from worklist.notifications.senders import SmtpSender
from worklist.settings import Settings, get_settings

YEARS_AGO = 400
"""Days before today of the imported history's day 0: every item it opens is long overdue."""
HISTORY = ("DEMO-0001", "DEMO-0002", "DEMO-0003")


def _stories(*ids: str) -> list[dict[str, object]]:
    by_id = {str(story["id"]): story for story in load_stories()}
    return [by_id[i] for i in ids]


@pytest.fixture
def process_settings(database_url: str, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command line reads the process's settings: point them at the test's database."""
    monkeypatch.setenv("WORKLIST_DATABASE_URL", database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _active(sessions: sessionmaker[Session]) -> list[Item]:
    with sessions() as session:
        return list(session.scalars(select(Item).where(
            Item.status.in_((ItemStatus.OPEN, ItemStatus.ACKNOWLEDGED))).order_by(Item.id)))


def _escalations(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len(session.scalars(select(ItemEvent).where(ItemEvent.action == "escalated")).all())


def test_an_import_at_go_live_escalates_nothing_and_the_first_digest_summarises_it(
    sessions: sessionmaker[Session], mail_settings: Settings, smtp: SmtpServer, tmp_path: Path,
    process_settings: None,
) -> None:
    today = date.today()
    for story in _stories(*HISTORY):
        write_case(story, today - timedelta(days=YEARS_AGO), tmp_path / "export" / str(story["id"]))
    imported = CliRunner().invoke(app, ["import", str(tmp_path / "export")])
    assert imported.exit_code == 0, imported.output
    now = utcnow()
    active = _active(sessions)
    assert len(active) >= 3
    assert all(i.backfilled_at is not None for i in active)
    assert all(i.due_at is not None and i.due_at < now - timedelta(days=300) for i in active), \
        "the worklist keeps the clinical due dates: these items are long overdue"

    site = load_site_config(None)
    senders = [SmtpSender(mail_settings)]
    assert service.remind(sessions, mail_settings, site, senders, now) == 0
    assert service.remind(sessions, mail_settings, site, senders, now + timedelta(hours=1)) == 0
    assert smtp.mailbox.mails == [], "no e-mail per item at go-live"
    assert _escalations(sessions) == 0 and {i.escalation_level for i in _active(sessions)} == {0}

    assert service.digest(sessions, mail_settings, senders, today, now)
    [digest] = smtp.mailbox.mails
    assert set(digest.rcpt_tos) == set(COORDINATORS)
    assert digest.subject.endswith(f", {len(active)} from historical studies")
    body = " ".join(digest.body.split())
    assert (f"Opened from historical studies (backfill) since the last digest: {len(active)}, "
            f"of which {len(active)} were already past their clinical due date") in body
    assert "unsampled-finding: 2" in digest.body

    # The clock runs from go-live: two weeks on, each item is where a new item would be.
    later = now + timedelta(days=15)
    assert service.remind(sessions, mail_settings, site, senders, later) == 3
    assert sorted((i.kind, i.escalation_level) for i in _active(sessions)) == [
        ("high-risk-lesion", 1),  # due 14 days after go-live, escalation 0 days after
        ("priors-pending", 0),  # due 30 days after go-live, reminder 7 days before: not yet
        ("unsampled-finding", 1), ("unsampled-finding", 1)]
    assert len(smtp.mailbox.mails) == 4
    assert all("Escalation level 1" in m.subject for m in smtp.mailbox.mails[1:])
    assert all("Learned from historical studies" in m.body for m in smtp.mailbox.mails[1:])

    # The next digest has nothing new to summarise.
    assert service.digest(sessions, mail_settings, senders, today + timedelta(days=1),
                          now + timedelta(days=1))
    assert "historical" not in smtp.mailbox.mails[-1].body


def test_without_the_go_live_clock_the_same_history_floods(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path, smtp: SmtpServer,
) -> None:
    """What the clock prevents: the same history arriving as live objects from PACS, with the
    study-age rule off, escalates every item to its last level and mails each at once."""
    settings = notify_settings(database_url, tmp_path / "data", smtp_host=smtp.host,
                               smtp_port=smtp.port, backfill_study_age_days=0,
                               dicom_host="127.0.0.1", dicom_port=free_port(),
                               remind_every_seconds=3600)  # only the test reminds
    _push_live(settings, sessions, [(story, YEARS_AGO) for story in _stories(*HISTORY)])
    active = _active(sessions)
    assert all(i.backfilled_at is None for i in active)

    sent = service.remind(sessions, settings, load_site_config(None), [SmtpSender(settings)],
                          utcnow())
    assert sent == len(active) == len(smtp.mailbox.mails)
    assert _escalations(sessions) == len(active)
    assert sorted((i.kind, i.escalation_level) for i in _active(sessions)) == [
        ("high-risk-lesion", 2), ("priors-pending", 2),
        ("unsampled-finding", 3), ("unsampled-finding", 3)]


def test_studies_older_than_the_site_setting_are_backfill_and_current_ones_are_not(
    sessions: sessionmaker[Session], settings: Settings, tmp_path: Path,
) -> None:
    """Over real DICOM associations to the product's listener and in-process pipeline: PACS
    sending last year's studies at go-live is backfill; this week's work is not."""
    live = settings.model_copy(update={"dicom_host": "127.0.0.1", "dicom_port": free_port()})
    assert live.backfill_study_age_days == 30
    old, current = _stories("DEMO-0001", "DEMO-0004")
    _push_live(live, sessions, [(old, YEARS_AGO), (current, 0)])
    with sessions() as session:
        rows = session.execute(select(Patient.patient_id, Item.kind, Item.backfilled_at)
                               .join(Patient, Patient.id == Item.patient_pk)).all()
    learned = {(patient, kind): at is not None for patient, kind, at in rows}
    assert learned[("DEMO-0001", ItemKind.UNSAMPLED_FINDING.value)] is True
    assert [backfill for (patient, _), backfill in learned.items() if patient == "DEMO-0004"] \
        and not any(b for (patient, _), b in learned.items() if patient == "DEMO-0004")


def _push_live(settings: Settings, sessions: sessionmaker[Session],
               stories: list[tuple[dict[str, object], int]]) -> None:
    pipeline = start_pipeline(settings, sessions)
    listener = start_listener(settings, sessions, pipeline.on_stored)
    try:
        for story, days_ago in stories:
            push_case(story, "127.0.0.1", settings.dicom_port, "PACS", settings.ae_title,
                      day0=date.today() - timedelta(days=days_ago))
        wait_idle(sessions, timeout=120)
    finally:
        listener.shutdown()
        pipeline.stop()
