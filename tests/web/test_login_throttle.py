"""Password guessing: after too many failed logins a name (or an address) is locked for a while,
even for the right password, and the lock is audited and lifts when the window passes; guesses
sent at the same moment cannot all slip under the limit."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.seed import PASSWORD, Seeded, seed
from tests.web.server import running
from tests.web.test_pages import CSRF, csrf
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import AuditEntry, LoginThrottle
from worklist.settings import Settings, load_settings
from worklist.web.app import create_app

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
    assert [_attempt(client, "cora", "wrong guess") for _ in range(MAX_FAILURES + 1)][-1] == 429
    with sessions() as session:  # the window started 16 minutes ago (the default is 15)
        for row in session.scalars(select(LoginThrottle)):
            row.window_started_at -= timedelta(minutes=16)
        session.commit()
    assert _attempt(client, "cora", PASSWORD) == 303


def test_a_right_password_gives_its_place_back(
    settings: Settings, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    """Successful logins from one address (a reading room) never add up to a lock: with one
    failure allowed per name, the address allows four, and five right passwords pass."""
    strict = settings.model_copy(update={"login_max_failures": 1})
    with TestClient(create_app(strict, sessions)) as client:
        assert [_attempt(client, "rafa", PASSWORD) for _ in range(5)] == [303] * 5
        assert [_attempt(client, "cora", "wrong guess") for _ in range(2)] == [401, 429]


def test_concurrent_wrong_guesses_are_checked_no_more_than_the_limit_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    """Fifteen wrong guesses released at once through a real server: five get their password
    checked (401), ten are refused unchecked (429)."""
    settings = load_settings(database_url=postgres_url, data_dir=tmp_path / "data")
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    seed(sessions)
    guesses = 3 * MAX_FAILURES
    gate = threading.Barrier(guesses)
    statuses: list[int] = []

    def guess(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as browser:
            token = CSRF.search(browser.get("/login").text)
            assert token
            gate.wait(timeout=30)
            response = browser.post("/login", data={"username": "cora", "password": "wrong guess",
                                                    "csrf_token": token.group(1)})
            statuses.append(response.status_code)

    try:
        with running(create_app(settings, sessions), log_level="warning") as base:
            threads = [threading.Thread(target=guess, args=(base,)) for _ in range(guesses)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        assert sorted(statuses) == [401] * MAX_FAILURES + [429] * (guesses - MAX_FAILURES)
        with sessions() as session:
            failed = session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cora")
                                     ).all()
        assert sorted(failed) == sorted(["login-failed"] * MAX_FAILURES
                                        + ["login-throttled"] * (guesses - MAX_FAILURES))
    finally:
        engine.dispose()
