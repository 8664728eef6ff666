"""Administering users from the command line and from the users page: list, disable and enable,
reset a password, change a role, unlock a locked name, end sessions, create, list and revoke API
tokens (with a name, a creation time and an optional expiry; an expired token is refused). Every
change is in the audit trail with who made it."""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.web.conftest import bearer
from tests.web.seed import PASSWORD, Seeded
from tests.web.test_pages import csrf, login
from worklist.commands.tokens import token_app
from worklist.commands.users import user_app
from worklist.db.base import utcnow
from worklist.db.models import ApiToken, AuditEntry, User
from worklist.settings import get_settings

NEW_PASSWORD = "a walk along the estuary"
cli = typer.Typer()
cli.add_typer(user_app, name="user")
cli.add_typer(token_app, name="token")


@pytest.fixture
def run(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded: Seeded
        ) -> Iterator[object]:
    monkeypatch.setenv("WORKLIST_DATABASE_URL", database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, stdin: str = "") -> typer.testing.Result:  # type: ignore[name-defined]
        return runner.invoke(cli, list(args), input=stdin, terminal_width=200)

    yield invoke
    get_settings.cache_clear()


def _audit(sessions: sessionmaker[Session], actor: str) -> list[tuple[str, str]]:
    with sessions() as session:
        return [(e.action, e.detail.get("username", "")) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.actor == actor).order_by(AuditEntry.id))]


def _wrong_guesses(client: TestClient, username: str, times: int) -> list[int]:
    return [client.post("/login", data={"username": username, "password": "wrong guess",
                                        "csrf_token": csrf(client)}).status_code
            for _ in range(times)]


