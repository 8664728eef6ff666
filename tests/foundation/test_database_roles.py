"""Append-only holds on PostgreSQL even against TRUNCATE: the application connects as a role that
does not own the tables (``worklist db upgrade`` creates it and grants it what it uses), and a
trigger refuses TRUNCATE of the history even to the tables' owner."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL, REPO_ROOT
from tests.web.seed import seed
from tests.web.test_pages import login
from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import load_settings
from worklist.web.app import create_app

HISTORY = ("audit_log", "item_events", "items")


@pytest.fixture
def app_role_url(postgres_url: str) -> Iterator[str]:
    """The URL of an application role that does not exist yet; dropped after the test."""
    name = f"worklist_app_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).set(username=name, password="app-role-secret")
    yield url.render_as_string(hide_password=False)
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        database = make_url(postgres_url).database
        connection.execute(text(f'REVOKE ALL ON DATABASE "{database}" FROM "{name}"'))
    owner = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f'DROP OWNED BY "{name}"'))
    owner.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    admin.dispose()


def _upgrade(owner_url: str, app_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"WORKLIST_DATABASE_URL": app_url,
                        "WORKLIST_MIGRATION_DATABASE_URL": owner_url,
                        "WORKLIST_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "worklist.cli", "db", "upgrade"], env=env,
                          capture_output=True, text=True, timeout=120)


def _refused(engine: Engine, statement: str, match: str) -> None:
    with pytest.raises(Exception, match=match):
        with engine.begin() as connection:
            connection.execute(text(statement))


def test_the_application_role_cannot_truncate_or_rewrite_history_yet_runs_the_product(
    postgres_url: str, app_role_url: str, tmp_path: Path
) -> None:
    completed = _upgrade(postgres_url, app_role_url, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "granted its privileges" in completed.stdout
    engine = make_engine(app_role_url)
    sessions = make_session_factory(engine)
    try:
        seeded = seed(sessions)  # the application role writes every kind of row
        with TestClient(create_app(load_settings(database_url=app_role_url,
                                                 data_dir=tmp_path / "data"), sessions)) as web:
            login(web, "cora")
            assert web.get(f"/items/{seeded.seed_item}").status_code == 200
            response = web.post(f"/api/v1/items/{seeded.seed_item}/acknowledge",
                                headers={"Authorization": f"Bearer {seeded.tokens['cora']}"})
            assert response.status_code == 200
        for table in HISTORY:
            _refused(engine, f"TRUNCATE {table} CASCADE", "permission denied")
        _refused(engine, "DELETE FROM audit_log", "permission denied")
        _refused(engine, "UPDATE item_events SET actor = 'someone else'", "permission denied")
        _refused(engine, "DELETE FROM items", "permission denied")
        _refused(engine, "DROP TRIGGER audit_log_no_truncate ON audit_log", "must be owner")
        _refused(engine, "ALTER TABLE audit_log DISABLE TRIGGER ALL", "must be owner")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > 0
            assert connection.execute(text("SELECT count(*) FROM items")).scalar_one() == 4
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", HISTORY)
def test_truncate_is_refused_even_to_the_tables_owner(postgres_url: str, table: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO audit_log (at, actor, action, object_type, object_id, remote_addr,"
                " detail) VALUES (CURRENT_TIMESTAMP, 'alice', 'view-item', 'item', '1', '', '{}')"))
        _refused(engine, f"TRUNCATE {table} CASCADE",
                 f"TRUNCATE on {table} is not allowed: history is append-only")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_application_role_must_not_be_the_owner(postgres_url: str, tmp_path: Path) -> None:
    """Both URLs naming one role is the old, bypassable set-up: nothing to grant, said plainly."""
    completed = subprocess.run(
        [sys.executable, "-m", "worklist.cli", "db", "grant"],
        env=os.environ | {"WORKLIST_DATABASE_URL": postgres_url,
                          "WORKLIST_MIGRATION_DATABASE_URL": postgres_url,
                          "WORKLIST_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1 and "other than the migrations'" in completed.stderr
