"""Fixtures for the operations tests: an empty database beside the test's migrated one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_admin, _with_database


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``database_url``, never migrated."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh' / 'worklist.db'}"
        return
    admin = _postgres_admin()
    assert admin is not None
    name = f"worklist_f_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(POSTGRES_ADMIN_URL, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
