"""The coordinators' daily digest: once per (day, audience) whoever runs it, at the site's local
hour."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind, Priority
from tasks.app import configure
from tests.notifications.seed import (
    COORDINATORS, NOW, PATIENT_ID, PATIENT_NAME, add_item, add_patient, notify_settings,
)
from tests.notifications.servers import SmtpServer
from worklist.db.models import Digest, ItemStatus
from worklist.notifications import service
from worklist.notifications.senders import SmtpSender
from worklist.settings import Settings


def _seed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        patient = add_patient(session)
        add_item(session, patient, ItemKind.MALIGNANCY_REFERRAL, NOW - timedelta(days=2),
                 priority=Priority.URGENT)
        add_item(session, patient, ItemKind.FOLLOW_UP_DUE, NOW + timedelta(days=90),
                 priority=Priority.ROUTINE)
        add_item(session, patient, ItemKind.PATHOLOGY_PENDING, NOW - timedelta(days=9),
                 status=ItemStatus.RESOLVED)


def test_the_digest_goes_once_per_day(
    sessions: sessionmaker[Session], mail_settings: Settings, smtp: SmtpServer,
) -> None:
    _seed(sessions)
    senders = [SmtpSender(mail_settings)]
    today = NOW.date()

    assert service.digest(sessions, mail_settings, senders, today, NOW) is True
    later = NOW + timedelta(hours=3)
    assert service.digest(sessions, mail_settings, senders, today, later) is False

    [mail] = smtp.mailbox.mails
    assert set(mail.rcpt_tos) == set(COORDINATORS)
    assert mail.subject == "[worklist] Daily digest 2026-11-21: 2 open, 1 overdue"
    assert "malignancy-referral: 1" in mail.body and "follow-up-due: 1" in mail.body
    assert "pathology-pending" not in mail.body, "closed items are not in the digest"
    raw = mail.raw.decode("utf-8", errors="replace").upper()
    assert PATIENT_NAME.split("^")[0] not in raw and PATIENT_ID not in raw

    tomorrow = today + timedelta(days=1)
    assert service.digest(sessions, mail_settings, senders, tomorrow, NOW + timedelta(days=1))
    assert len(smtp.mailbox.mails) == 2
    with sessions() as session:
        rows = session.scalars(select(Digest).order_by(Digest.day)).all()
        assert [(r.day, r.audience, r.error) for r in rows] == [
            (today, "coordinators", None), (tomorrow, "coordinators", None)]
        assert all(r.sent_at is not None for r in rows)


def test_racing_schedulers_send_one_digest(
    sessions: sessionmaker[Session], mail_settings: Settings, smtp: SmtpServer,
) -> None:
    _seed(sessions)
    start = threading.Barrier(4)
    results: list[bool] = []

    def scheduler() -> None:
        start.wait()
        results.append(service.digest(sessions, mail_settings, [SmtpSender(mail_settings)],
                                      NOW.date(), NOW))

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [False, False, False, True]
    assert len(smtp.mailbox.mails) == 1


def test_the_digest_hour_and_day_are_the_sites_local_ones(tmp_path: Path) -> None:
    settings = notify_settings("", tmp_path / "data", timezone="America/New_York", digest_hour=7)
    at = functools.partial(datetime, tzinfo=UTC)
    # 06:30 in New York (UTC-5 in November): not yet; 07:30: today's.
    assert service.digest_day(settings, at(2026, 11, 21, 11, 30)) is None
    assert service.digest_day(settings, at(2026, 11, 21, 12, 30)) == date(2026, 11, 21)
    # 22:00 on the 21st in New York is already the 22nd in UTC: still the 21st's digest.
    assert service.digest_day(settings, at(2026, 11, 22, 3, 0)) == date(2026, 11, 21)
    # Beat's crontab reads its hour in the app's time zone.
    app = configure(settings)
    assert app.conf.timezone == "America/New_York"
    assert app.conf.beat_schedule["digest"]["schedule"].hour == {7}
