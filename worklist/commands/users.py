"""``worklist user add`` and ``worklist token create``."""

from __future__ import annotations

import sys

import typer
from sqlalchemy.orm import Session, sessionmaker

from worklist.accounts.service import AccountError, coerce_role, create_token, create_user
from worklist.commands.common import settings_or_exit
from worklist.db.engine import make_engine, make_session_factory

user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer API tokens.", no_args_is_help=True)


def _sessions() -> sessionmaker[Session]:
    settings = settings_or_exit()
    return make_session_factory(make_engine(settings.effective_database_url))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"worklist: {message}", err=True)
    return typer.Exit(code=1)


@user_app.command("add")
def add(
    username: str,
    role: str = typer.Option("coordinator", help="coordinator, radiologist or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
) -> None:
    """Create a user (password from a prompt, or --password-stdin)."""
    try:
        coerce_role(role)
    except AccountError as error:
        raise _fail(str(error)) from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _sessions()() as session:
        try:
            user = create_user(session, username, password, role)
        except AccountError as error:
            raise _fail(str(error)) from None
        session.commit()
        typer.echo(f"user {user.username} added with role {user.role}", err=True)


@token_app.command("create")
def create(
    username: str, name: str = typer.Option("", help="A label to recognise the token by.")
) -> None:
    """Create an API token for a user and print it alone on standard output."""
    with _sessions()() as session:
        try:
            token = create_token(session, username, name)
        except AccountError as error:
            raise _fail(str(error)) from None
        session.commit()
    typer.echo(token)
