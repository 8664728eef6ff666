"""Who is acting, as the web layer hands it to services and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from worklist.db.models import Role


@dataclass(frozen=True)
class Actor:
    username: str
    user_pk: int
    role: Role
    remote_addr: str = ""
    """The client address the request came from (the audit trail's "from where")."""
