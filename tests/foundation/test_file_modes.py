"""The SQLite database (with its WAL) and the session key are readable by the service account
only (0600), in a data directory closed to others (0700), whatever the umask; an installation
made before is tightened when the product starts."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from tests.conftest import REPO_ROOT
from worklist.db.engine import make_engine
from worklist.files import private_dir
from worklist.settings import load_settings
from worklist.web.secret import session_secret


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _upgrade(data_dir: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "worklist.cli", "db", "upgrade"],
        env=os.environ | {"WORKLIST_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: new files 0644 unless told
    )
    assert completed.returncode == 0, completed.stderr


def test_a_new_installation_keeps_its_database_and_key_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    _upgrade(data)
    database = data / "worklist.db"
    assert _mode(data) == 0o700 and _mode(data.parent) == 0o700
    assert _mode(database) == 0o600
    previous = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{database}")
        with engine.begin() as connection:  # a write makes the WAL and shared-memory files
            connection.execute(text("INSERT INTO audit_log (at, actor, action, object_type, "
                                    "object_id, remote_addr, detail) VALUES (CURRENT_TIMESTAMP,"
                                    " 'a', 'b', '', '', '', '{}')"))
            for companion in ("worklist.db-wal", "worklist.db-shm"):
                assert _mode(data / companion) == 0o600, companion
        engine.dispose()
        session_secret(load_settings(data_dir=data, database_url="sqlite://"))
        assert _mode(data / "secret_key") == 0o600
    finally:
        os.umask(previous)


def test_an_older_installation_is_tightened_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "worklist.db").touch()
    (data / "worklist.db").chmod(0o644)
    (data / "secret_key").write_text("an older key of enough length to be used as it is\n")
    (data / "secret_key").chmod(0o644)
    _upgrade(data)
    assert _mode(data / "worklist.db") == 0o600
    private_dir(data)  # what serve, listener, worker and import do first
    assert _mode(data) == 0o700
    session_secret(load_settings(data_dir=data, database_url="sqlite://"))
    assert _mode(data / "secret_key") == 0o600
