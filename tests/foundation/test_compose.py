"""docker-compose.yml is accepted by the compose client (no engine is needed for `config`)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO_ROOT, service_missing

SERVICES = {"postgres", "redis", "listener", "worker", "beat", "web"}


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_describes_every_process() -> None:
    described = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert SERVICES <= set(described["services"])
    commands = {name: described["services"][name].get("command") for name in SERVICES}
    assert commands["listener"] == ["worklist", "listener"]
    assert commands["worker"] == ["worklist", "worker"]


def test_the_product_does_not_connect_as_the_tables_owner() -> None:
    """Only the migrate service holds the owner's URL; every process of the product waits for it
    and connects as the application role it created."""
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    owner = "postgresql://worklist:"
    migrate = services["migrate"]
    assert migrate["environment"]["WORKLIST_MIGRATION_DATABASE_URL"].startswith(owner)
    assert migrate["command"] == ["worklist", "db", "upgrade"]
    for name in SERVICES - {"postgres", "redis"} | {"migrate"}:
        environment = services[name]["environment"]
        assert environment["WORKLIST_DATABASE_URL"].startswith("postgresql://worklist_app:"), name
        if name != "migrate":
            assert "WORKLIST_MIGRATION_DATABASE_URL" not in environment, name
            assert services[name]["depends_on"]["migrate"]["condition"] == \
                "service_completed_successfully", name


def test_compose_config_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        if shutil.which("docker"):
            service_missing("a docker compose client")
        pytest.skip("no docker client on this machine")
    env = os.environ | {"POSTGRES_PASSWORD": "example", "WORKLIST_SECRET_KEY": "example",
                        "WORKLIST_DB_APP_PASSWORD": "example-app"}
    completed = subprocess.run(
        [*command, "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    rendered = yaml.safe_load(completed.stdout)
    assert SERVICES <= set(rendered["services"])
