"""The command line: every command is listed, and a bad setting stops start-up by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from worklist.cli import app

COMMANDS = ["serve", "listener", "hl7", "web", "worker", "beat", "db", "user", "token", "import", "demo"]


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command} " in result.output


def test_db_help_offers_upgrade() -> None:
    result = CliRunner().invoke(app, ["db", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "upgrade" in result.output


def test_bad_port_stops_serve_naming_the_variable(tmp_path: Path) -> None:
    env = os.environ | {"WORKLIST_DICOM_PORT": "abc", "WORKLIST_DATA_DIR": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-m", "worklist.cli", "serve"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode != 0
    assert "WORKLIST_DICOM_PORT" in completed.stderr
    assert not (tmp_path / "worklist.db").exists(), "nothing starts before settings are valid"


def test_db_upgrade_creates_the_embedded_database(tmp_path: Path) -> None:
    env = os.environ | {"WORKLIST_DATA_DIR": str(tmp_path / "data")}
    env.pop("WORKLIST_DATABASE_URL", None)
    completed = subprocess.run(
        [sys.executable, "-m", "worklist.cli", "db", "upgrade"],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "data" / "worklist.db").stat().st_size > 0
