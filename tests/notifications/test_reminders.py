"""The reminder sweep on real databases, with e-mail delivered to a real SMTP server.

Levels come from the site file: a reminder ``reminder_days_before_due`` ahead of the due date, then
one escalation level per ``escalation_days_after_due`` step; each (item, level) notifies once, even
with several schedulers racing, and a failed delivery is recorded, not retried.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind
from rules.site import load_site_config
from tests.conftest import free_port
from tests.notifications.seed import (
    ADMINS, COORDINATORS, NOW, RADIOLOGISTS, add_item, add_patient, notify_settings,
)
from tests.notifications.servers import Mail, SmtpServer
from worklist.db.models import Item, ItemEvent, ItemStatus, Notification
from worklist.notifications import service
from worklist.notifications.senders import SmtpSender
from worklist.settings import Settings

UNSAMPLED = ItemKind.UNSAMPLED_FINDING  # defaults: reminder 3 days ahead, escalations [0, 7, 14]


def _seed(sessions: sessionmaker[Session], due: dict[str, timedelta | None],
          closed: tuple[str, ...] = ()) -> dict[str, int]:
    with sessions.begin() as session:
        patient = add_patient(session)
        return {
            name: add_item(session, patient, UNSAMPLED, None if offset is None else NOW + offset,
                           key=f"{UNSAMPLED.value}:{name}",
                           status=ItemStatus.RESOLVED if name in closed else ItemStatus.OPEN).id
            for name, offset in due.items()
        }


def _notified(smtp: SmtpServer, ids: dict[str, int]) -> list[tuple[str, int]]:
    """(item name, level) of each mail received, read back from the subject line."""
    names = {f"(item {pk})": name for name, pk in ids.items()}
    found = []
    for mail in smtp.mailbox.mails:
        subject = mail.subject
        name = next(n for marker, n in names.items() if marker in subject)
        level = 0 if subject.startswith("[worklist] Reminder") else int(
            subject.split("Escalation level ")[1].split(":")[0])
        found.append((name, level))
    return sorted(found)


def _name_of(mail: Mail, ids: dict[str, int]) -> str:
    return next(name for name, pk in ids.items() if f"(item {pk})" in mail.subject)


def _levels(sessions: sessionmaker[Session], ids: dict[str, int]) -> dict[str, int]:
    with sessions() as session:
        return {name: session.get_one(Item, pk).escalation_level for name, pk in ids.items()}


def _escalations(sessions: sessionmaker[Session]) -> list[tuple[int, int]]:
    with sessions() as session:
        return sorted((e.item_pk, e.data["level"]) for e in session.scalars(
            select(ItemEvent).where(ItemEvent.action == "escalated")))


def test_each_item_is_notified_at_the_level_its_due_date_reached(
    sessions: sessionmaker[Session], mail_settings: Settings, smtp: SmtpServer,
) -> None:
    ids = _seed(sessions, {
        "later": timedelta(days=5), "soon": timedelta(days=2), "due": -timedelta(hours=1),
        "week": -timedelta(days=8), "fortnight": -timedelta(days=15), "undated": None,
        "closed": -timedelta(days=15),
    }, closed=("closed",))
    site = load_site_config(mail_settings.site_config)

    sent = service.remind(sessions, mail_settings, site, [SmtpSender(mail_settings)], NOW)

    assert sent == 4
    assert _notified(smtp, ids) == [("due", 1), ("fortnight", 3), ("soon", 0), ("week", 2)]
    audience = {_name_of(mail, ids): set(mail.rcpt_tos) for mail in smtp.mailbox.mails}
    assert audience["soon"] == audience["due"] == set(COORDINATORS)
    assert audience["week"] == set(COORDINATORS + RADIOLOGISTS)
    assert audience["fortnight"] == set(COORDINATORS + ADMINS + RADIOLOGISTS)
    assert _levels(sessions, ids) == {"later": 0, "soon": 0, "due": 1, "week": 2, "fortnight": 3,
                                      "undated": 0, "closed": 0}
    assert _escalations(sessions) == sorted(
        [(ids["due"], 1), (ids["week"], 2), (ids["fortnight"], 3)])
    with sessions() as session:
        rows = session.scalars(select(Notification)).all()
        assert {(r.item_pk, r.level, r.channel) for r in rows} == {
            (ids["soon"], 0, "email"), (ids["due"], 1, "email"), (ids["week"], 2, "email"),
            (ids["fortnight"], 3, "email")}
        assert all(r.sent_at == NOW and r.error is None for r in rows)


def test_a_second_sweep_sends_nothing_new_and_time_brings_the_next_level(
    sessions: sessionmaker[Session], mail_settings: Settings, smtp: SmtpServer,
) -> None:
    ids = _seed(sessions, {"soon": timedelta(days=2), "due": -timedelta(hours=1),
                           "fortnight": -timedelta(days=15)})
    site = load_site_config(None)
    senders = [SmtpSender(mail_settings)]
    assert service.remind(sessions, mail_settings, site, senders, NOW) == 3
    events = _escalations(sessions)

    assert service.remind(sessions, mail_settings, site, senders, NOW) == 0
    assert service.remind(sessions, mail_settings, site, senders, NOW + timedelta(hours=1)) == 0
    assert len(smtp.mailbox.mails) == 3
    assert _escalations(sessions) == events

    # A week on: "soon" is 5 days overdue (level 1), "due" a week overdue (level 2); "fortnight"
    # already had its last level.
    assert service.remind(sessions, mail_settings, site, senders, NOW + timedelta(days=7)) == 2
    assert _notified(smtp, ids) == [("due", 1), ("due", 2), ("fortnight", 3), ("soon", 0),
                                    ("soon", 1)]
    assert _levels(sessions, ids) == {"soon": 1, "due": 2, "fortnight": 3}


def test_levels_follow_the_site_file(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path, smtp: SmtpServer,
) -> None:
    site_file = tmp_path / "site.yaml"
    site_file.write_text("kinds:\n  unsampled-finding:\n    reminder_days_before_due: [10]\n"
                         "    escalation_days_after_due: [2]\n", encoding="utf-8")
    settings = notify_settings(database_url, tmp_path / "data", smtp_host=smtp.host,
                               smtp_port=smtp.port, site_config=site_file)
    ids = _seed(sessions, {"nine-days": timedelta(days=9), "day-late": -timedelta(days=1),
                           "month-late": -timedelta(days=30)})

    service.remind(sessions, settings, load_site_config(settings.site_config),
                   [SmtpSender(settings)], NOW)

    # With the defaults these would be nothing, level 1 and level 3.
    assert _notified(smtp, ids) == [("day-late", 0), ("month-late", 1), ("nine-days", 0)]
    assert _levels(sessions, ids) == {"nine-days": 0, "day-late": 0, "month-late": 1}


def test_racing_schedulers_notify_each_level_once(
    sessions: sessionmaker[Session], mail_settings: Settings, smtp: SmtpServer,
) -> None:
    ids = _seed(sessions, {f"item-{n}": -timedelta(days=n) for n in range(0, 16, 3)})
    site = load_site_config(None)
    start = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            start.wait()
            results.append(service.remind(sessions, mail_settings, site,
                                          [SmtpSender(mail_settings)], NOW))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    notified = _notified(smtp, ids)
    assert len(notified) == len(set(notified)) == len(ids) == sum(results)
    assert len(_escalations(sessions)) == len(ids), "one escalation event per item and level"


def test_a_failed_delivery_is_recorded_and_not_retried(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path,
) -> None:
    closed_port = free_port()  # nothing listens there
    settings = notify_settings(database_url, tmp_path / "data", smtp_host="127.0.0.1",
                               smtp_port=closed_port)
    ids = _seed(sessions, {"week": -timedelta(days=8)})
    site = load_site_config(None)

    assert service.remind(sessions, settings, site, [SmtpSender(settings)], NOW) == 0
    assert service.remind(sessions, settings, site, [SmtpSender(settings)], NOW) == 0

    with sessions() as session:
        rows = session.scalars(select(Notification)).all()
        assert [(r.item_pk, r.level, r.sent_at) for r in rows] == [(ids["week"], 2, None)]
        assert rows[0].error is not None and "delivery failed" in rows[0].error
    # The item escalated all the same: that is the item's state, not the mail's.
    assert _levels(sessions, ids) == {"week": 2}


def test_items_escalate_without_any_channel_configured(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path,
) -> None:
    settings = notify_settings(database_url, tmp_path / "data")
    ids = _seed(sessions, {"week": -timedelta(days=8), "soon": timedelta(days=1)})
    site = load_site_config(None)

    assert service.remind(sessions, settings, site, [], NOW) == 0
    assert service.remind(sessions, settings, site, [], NOW) == 0

    assert _levels(sessions, ids) == {"week": 2, "soon": 0}
    assert _escalations(sessions) == [(ids["week"], 2)]
    with sessions() as session:
        assert session.scalars(select(Notification)).all() == []


def test_a_due_date_moved_later_never_lowers_the_level(
    sessions: sessionmaker[Session], mail_settings: Settings,
) -> None:
    ids = _seed(sessions, {"fortnight": -timedelta(days=15)})
    site = load_site_config(None)
    service.remind(sessions, mail_settings, site, [SmtpSender(mail_settings)], NOW)
    with sessions.begin() as session:  # the reports changed and the item is due later now
        session.get_one(Item, ids["fortnight"]).due_at = NOW - timedelta(days=1)

    service.remind(sessions, mail_settings, site, [SmtpSender(mail_settings)], NOW)

    assert _levels(sessions, ids) == {"fortnight": 3}
