"""The compose layout's TLS proxy, run for real: Caddy with deploy/Caddyfile in front of the
worklist's web app, a certificate made for the test, a client that trusts only that certificate."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import REPO_ROOT, free_port, service_missing
from tests.web.server import running
from worklist.settings import Settings
from worklist.web.app import create_app

CADDYFILE = REPO_ROOT / "deploy" / "Caddyfile"


def _certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        service_missing("openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _accepting(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def proxy(settings: Settings, sessions: sessionmaker[Session],
          tmp_path: Path) -> Iterator[tuple[str, Path]]:
    caddy = shutil.which("caddy")
    if caddy is None:
        service_missing("caddy (scripts/ensure-system-packages.sh installs it)")
    cert, key = _certificate(tmp_path)
    port = free_port()
    with running(create_app(settings, sessions)) as upstream:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLIST_")} | {
            "SITE_ADDRESS": "localhost", "PROXY_PORT": str(port), "TLS_CERT": str(cert),
            "TLS_KEY": str(key), "UPSTREAM": upstream.removeprefix("http://"),
            "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"), "HOME": str(tmp_path)}
        log = (tmp_path / "caddy.log").open("wb")
        process = subprocess.Popen([str(caddy), "run", "--config", str(CADDYFILE), "--adapter",
                                    "caddyfile"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not _accepting(port):
                assert process.poll() is None, (tmp_path / "caddy.log").read_text()
                assert time.monotonic() < deadline, "caddy did not start listening"
                time.sleep(0.1)
            yield f"https://localhost:{port}", cert
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()


def test_the_proxy_serves_the_worklist_over_tls_only(proxy: tuple[str, Path]) -> None:
    base, cert = proxy
    trusted = ssl.create_default_context(cafile=str(cert))
    response = httpx.get(f"{base}/health", verify=trusted, timeout=10)
    assert response.status_code == 200 and response.json()["database"] == "ok"
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["x-frame-options"] == "DENY", "the app's own headers pass through"
    login = httpx.get(f"{base}/login", verify=trusted, timeout=10)
    assert login.status_code == 200 and "csrf_token" in login.text
    plain = httpx.get(base.replace("https://", "http://") + "/health", timeout=5)
    assert plain.status_code == 400 and "database" not in plain.text, "no plain HTTP to the app"
    with pytest.raises(httpx.ConnectError):  # a certificate the client does not trust
        httpx.get(f"{base}/health", timeout=5)
