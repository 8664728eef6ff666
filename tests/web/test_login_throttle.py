"""Password guessing: after too many failed logins a name (or an address) is locked for a while,
even for the right password, and the lock is audited and lifts when the window passes."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.seed import PASSWORD, Seeded
from tests.web.test_pages import csrf
from worklist.db.base import utcnow
from worklist.db.models import AuditEntry

MAX_FAILURES = 5  # the settings' default


def _attempt(client: TestClient, username: str, password: str) -> int:
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client)},
                       follow_redirects=False).status_code


def test_the_sixth_attempt_is_refused_even_with_the_right_password(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    assert [_attempt(client, "cora", "wrong guess") for _ in range(MAX_FAILURES)] == [401] * MAX_FAILURES
    locked = client.post("/login", data={"username": "cora", "password": PASSWORD,
                                         "csrf_token": csrf(client)}, follow_redirects=False)
    assert locked.status_code == 429 and "Too many failed attempts" in locked.text
    not_in = client.get("/", follow_redirects=False)
    assert not_in.status_code == 303 and not_in.headers["location"].startswith("/login")
    # another user is not locked by cora's failures (one address has more room than one name)
    assert _attempt(client, "rafa", PASSWORD) == 303
    with sessions() as session:
        actions = [a for (a,) in session.execute(
            select(AuditEntry.action).where(AuditEntry.actor == "cora").order_by(AuditEntry.id))]
    assert actions == ["login-failed"] * MAX_FAILURES + ["login-throttled"]


def test_an_unknown_name_is_locked_the_same_way(client: TestClient, seeded: Seeded) -> None:
    statuses = [_attempt(client, "nobody", "guess") for _ in range(MAX_FAILURES + 1)]
    assert statuses == [401] * MAX_FAILURES + [429]


def test_failures_older_than_the_window_do_not_count(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    long_ago = utcnow() - timedelta(minutes=16)
    with sessions() as session:
        session.add_all(AuditEntry(at=long_ago, actor="cora", action="login-failed",
                                   remote_addr="testclient") for _ in range(MAX_FAILURES))
        session.commit()
    assert _attempt(client, "cora", PASSWORD) == 303
