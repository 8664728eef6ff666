"""``worklist token``: create (with an optional expiry), list and revoke bearer API tokens.
Every change is audited as ``cli:<login>``."""

from __future__ import annotations

from datetime import timedelta

import typer

from worklist.accounts import admin
from worklist.commands.users import database, fail, operator
from worklist.db.base import utcnow

token_app = typer.Typer(help="Bearer API tokens.", no_args_is_help=True)


@token_app.command("create")
def create(
    username: str,
    name: str = typer.Option("", help="A label to recognise the token by."),
    expires_days: int = typer.Option(
        0, "--expires-days", min=0, max=3650, help="Refused after this many days (0: never)."),
) -> None:
    """Create an API token for a user and print it alone on standard output."""
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    with database() as (session, _):
        token, _row = admin.create_token(session, admin.user_named(session, username), name,
                                         expires, operator())
    typer.echo(token)


@token_app.command("list")
def list_tokens(username: str = typer.Argument("", help="Only this user's tokens.")) -> None:
    """Tokens with their id, user, name, creation, expiry, last use and state."""
    now = utcnow()
    with database() as (session, _):
        user = admin.user_named(session, username) if username else None
        rows = admin.tokens(session, user)
        typer.echo(f"{'id':>5} {'user':<20} {'name':<24} {'created':<16} {'expires':<16} "
                   f"{'last used':<16} state")
        for token, owner in rows:
            state = ("revoked" if token.revoked_at else
                     "expired" if token.expires_at and token.expires_at <= now else "live")
            typer.echo(f"{token.id:>5} {owner:<20} {token.name or '-':<24} "
                       f"{_when(token.created_at):<16} {_when(token.expires_at, 'never'):<16} "
                       f"{_when(token.last_used_at, 'never'):<16} {state}")


@token_app.command("revoke")
def revoke(token_id: int = typer.Argument(..., min=1, max=2**31 - 1)) -> None:
    """Revoke a token by its id (``worklist token list`` shows them)."""
    with database() as (session, _):
        row = admin.revoke_token(session, token_id, operator(), utcnow())
        if row is None:
            raise fail(f"no token {token_id}")
    typer.echo(f"token {token_id} revoked", err=True)


def _when(value: object, empty: str = "") -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else empty
