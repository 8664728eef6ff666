"""docker-compose.yml is accepted by the compose client (no engine is needed for `config`), and
describes the layout docs/deployment.md promises: every setting reaches every process through
deploy/worklist.env, migrations complete before anything else starts, and only DICOM, HL7 and the
TLS proxy's HTTPS port are published. The proxy's own configuration is run for real in front of a
web server (tests/operations/test_proxy.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values

from tests.conftest import REPO_ROOT, service_missing
from worklist.settings import Settings, SettingsError, load_settings, setting_names

PRODUCT = {"migrate", "listener", "hl7", "worker", "beat", "web"}
SERVICES = {"postgres", "redis", "proxy"} | PRODUCT
AFTER_MIGRATE = PRODUCT - {"migrate"}
PUBLISHED = {"listener": "11112", "hl7": "2575", "proxy": "443"}
ENV_FILE = REPO_ROOT / "deploy" / "worklist.env"


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@cache
def _rendered() -> dict[str, Any]:
    """The file as the compose client resolves it: anchors merged, env file read in."""
    command = _compose_command()
    if command is None:
        if shutil.which("docker") or os.environ.get("CI"):
            service_missing("a docker compose client")
        pytest.skip("no docker client on this machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLIST_")}
    env |= {"POSTGRES_PASSWORD": "example", "WORKLIST_SECRET_KEY": "example",
            "WORKLIST_DB_APP_PASSWORD": "example-app"}
    completed = subprocess.run(
        [*command, "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, env=env, timeout=60, cwd=REPO_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    rendered: dict[str, Any] = yaml.safe_load(completed.stdout)
    return rendered


def test_compose_file_describes_every_process() -> None:
    described = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert SERVICES <= set(described["services"])
    commands = {name: described["services"][name].get("command") for name in PRODUCT}
    assert commands["listener"] == ["worklist", "listener"]
    assert commands["hl7"] == ["worklist", "hl7"]
    assert commands["worker"] == ["worklist", "worker"]
    assert commands["migrate"] == ["worklist", "db", "upgrade"]


def test_compose_config_accepts_the_file() -> None:
    assert SERVICES <= set(_rendered()["services"])


def test_the_product_does_not_connect_as_the_tables_owner() -> None:
    """Only the migrate service holds the owner's URL; every process of the product waits for it
    and connects as the application role it created."""
    services = _rendered()["services"]
    migrate = services["migrate"]
    assert migrate["environment"]["WORKLIST_MIGRATION_DATABASE_URL"].startswith(
        "postgresql://worklist:")
    assert migrate["command"] == ["worklist", "db", "upgrade"]
    for name in PRODUCT:
        environment = services[name]["environment"]
        assert environment["WORKLIST_DATABASE_URL"].startswith("postgresql://worklist_app:"), name
        if name != "migrate":
            assert "WORKLIST_MIGRATION_DATABASE_URL" not in environment, name


def test_processes_start_after_the_migrations_complete() -> None:
    services = _rendered()["services"]
    for name in AFTER_MIGRATE:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["migrate"].get("depends_on", {})


def test_only_dicom_hl7_and_https_are_published() -> None:
    services = _rendered()["services"]
    published = {name: [str(p["target"] if isinstance(p, dict) else p).rsplit(":", 1)[-1]
                        for p in service.get("ports", [])]
                 for name, service in services.items() if service.get("ports")}
    assert published == {name: [port] for name, port in PUBLISHED.items()}


def test_the_env_file_carries_every_setting_and_nothing_else() -> None:
    text = ENV_FILE.read_text(encoding="utf-8")
    named = {line.lstrip("# ").split("=", 1)[0] for line in text.splitlines()
             if line.lstrip("# ").startswith("WORKLIST_") and "=" in line}
    missing = sorted(set(setting_names()) - named)
    assert not missing, f"add to deploy/worklist.env: {missing}"
    assert not sorted(named - set(setting_names())), "deploy/worklist.env names no setting"
    values = {k: v or "" for k, v in dotenv_values(ENV_FILE).items()}
    assert load_settings(**{k.removeprefix("WORKLIST_").lower(): v for k, v in values.items()})


@pytest.mark.parametrize("name", sorted(PRODUCT))
def test_every_process_gets_every_setting_and_a_valid_environment(
    name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = _rendered()["services"][name]["environment"]
    given = {k for k in environment if k.startswith("WORKLIST_")}
    optional = {f"WORKLIST_{f.upper()}" for f, field in Settings.model_fields.items()
                if field.get_default(call_default_factory=True) is None}
    # The owner's URL reaches the migrate service only (the owner test above).
    owner_only = set() if name == "migrate" else {"WORKLIST_MIGRATION_DATABASE_URL"}
    assert set(setting_names()) - optional - owner_only <= given, \
        "a setting that cannot reach the process"
    for variable in [k for k in os.environ if k.startswith("WORKLIST_")]:
        monkeypatch.delenv(variable)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, str(value))
    try:
        settings = load_settings()
    except SettingsError as error:
        pytest.fail(f"{name}: {error}")
    assert settings.database_url.startswith("postgresql://") and settings.uses_broker
    if name == "listener":
        assert settings.dicom_host == "0.0.0.0"
