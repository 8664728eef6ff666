"""``worklist user``: add, list, disable/enable, reset a password, change a role, unlock a name
locked by failed logins, end a user's sessions. Every change is audited as ``cli:<login>``."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import typer
from sqlalchemy.orm import Session

from worklist import audit
from worklist.accounts import admin, throttle
from worklist.accounts.service import AccountError, coerce_role, create_user
from worklist.commands.common import settings_or_exit
from worklist.db.base import utcnow
from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import Settings
from worklist.web.auth import session_policy

user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)


def operator() -> admin.By:
    """The audit trail's "who" for a command: the operating-system login that ran it."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "unknown"
    return admin.By(f"cli:{login}")


@contextmanager
def database() -> Iterator[tuple[Session, Settings]]:
    """A session that commits when the command's block ends without error."""
    settings = settings_or_exit()
    engine = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(engine)() as session:
            try:
                yield session, settings
            except AccountError as error:
                raise fail(str(error)) from None
            session.commit()
    finally:
        engine.dispose()


def fail(message: str) -> typer.Exit:
    typer.echo(f"worklist: {message}", err=True)
    return typer.Exit(code=1)


def read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input.")


@user_app.command("add")
def add(
    username: str,
    role: str = typer.Option("coordinator", help="coordinator, radiologist or admin."),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a user (password from a prompt, or --password-stdin)."""
    try:
        coerce_role(role)
    except AccountError as error:
        raise fail(str(error)) from None
    password = read_password(password_stdin)
    with database() as (session, _):
        user = create_user(session, username, password, role)
        audit.record(session, actor=operator().name, action="user-added", object_type="user",
                     object_id=user.id, detail={"username": user.username, "role": str(user.role)})
    typer.echo(f"user {user.username} added with role {user.role}", err=True)


@user_app.command("list")
def list_users() -> None:
    """Users with their role, state, last login, open sessions and live tokens."""
    with database() as (session, settings):
        login = throttle.LoginPolicy(settings.login_max_failures,
                                     timedelta(minutes=settings.login_lockout_minutes))
        rows = admin.summaries(session, login, session_policy(settings), utcnow())
        typer.echo(f"{'user':<24} {'role':<12} {'state':<22} {'source':<7} {'last login':<17} "
                   "sessions tokens")
        for row in rows:
            user = row.user
            state = ("disabled" if not user.active else
                     f"locked to {row.locked_until:%H:%M} UTC" if row.locked_until else "active")
            last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
            typer.echo(f"{user.username:<24} {user.role:<12} {state:<22} {user.auth_source:<7} "
                       f"{last:<17} {row.open_sessions:>8} {row.live_tokens:>6}")


@user_app.command("disable")
def disable(username: str) -> None:
    """Disable a user: their sessions end at once and their tokens stop working."""
    with database() as (session, _):
        admin.set_active(session, admin.user_named(session, username), False, operator(), utcnow())
    typer.echo(f"user {username} disabled", err=True)


@user_app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user again."""
    with database() as (session, _):
        admin.set_active(session, admin.user_named(session, username), True, operator(), utcnow())
    typer.echo(f"user {username} enabled", err=True)


@user_app.command("reset-password")
def reset_password(username: str, password_stdin: bool = PASSWORD_STDIN) -> None:
    """Set a new password; every session of the user ends."""
    password = read_password(password_stdin)
    with database() as (session, _):
        ended = admin.reset_password(session, admin.user_named(session, username), password,
                                     operator(), utcnow())
    typer.echo(f"password of {username} reset; {ended} session(s) ended", err=True)


@user_app.command("role")
def role(username: str, new_role: str = typer.Argument(..., metavar="ROLE",
                                                        help="coordinator, radiologist or admin.")
         ) -> None:
    """Change a user's role (it applies to their next request)."""
    with database() as (session, _):
        admin.set_role(session, admin.user_named(session, username), new_role, operator())
    typer.echo(f"user {username} is now {coerce_role(new_role)}", err=True)


@user_app.command("unlock")
def unlock(username: str) -> None:
    """Lift the lock that failed logins put on a user name."""
    with database() as (session, _):
        had = admin.unlock(session, admin.user_named(session, username), operator())
    typer.echo(f"user {username} unlocked" if had else f"user {username} was not locked",
               err=True)


@user_app.command("logout")
def logout(username: str) -> None:
    """End every browser session of a user (they log in again)."""
    with database() as (session, _):
        ended = admin.end_sessions(session, admin.user_named(session, username), operator(),
                                   utcnow())
    typer.echo(f"{ended} session(s) of {username} ended", err=True)
