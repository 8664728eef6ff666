"""The reminder sweep and the daily digest.

A notification is claimed by inserting its (item, level, channel) row before it is sent: the unique
key lets exactly one of several racing schedulers win, so each level notifies once. A send that fails
keeps its row with the error, for an admin to see; it is not retried behind anyone's back.

Items learned from a backfill count their reminders from go-live and are summarised by the next
digest rather than e-mailed one by one (``levels.reminder_due``, ``levels.covered_level``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rules.items import ItemKind, Priority
from rules.site import SiteConfig
from worklist.db.models import Digest, Item, ItemEvent, ItemStatus, Notification
from worklist.items.repository import held_at
from worklist.notifications.levels import (
    REMINDER, audience, covered_level, reached_level, reminder_due,
)
from worklist.notifications.senders import Message, Sender, recipients_for
from worklist.settings import Settings

log = logging.getLogger(__name__)
ACTIVE = (ItemStatus.OPEN, ItemStatus.ACKNOWLEDGED)


def _candidates(session: Session, config: SiteConfig, now: datetime) -> Sequence[Item]:
    lead = max(
        (max(p.reminder_days_before_due, default=0) for p in config.kinds.values()), default=0
    )
    return session.scalars(
        select(Item)
        .where(Item.status.in_(ACTIVE), Item.due_at.is_not(None),
               Item.due_at <= now + timedelta(days=lead),
               ~held_at(now))  # put aside until a date: no reminder, no escalation till then
        .order_by(Item.priority_rank, Item.due_at)
    ).all()


def _link(settings: Settings, item_pk: int) -> str:
    return f"{settings.public_url.rstrip('/')}/items/{item_pk}" if settings.public_url else f"item {item_pk}"


def _message(settings: Settings, item: Item, level: int, roles: tuple[str, ...]) -> Message:
    what = "Reminder" if level == REMINDER else f"Escalation level {level}"
    due = item.due_at.date().isoformat() if item.due_at else "no due date"
    subject = f"[worklist] {what}: {item.priority} {item.kind} (item {item.id}), due {due}"
    learned = (f"Learned from historical studies on {item.backfilled_at.date().isoformat()}; "
               "reminders count from then.\n" if item.backfilled_at else "")
    body = (
        f"{what} for worklist item {item.id}.\n\n"
        f"Kind: {item.kind}\nPriority: {item.priority}\nDue: {due}\nNext step: {item.next_step}\n"
        f"{learned}\nOpen it: {_link(settings, item.id)}\n"
    )
    payload = {"event": "reminder" if level == REMINDER else "escalation", "item_id": item.id,
               "kind": item.kind, "priority": item.priority, "level": level, "due_at": due,
               "link": _link(settings, item.id)}
    return Message(subject, body, recipients_for(settings, roles), payload)


def _escalate(sessions: sessionmaker[Session], item_pk: int, level: int, now: datetime) -> None:
    """Raise the item's escalation level to ``level``, whatever channels are configured (it is the
    item's state, shown on the worklist). The conditional update lets one of several racing
    schedulers win, so the event is recorded once; a level is never lowered."""
    with sessions.begin() as session:
        raised = session.execute(
            update(Item)
            .where(Item.id == item_pk, Item.escalation_level < level)
            .values(escalation_level=level)
            .execution_options(synchronize_session=False)
        ).rowcount
        if raised:
            session.add(ItemEvent(item_pk=item_pk, actor="scheduler", action="escalated", at=now,
                                  reason=f"past due: level {level}", data={"level": level}))


def _claim(sessions: sessionmaker[Session], item_pk: int, level: int, channel: str,
           now: datetime) -> int | None:
    """Insert the notification row; None when another scheduler already has it."""
    with sessions() as session:
        try:
            with session.begin():
                row = Notification(item_pk=item_pk, level=level, channel=channel, created_at=now)
                session.add(row)
            return row.id
        except IntegrityError:
            return None


def _record_delivery(sessions: sessionmaker[Session], notification_pk: int, error: str | None,
                     now: datetime) -> None:
    with sessions.begin() as session:
        row = session.get(Notification, notification_pk)
        if row is not None:
            row.sent_at, row.error = (None, error) if error else (now, None)


def remind(sessions: sessionmaker[Session], settings: Settings, config: SiteConfig,
           senders: Sequence[Sender], now: datetime) -> int:
    """Notify every item that reached a level not yet notified; returns the number sent."""
    with sessions() as session:
        due = [(item, *_clock(config, item, now))
               for item in _candidates(session, config, now) if item.due_at is not None]
        notified = {
            (n.item_pk, n.level, n.channel)
            for n in session.scalars(select(Notification).where(
                Notification.item_pk.in_([item.id for item, level, _ in due if level is not None])))
        }
    sent = 0
    for item, level, covered in due:
        if level is None:
            continue
        if level > item.escalation_level:
            _escalate(sessions, item.id, level, now)
        if covered is not None and level <= covered:
            continue  # reached before anyone knew of it: the digest summarises it
        for sender in senders:
            if (item.id, level, sender.channel) in notified:
                continue
            claimed = _claim(sessions, item.id, level, sender.channel, now)
            if claimed is None:
                continue
            error = _deliver(sender, _message(settings, item, level, audience(level)))
            _record_delivery(sessions, claimed, error, now)
            sent += error is None
    return sent


def _clock(config: SiteConfig, item: Item, now: datetime) -> tuple[int | None, int | None]:
    """The level the item reached at ``now``, and the level its backfill already covered."""
    policy = config.policy(ItemKind(item.kind))
    due = reminder_due(policy, item.due_at, item.backfilled_at, item.priority == Priority.URGENT)
    return (reached_level(policy, due, now) if due is not None else None,
            covered_level(policy, due, item.backfilled_at))


def _deliver(sender: Sender, message: Message) -> str | None:
    try:
        sender.send(message)
        return None
    except Exception as error:  # delivery problems are recorded, never allowed to stop the sweep
        log.warning("notification by %s failed: %s", sender.channel, type(error).__name__)
        return f"{type(error).__name__}: delivery failed"


def _last_digest_at(session: Session, day: date) -> datetime | None:
    """When the last digest before ``day`` that reached its readers was made."""
    return session.scalar(
        select(Digest.created_at)
        .where(Digest.audience == "coordinators", Digest.day < day, Digest.sent_at.is_not(None))
        .order_by(Digest.day.desc()).limit(1))


def _backfill_lines(backfilled: Sequence[Item], now: datetime) -> list[str]:
    """The go-live summary: items learned from historical studies since the last digest, which
    are not e-mailed one by one for the levels they had already reached."""
    if not backfilled:
        return []
    past_due = sum(1 for i in backfilled if i.due_at is not None and i.due_at < now)
    lines = ["", f"Opened from historical studies (backfill) since the last digest: "
                 f"{len(backfilled)}, of which {past_due} were already past their clinical due "
                 "date. They are on the worklist; their reminders count from when they were "
                 "opened, so they are summarised here rather than e-mailed one by one."]
    lines += [f"  {kind}: {count}"
              for kind, count in sorted(Counter(i.kind for i in backfilled).items())]
    return lines


def digest_day(settings: Settings, now: datetime) -> date | None:
    """The site's local day whose digest is due at ``now``: ``digest_hour`` is a local hour, and
    the digest covers the local day, not the UTC one. None before that hour."""
    local = now.astimezone(settings.zone)
    return local.date() if local.hour >= settings.digest_hour else None


def digest(sessions: sessionmaker[Session], settings: Settings, senders: Sequence[Sender],
           day: date, now: datetime) -> bool:
    """Send the coordinators' daily digest of open items once for ``day``; False if already sent."""
    with sessions() as session:
        try:
            with session.begin():
                claim = Digest(day=day, audience="coordinators", created_at=now)
                session.add(claim)
        except IntegrityError:
            return False
        items = session.scalars(select(Item).where(Item.status.in_(ACTIVE))).all()
        since = _last_digest_at(session, day)
    overdue = [i for i in items if i.due_at is not None and i.due_at < now]
    by_kind = Counter(i.kind for i in items)
    urgent = sorted((i for i in items if i.priority == "urgent"), key=lambda i: (i.due_at or now))
    backfilled = [i for i in items if i.backfilled_at is not None
                  and (since is None or i.backfilled_at > since)]
    lines = [f"Open items: {len(items)} ({len(overdue)} overdue, {len(urgent)} urgent)", ""]
    lines += [f"  {kind}: {count}" for kind, count in sorted(by_kind.items())]
    lines += _backfill_lines(backfilled, now)
    if urgent:
        lines += ["", "Urgent items:"]
        lines += [f"  {_link(settings, i.id)}: {i.kind}, due {i.due_at.date() if i.due_at else '-'}"
                  for i in urgent[:50]]
    subject = f"[worklist] Daily digest {day.isoformat()}: {len(items)} open, {len(overdue)} overdue"
    if backfilled:
        subject += f", {len(backfilled)} from historical studies"
    message = Message(
        subject=subject,
        body="\n".join(lines) + "\n",
        recipients=recipients_for(settings, ("coordinators",)),
        payload={"event": "digest", "day": day.isoformat(), "open": len(items),
                 "overdue": len(overdue), "by_kind": dict(by_kind),
                 "backfilled": {"open": len(backfilled),
                                "by_kind": dict(Counter(i.kind for i in backfilled))}},
    )
    errors = [e for e in (_deliver(s, message) for s in senders) if e]
    with sessions.begin() as session:
        row = session.get(Digest, claim.id)
        if row is not None:
            row.sent_at, row.error = (None, "; ".join(errors)) if errors else (now, None)
    return True
