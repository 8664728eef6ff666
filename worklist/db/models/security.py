"""Security state that changes in place (unlike the audit trail): browser sessions, the login
throttle's counters and the per-minute counts of refused DICOM associations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from worklist.db.base import Base, utcnow


class WebSession(Base):
    """A logged-in browser. The cookie carries a random key (signed); only its SHA-256 is kept
    here, so a copy of this table opens no session. Ended by logout, a password change, an
    administrator, the idle timeout or the absolute lifetime; revoked rows stay as a record."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_pk_revoked_at", "user_pk", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16), default="password")
    """``password`` or ``oidc``: how the user proved who they are."""
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    """The absolute end, however active the session is."""
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(String(32), default="")


class LoginThrottle(Base):
    """Failed logins (and attempts in flight) of one user name or one address in the current
    window. Counted with one atomic upsert per attempt, so concurrent guesses cannot all slip
    under the limit."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    """``name:<username>`` or ``addr:<client address>``."""
    attempts: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AssociationRejection(Base):
    """How many associations one peer had refused in one minute. The audit trail gets one entry
    per peer and minute (the first); the repeats are counted here, so a peer retrying in a loop
    cannot flood the trail."""

    __tablename__ = "association_rejections"
    __table_args__ = (UniqueConstraint("calling_ae", "peer_address", "minute"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calling_ae: Mapped[str] = mapped_column(String(64))
    peer_address: Mapped[str] = mapped_column(String(64))
    minute: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(String(200), default="")
