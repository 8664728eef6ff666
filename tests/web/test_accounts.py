"""Users, passwords, tokens and the session key: the service and the ``worklist`` commands."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from worklist.accounts.service import AccountError, authenticate, create_user, user_for_token
from worklist.commands.tokens import token_app
from worklist.commands.users import user_app
from worklist.db.models import ApiToken, User
from worklist.settings import Settings, get_settings, load_settings
from worklist.web.app import create_app
from worklist.web.secret import session_secret

PASSWORD = "a long enough password"

# The two command groups as ``worklist`` mounts them (the full CLI imports every subsystem).
cli = typer.Typer()
cli.add_typer(user_app, name="user")
cli.add_typer(token_app, name="token")


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WORKLIST_DATABASE_URL", database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_user_add_then_token_create_gives_a_working_token(
    cli_env: None, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "nina", "--role", "radiologist",
                                "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    created = runner.invoke(cli, ["token", "create", "nina"])
    assert created.exit_code == 0
    token = created.stdout.strip()
    assert created.stdout == token + "\n" and token.startswith("wl_")
    with sessions() as session:
        user = session.scalars(select(User).where(User.username == "nina")).one()
        assert user.role == "radiologist" and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        stored = session.scalars(select(ApiToken)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
    with TestClient(create_app(settings, sessions)) as client:
        response = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and response.json()["total"] == 0


def test_user_add_refuses_bad_input(cli_env: None) -> None:
    runner = CliRunner()
    bad_role = runner.invoke(cli, ["user", "add", "x", "--role", "root", "--password-stdin"],
                             input=PASSWORD + "\n")
    assert bad_role.exit_code == 1 and "unknown role" in bad_role.stderr
    short = runner.invoke(cli, ["user", "add", "x", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least" in short.stderr
    assert runner.invoke(cli, ["token", "create", "nobody"]).exit_code == 1


@pytest.mark.parametrize("password", [
    "aaaaaaaaaa", "password123", "qwertyuiop", "1q2w3e4r5t", "iloveyou12", "Management",
    "margaret.k", "MARGARET.K", "xmargaret.kx", "ababababab",
])
def test_common_passwords_and_the_user_name_are_refused(
    sessions: sessionmaker[Session], password: str
) -> None:
    with sessions() as session:
        with pytest.raises(AccountError, match="common|user name"):
            create_user(session, "margaret.k", password, "coordinator")
        user = create_user(session, "margaret.k", "tea at the reading room", "coordinator")
        assert user.password_hash.startswith("$argon2id$")


def test_the_cli_refuses_a_common_password(cli_env: None) -> None:
    refused = CliRunner().invoke(cli, ["user", "add", "nina", "--password-stdin"],
                                 input="aaaaaaaaaa\n")
    assert refused.exit_code == 1 and "most common" in refused.stderr


def test_passwords_and_tokens(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        create_user(session, "cora", PASSWORD, "coordinator")
        with pytest.raises(AccountError):
            create_user(session, "cora", PASSWORD, "coordinator")
        assert authenticate(session, "cora", PASSWORD) is not None
        assert authenticate(session, "cora", PASSWORD + "x") is None
        assert authenticate(session, "nobody", PASSWORD) is None
        assert user_for_token(session, "wl_unknown") is None
        user = session.scalars(select(User)).one()
        user.active = False
        assert authenticate(session, "cora", PASSWORD) is None


def test_the_session_key_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url="sqlite://")
    first = session_secret(settings)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(settings) == first and len(first) >= 48
    assert session_secret(load_settings(secret_key="given", database_url="sqlite://")) == "given"


def test_user_add_prompts_for_the_password_twice(
    cli_env: None, sessions: sessionmaker[Session]
) -> None:
    runner = CliRunner()
    mismatch = runner.invoke(cli, ["user", "add", "olga"], input=f"{PASSWORD}\nother one!!\n" * 3)
    assert mismatch.exit_code != 0
    added = runner.invoke(cli, ["user", "add", "olga", "--role", "admin"],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    with sessions() as session:
        assert authenticate(session, "olga", PASSWORD) is not None
