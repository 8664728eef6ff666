"""Users, API tokens and the append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from worklist.db.base import Base, StrEnumType, utcnow


class Role(StrEnum):
    COORDINATOR = "coordinator"
    RADIOLOGIST = "radiologist"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    auth_source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    """``local`` (a password kept here) or ``oidc`` (single sign-on; no local password)."""
    external_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    """For single sign-on: the identity provider's issuer and subject, which never change."""


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    """None: valid until revoked."""
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who saw or changed what, when, from where. Rows are never updated or deleted (the
    migration installs triggers that refuse it)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_patient_pk_at", "patient_pk", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    """e.g. ``view-item``, ``resolve-item``, ``association-rejected``."""
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    patient_pk: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
