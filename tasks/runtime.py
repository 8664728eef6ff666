"""What a task process needs, built once per process (and again after a fork)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import Settings, get_settings


@lru_cache(maxsize=1)
def sessions() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().effective_database_url))


def settings() -> Settings:
    return get_settings()


def reset_after_fork() -> None:
    """A forked worker child must not share its parent's database connections."""
    if sessions.cache_info().currsize:
        engine = sessions().kw["bind"]
        engine.dispose(close=False)
    sessions.cache_clear()
