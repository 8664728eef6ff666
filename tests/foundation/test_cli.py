"""The command line: every command is listed, and a bad setting stops start-up by name."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO_ROOT, free_port
from worklist.cli import app

COMMANDS = ["serve", "listener", "hl7", "web", "worker", "beat", "db", "user", "token", "import", "demo", "audit",
            "read", "backup", "restore"]


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


def test_boolean_flags_are_shown_as_flags() -> None:
    for command in (["serve"], ["read"], ["user", "add"], ["db", "seed-scale"]):
        result = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
        assert result.exit_code == 0
        assert "<bool>" not in result.output and "BOOLEAN" not in result.output, result.output
    serve_help = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200).output
    assert re.search(r"^\s+--demo\s+Push the demo", serve_help, re.MULTILINE), serve_help


def test_the_readme_shows_adding_a_user_from_a_script() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"worklist user add \S+ --role \w+ --password-stdin", readme)


def _run(command: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "worklist.cli", *command], env=env,
                          capture_output=True, text=True, timeout=timeout)


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLIST_")}
    return env | {"WORKLIST_DATA_DIR": str(tmp_path / "data"), **settings}


@pytest.mark.parametrize(("command", "busy"), [
    (["serve"], "WORKLIST_DICOM_PORT"), (["serve"], "WORKLIST_HTTP_PORT"),
    (["listener"], "WORKLIST_DICOM_PORT"), (["listener", "--processes", "2"], "WORKLIST_DICOM_PORT"),
    (["web"], "WORKLIST_HTTP_PORT"),
])
def test_a_busy_port_is_one_line_naming_the_port_and_its_variable(
    tmp_path: Path, command: list[str], busy: str,
) -> None:
    ports = {"WORKLIST_DICOM_PORT": free_port(), "WORKLIST_HTTP_PORT": free_port()}
    with socket.create_server(("127.0.0.1", ports[busy])):  # someone else holds it
        completed = _run(command, _env(tmp_path, WORKLIST_DICOM_HOST="127.0.0.1",
                                       **{name: str(port) for name, port in ports.items()}))
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in completed.stderr, completed.stderr
    assert f"port {ports[busy]} on 127.0.0.1 ({busy}) is already in use" in lines[0]
    assert "web on" not in completed.stderr


def test_start_up_warns_when_notifications_go_nowhere(tmp_path: Path) -> None:
    """The busy web port ends ``listener``'s sibling quickly; here the listener itself starts
    (no broker: it would send the reminders) and is stopped once it has said so."""
    port = free_port()
    env = _env(tmp_path, WORKLIST_DICOM_HOST="127.0.0.1", WORKLIST_DICOM_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "worklist.cli", "listener"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "notifications go nowhere" in stderr
    assert "WORKLIST_SMTP_HOST" in stderr and "WORKLIST_WEBHOOK_URL" in stderr