def _api(client: TestClient, token: str) -> int:
    return client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_cli_administers_users_and_audits_every_change(
    run, client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    listed = run("user", "list")
    assert listed.exit_code == 0
    assert re.search(r"cora\s+coordinator\s+active\s+local\s+\S+ \S+\s+1\s+1", listed.stdout)

    assert run("user", "disable", "cora").exit_code == 0
    assert client.get("/", follow_redirects=False).status_code == 303, "the session ended"
    assert _api(client, seeded.tokens["cora"]) == 401, "the token stops working"
    assert "disabled" in run("user", "list").stdout
    assert run("user", "enable", "cora").exit_code == 0
    assert _api(client, seeded.tokens["cora"]) == 200

    weak = run("user", "reset-password", "cora", "--password-stdin", stdin="password123\n")
    assert weak.exit_code == 1 and "most common" in weak.stderr
    login(client, "cora")
    reset = run("user", "reset-password", "cora", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert reset.exit_code == 0 and "1 session(s) ended" in reset.stderr
    assert client.get("/", follow_redirects=False).status_code == 303
    login(client, "cora", NEW_PASSWORD)

    assert client.post(f"/api/v1/items/{seeded.seed_item}/dismiss", json={"reason": "x"},
                       headers=bearer(seeded, "cora")).status_code == 403
    assert run("user", "role", "cora", "radiologist").exit_code == 0
    assert client.post(f"/api/v1/items/{seeded.seed_item}/dismiss", json={"reason": "seen"},
                       headers=bearer(seeded, "cora")).status_code == 200
    assert run("user", "role", "cora", "root").exit_code == 1

    other = TestClient(client.app)
    assert _wrong_guesses(other, "rafa", 6)[-1] == 429
    assert "locked to" in run("user", "list").stdout
    assert run("user", "unlock", "rafa").exit_code == 0
    login(other, "rafa")
    assert run("user", "logout", "rafa").exit_code == 0
    assert other.get("/", follow_redirects=False).status_code == 303

    me = f"cli:{getpass.getuser()}"
    assert _audit(sessions, me) == [
        ("user-disabled", "cora"), ("user-enabled", "cora"), ("password-reset", "cora"),
        ("role-changed", "cora"), ("user-unlocked", "rafa"), ("sessions-ended", "rafa"),
    ]


def test_the_cli_creates_lists_and_revokes_tokens_and_expired_ones_are_refused(
    run, client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    created = run("token", "create", "rafa", "--name", "ris-feed", "--expires-days", "30")
    assert created.exit_code == 0
    token = created.stdout.strip()
    assert _api(client, token) == 200
    with sessions() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "ris-feed")).one()
        assert timedelta(days=29, hours=23) < row.expires_at - row.created_at <= timedelta(days=30)
        token_id = row.id
    listed = run("token", "list", "rafa")
    assert re.search(rf"{token_id}\s+rafa\s+ris-feed\s+\S+ \S+\s+\S+ \S+\s+\S+ \S+\s+live",
                     listed.stdout), listed.stdout
    with sessions() as session:  # thirty days later
        session.get(ApiToken, token_id).expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert _api(client, token) == 401
    assert "expired" in run("token", "list").stdout
    assert run("token", "revoke", str(token_id)).exit_code == 0
    assert "revoked" in run("token", "list", "rafa").stdout
    assert run("token", "revoke", "999999").exit_code == 1
    assert run("token", "create", "rafa", "--expires-days", "-1").exit_code != 0
    assert [a for a, _ in _audit(sessions, f"cli:{getpass.getuser()}")] == [
        "token-created", "token-revoked"]


def test_the_users_page_lets_an_administrator_do_the_same(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    cora_browser = TestClient(client.app)
    login(cora_browser, "cora")
    assert _wrong_guesses(TestClient(client.app), "cora", 6)[-1] == 429
    assert cora_browser.get("/admin/users").status_code == 403
    login(client, "ada")
    listing = client.get("/admin/users")
    assert listing.status_code == 200 and "locked until" in listing.text
    with sessions() as session:
        cora = session.scalars(select(User).where(User.username == "cora")).one().id
    page = client.get(f"/admin/users/{cora}")
    assert "Unlock" in page.text and "End all sessions" in page.text
    token = csrf(client, f"/admin/users/{cora}")

    def post(action: str, **data: str) -> TestClient:
        return client.post(f"/admin/users/{cora}/{action}", data={"csrf_token": token, **data})

    assert "Failed logins forgotten" in post("unlock").text
    login(TestClient(client.app), "cora")
    weak = post("password", password="qwertyuiop", confirm="qwertyuiop")
    assert weak.status_code == 409 and "most common" in weak.text
    assert "Password reset" in post("password", password=NEW_PASSWORD, confirm=NEW_PASSWORD).text
    assert cora_browser.get("/", follow_redirects=False).status_code == 303
    login(cora_browser, "cora", NEW_PASSWORD)
    assert "Role changed" in post("role", role="radiologist").text
    assert "Their sessions ended" in post("logout").text
    assert cora_browser.get("/", follow_redirects=False).status_code == 303
    assert "User disabled" in post("active", active="false").text
    refused = cora_browser.post("/login", data={"username": "cora", "password": NEW_PASSWORD,
                                                "csrf_token": csrf(cora_browser)})
    assert refused.status_code == 401
    assert "User enabled" in post("active", active="true").text

    made = post("tokens", name="pacs-bridge", expires_days="7")
    new_token = re.search(r'<code id="new-token">([^<]+)</code>', made.text)
    assert made.status_code == 200 and new_token
    assert _api(client, new_token.group(1)) == 200
    assert client.get(f"/admin/users/{cora}").text.count(new_token.group(1)) == 0, "shown once"
    with sessions() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "pacs-bridge")).one()
    revoked = client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert "Token revoked" in revoked.text and _api(client, new_token.group(1)) == 401
    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 403, "CSRF holds"

    assert _audit(sessions, "ada") == [
        ("login", ""), ("user-unlocked", "cora"), ("password-reset", "cora"),
        ("role-changed", "cora"), ("sessions-ended", "cora"), ("user-disabled", "cora"),
        ("user-enabled", "cora"), ("token-created", "cora"), ("token-revoked", "cora"),
    ]


def test_the_last_administrator_stays_one(client: TestClient, seeded: Seeded,
                                          sessions: sessionmaker[Session]) -> None:
    login(client, "ada")
    with sessions() as session:
        ada = session.scalars(select(User).where(User.username == "ada")).one().id
    token = csrf(client, f"/admin/users/{ada}")
    disabled = client.post(f"/admin/users/{ada}/active", data={"csrf_token": token,
                                                               "active": "false"})
    assert disabled.status_code == 409 and "last active administrator" in disabled.text
    demoted = client.post(f"/admin/users/{ada}/role", data={"csrf_token": token,
                                                            "role": "coordinator"})
    assert demoted.status_code == 409
    with sessions() as session:
        assert session.get(User, ada).role == "admin" and session.get(User, ada).active


def test_a_user_changes_their_own_password_and_their_other_sessions_end(
    client: TestClient, seeded: Seeded
) -> None:
    login(client, "cora")
    elsewhere = TestClient(client.app)
    login(elsewhere, "cora")
    token = csrf(client, "/account/password")
    wrong = client.post("/account/password", data={"csrf_token": token, "current": "not it",
                                                   "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    same_as_name = client.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "password": "cora-at-work-2025",
        "confirm": "cora-at-work-2025"})
    assert same_as_name.status_code == 422 and "user name" in same_as_name.text
    done = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                  "password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})
    assert done.status_code == 200 and "Password changed" in done.text
    assert client.get("/", follow_redirects=False).status_code == 200, "this session goes on"
    assert elsewhere.get("/", follow_redirects=False).status_code == 303
