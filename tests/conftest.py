"""Shared fixtures: real databases (SQLite and PostgreSQL) built by the migrations, real Redis.

Each test gets its own database, copied from a template migrated once per run, so tests that
start listeners, workers or web servers in other threads and processes stay isolated too.
When ``CI`` is set, a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import rules
from worklist.db import migrate
from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import Settings, load_settings

POSTGRES_ADMIN_URL = os.environ.get(
    "WORKLIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WORKLIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = REPO_ROOT.parent / "shared" / "examples"
IN_CI = bool(os.environ.get("CI"))



def pytest_configure(config: pytest.Config) -> None:
    # A run meant for the compiled build (tests/rules/test_compiled_rules.py) must not pass quietly
    # on the interpreted source because of a path mix-up.
    if os.environ.get("WORKLIST_EXPECT_COMPILED_RULES") == "1" and rules.build() != "compiled":
        raise pytest.UsageError(f"expected the compiled rules engine, imported {rules.__file__}")

def service_missing(what: str) -> None:
    """Skip locally, fail in CI: CI must never pass by skipping the real services."""
    if IN_CI:
        pytest.fail(f"{what} is not available and CI is set", pytrace=False)
    pytest.skip(f"{what} is not available")


def _postgres_admin() -> Engine | None:
    engine = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        engine.dispose()
        return None
    return engine


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    admin = _postgres_admin()
    if admin is None:
        yield None
        return
    name = f"worklist_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    migrate.upgrade(_with_database(POSTGRES_ADMIN_URL, name))
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _postgres_database(template: str | None) -> Iterator[str]:
    if template is None:
        service_missing("PostgreSQL at " + POSTGRES_ADMIN_URL.rpartition("@")[2])
    admin = _postgres_admin()
    assert admin is not None
    name = f"worklist_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _with_database(POSTGRES_ADMIN_URL, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_database(template: Path, tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "worklist.db"
    shutil.copyfile(template, path)
    yield f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated database; the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_database(sqlite_template, tmp_path)
    else:
        yield from _postgres_database(request.getfixturevalue("postgres_template"))


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, for tests that need PostgreSQL itself."""
    yield from _postgres_database(request.getfixturevalue("postgres_template"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at this test's database and a private data directory."""
    return load_settings(
        database_url=database_url, data_dir=tmp_path / "data", broker_url="", allowed_aes=[]
    )


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database (number 15), emptied before and after the test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        service_missing("Redis at " + REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
