"""Open items and their history. Items are never deleted; every change is an event."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from worklist.db.base import Base, StrEnumType, Timestamped, utcnow


class ItemStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    LOST_TO_FOLLOW_UP = "lost-to-follow-up"
    """A coordinator gave up reaching the patient, with a reason: closed, and counted apart
    (MQSA reporting) from items whose step was done."""

    @property
    def is_active(self) -> bool:
        return self in (ItemStatus.OPEN, ItemStatus.ACKNOWLEDGED)


ACTIVE_PREDICATE = "status IN ('open', 'acknowledged')"
"""The worklist index's predicate; queries name statuses as literals so the planner proves it."""
CLOSED_PREDICATE = "status NOT IN ('open', 'acknowledged')"


class Item(Timestamped, Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("patient_pk", "item_key"),
        Index("ix_items_kind_status", "kind", "status"),
        # The open worklist at scale (migration 0003): active items only, in the worklist's
        # order, with every column its filters and counts read, for index-only scans. Closed
        # items have their own status index, which never competes for active-item queries.
        Index("ix_items_active_worklist", "priority_rank", "due_at", "id", "kind", "priority",
              "laterality", "status", "patient_pk", "opened_at",
              postgresql_where=text(ACTIVE_PREDICATE), sqlite_where=text(ACTIVE_PREDICATE)),
        Index("ix_items_closed_status_priority_due_at", "status", "priority_rank", "due_at",
              postgresql_where=text(CLOSED_PREDICATE), sqlite_where=text(CLOSED_PREDICATE)),
        Index("ix_items_priority_due_id", "priority_rank", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(200))
    """The rules' stable key: the same condition keeps the same item."""
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[ItemStatus] = mapped_column(StrEnumType(ItemStatus, 24), default=ItemStatus.OPEN)
    priority: Mapped[str] = mapped_column(String(8))
    priority_rank: Mapped[int] = mapped_column(default=2)
    """0 urgent, 1 high, 2 routine: sorts without a CASE expression."""
    priority_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    laterality: Mapped[str | None] = mapped_column(String(1))
    finding_key: Mapped[str | None] = mapped_column(String(128))
    finding_type: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_step: Mapped[str] = mapped_column(Text, default="")
    closes_when: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    closing_evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    escalation_level: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]
    backfilled_at: Mapped[datetime | None]
    """When the item was opened from historical data (a backfill): its reminders count from here,
    not from its clinical due date (``worklist.notifications.levels.reminder_due``)."""
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    """The username of the person who owns the item; None: nobody yet."""
    held_until: Mapped[datetime | None]
    """Put aside until then (an appointment booked): off the active list and the reminders;
    it comes back by itself once the moment passes (the list's query compares it with now)."""
    hold_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    events: Mapped[list[ItemEvent]] = relationship(
        back_populates="item", order_by="ItemEvent.id", cascade="save-update, merge"
    )


class ItemEvent(Base):
    """One change to an item: who, when, what and why."""

    __tablename__ = "item_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    """A username, or ``pipeline`` / ``scheduler`` for the system."""
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    item: Mapped[Item] = relationship(back_populates="events")


class OutreachChannel(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    MESSAGE = "message"
    """A text or patient-portal message."""
    EMAIL = "email"
    IN_PERSON = "in-person"


class OutreachOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no-answer"
    LEFT_MESSAGE = "left-message"
    WRONG_NUMBER = "wrong-number"
    SENT = "sent"
    """A letter or message went out; no answer is known yet."""
    DECLINED = "declined"
    RETURNED = "returned"
    """Letter returned to sender."""


class OutreachAttempt(Base):
    """One attempt to reach the patient about an item: who, when, how and what came of it.
    Rows are only added (the application's database role cannot change them)."""

    __tablename__ = "item_outreach"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[OutreachChannel] = mapped_column(StrEnumType(OutreachChannel, 16))
    outcome: Mapped[OutreachOutcome] = mapped_column(StrEnumType(OutreachOutcome, 16))
    note: Mapped[str] = mapped_column(Text, default="")


class Notification(Base):
    """A reminder or escalation sent. The unique key makes each (item, level, channel) send once,
    even with two schedulers racing."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("item_pk", "level", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    level: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Digest(Base):
    """A daily digest sent to one audience; the unique key makes it once a day, whoever runs it."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("day", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    audience: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
