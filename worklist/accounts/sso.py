"""Accounts for single sign-on identities: who an OpenID Connect login is here, and with which
role, decided from the identity provider's claims.

The identity is the issuer and subject (they never change); the user name is taken at the
first login; the role comes from the role claim at every login, through the site's mapping
(the identity provider stays the source of truth for who does what). Local accounts are never
taken over: a name already used here is refused. Services never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts.service import AccountError, find_user, sso_user, valid_username
from worklist.db.base import utcnow
from worklist.db.models import Role, User

ACTOR = "single-sign-on"


@dataclass(frozen=True)
class ClaimRules:
    username_claim: str
    role_claim: str
    roles: Sequence[tuple[str, str]]
    """(claim value, role) in the site's order of precedence."""


def role_from(claims: Mapping[str, Any], rules: ClaimRules) -> Role | None:
    """The first mapped role whose claim value the user holds (the claim may be a list or a
    space-separated string)."""
    held = claims.get(rules.role_claim)
    values = set(held.split() if isinstance(held, str) else held or [])
    return next((Role(role) for value, role in rules.roles if value in values), None)


def sso_account(session: Session, claims: Mapping[str, Any], rules: ClaimRules,
                remote_addr: str) -> User:
    """The active account for these verified claims, created or brought up to date; raises
    ``AccountError`` (a sentence for the user) when it may not log in. Refusals are audited."""
    subject = f"{claims['iss']}|{claims['sub']}"
    username = str(claims.get(rules.username_claim) or "")
    role = role_from(claims, rules)
    user = session.scalars(select(User).where(User.external_subject == subject)).one_or_none()

    def refuse(reason: str, message: str) -> AccountError:
        audit.record(session, actor=(user.username if user else username)[:64] or ACTOR,
                     action="login-refused", remote_addr=remote_addr,
                     detail={"method": "oidc", "reason": reason})
        return AccountError(message)

    if role is None:
        raise refuse("no mapped role", "your hospital account has no role in the worklist: "
                                       "ask an administrator to add you to its group")
    if user is None:
        if not valid_username(username):
            raise refuse("unusable user name", "your hospital account's user name cannot be "
                                               "used here: ask an administrator")
        if find_user(session, username) is not None:
            raise refuse("name taken", f"an account named {username} already exists here: ask "
                                       "an administrator")
        user = sso_user(session, username, subject, role)
        audit.record(session, actor=ACTOR, action="user-added", object_type="user",
                     object_id=user.id, remote_addr=remote_addr,
                     detail={"username": user.username, "role": str(role), "method": "oidc"})
    if not user.active:
        raise refuse("disabled", "this account is disabled")
    if user.role != role:
        audit.record(session, actor=ACTOR, action="role-changed", object_type="user",
                     object_id=user.id, remote_addr=remote_addr,
                     detail={"username": user.username, "before": str(user.role),
                             "after": str(role)})
        user.role = role
    user.last_login_at = utcnow()
    return user
