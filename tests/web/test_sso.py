"""Single sign-on with OpenID Connect, against a real provider (panva/oidc-provider, run by Node
from ``tests/web/oidc``; ``scripts/ensure-test-tools.sh`` installs it) and driven through its own
login page by a real Chromium. The role comes from the provider's ``groups`` claim through the
site's mapping; a user with no mapped role, or whose name belongs to a local account, is refused;
local accounts keep logging in with their password."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import REPO_ROOT, free_port, service_missing
from tests.web.seed import PASSWORD, Seeded
from tests.web.server import running
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_pages import csrf, login
from worklist.accounts.sso import ClaimRules, role_from
from worklist.db.models import AuditEntry, Role, User, WebSession
from worklist.settings import Settings
from worklist.web.app import create_app

PROVIDER_DIR = REPO_ROOT / "tests" / "web" / "oidc"
CLIENT_ID, CLIENT_SECRET = "breast-worklist", "a-client-secret-for-the-test"
ROLES = "breast-nurses=coordinator,breast-radiologists=radiologist,worklist-admins=admin"
ACCOUNTS = {
    "nadia": {"password": "nadia's hospital password", "name": "Nadia Okafor",
              "groups": ["all-staff", "breast-nurses"]},
    "visitor": {"password": "visitor's hospital password", "name": "A Visitor",
                "groups": ["all-staff", "cardiology"]},
    "cora": {"password": "cora's hospital password", "name": "Cora Again",
             "groups": ["breast-nurses"]},
}


@dataclass(frozen=True)
class Provider:
    issuer: str
    port: int


def _provider_installed() -> str:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        service_missing("the test OpenID Connect provider (run scripts/ensure-test-tools.sh)")
    return str(node)


@pytest.fixture
def provider_port() -> Provider:
    port = free_port()
    return Provider(f"http://127.0.0.1:{port}", port)


def _start_provider(node: str, provider: Provider, redirect_uri: str) -> subprocess.Popen[str]:
    env = os.environ | {"OIDC_PORT": str(provider.port), "OIDC_CLIENT_ID": CLIENT_ID,
                        "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_REDIRECT_URI": redirect_uri,
                        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS)}
    process = subprocess.Popen([node, "provider.mjs"], cwd=PROVIDER_DIR, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ready = threading.Event()
    lines: list[str] = []

    def watch() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("listening "):
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(30):
        process.kill()
        raise RuntimeError("the OpenID Connect provider did not start:\n" + "".join(lines))
    return process


@pytest.fixture
def sso_site(settings: Settings, sessions: sessionmaker[Session], seeded: Seeded,
             provider_port: Provider) -> Iterator[tuple[str, Provider]]:
    """The worklist with single sign-on on a real server, and the provider it trusts."""
    node = _provider_installed()
    sso = settings.model_copy(update={
        "oidc_issuer": provider_port.issuer, "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET, "oidc_scopes": "openid profile groups",
        "oidc_role_claim": "groups", "oidc_roles": ROLES.split(","),
    })
    with running(create_app(sso, sessions), log_level="warning") as base:
        process = _start_provider(node, provider_port, f"{base}/login/oidc/callback")
        try:
            yield base, provider_port
        finally:
            process.terminate()
            process.wait(timeout=15)


def _sign_in(page: Any, base: str, provider: Provider, username: str, password: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("button", name="Log in with the hospital account").click()
    page.wait_for_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.get_by_label("Hospital username").fill(username)
    page.get_by_label("Hospital password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_coordinator_signs_in_through_the_hospital_provider(
    sso_site: tuple[str, Provider], browser: Any, sessions: sessionmaker[Session]  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    base, provider = sso_site
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, provider, "nadia", "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.get_by_label("Hospital username").fill("nadia")
    page.get_by_label("Hospital password").fill(ACCOUNTS["nadia"]["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("heading", name="Open items")).to_be_visible()
    expect(page.locator(".who")).to_contain_text("nadia")
    expect(page.locator(".who .role")).to_have_text("coordinator")
    cookie = next(c for c in context.cookies(base) if c["name"] == "worklist_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    with sessions() as session:
        nadia = session.scalars(select(User).where(User.username == "nadia")).one()
        assert (nadia.auth_source, nadia.role) == ("oidc", Role.COORDINATOR)
        assert nadia.external_subject == f"{provider.issuer}|nadia"
        assert session.scalars(select(WebSession.method).where(
            WebSession.user_pk == nadia.id)).one() == "oidc"
        trail = [(e.actor, e.action, e.detail.get("method")) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["user-added", "login"]))
            .order_by(AuditEntry.id))]
    assert trail == [("single-sign-on", "user-added", "oidc"), ("nadia", "login", "oidc")]

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/login")
    # No local password: the password form does not let the SSO account in.
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password").fill(ACCOUNTS["nadia"]["password"])
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    # Local accounts stay: cora logs in with her password beside the SSO button.
    page.get_by_label("Username").fill("cora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{base}/")
    context.close()


@pytest.mark.parametrize(("username", "message"), [
    ("visitor", "has no role in the worklist"),
    ("cora", "An account named cora already exists here"),
])
def test_who_the_site_does_not_map_is_refused_and_audited(
    sso_site: tuple[str, Provider], browser: Any, sessions: sessionmaker[Session],  # noqa: F811
    username: str, message: str,
) -> None:
    from playwright.sync_api import expect

    base, provider = sso_site
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, provider, username, ACCOUNTS[username]["password"])
    page.wait_for_url(re.compile(re.escape(base) + "/login/oidc/callback"))
    expect(page.get_by_role("alert")).to_contain_text(message)
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/login")
    context.close()
    with sessions() as session:
        refusals = session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "login-refused")).all()
        assert [r["method"] for r in refusals] == ["oidc"]
        assert session.scalars(select(WebSession)).all() == []
        assert session.scalars(select(User).where(User.auth_source == "oidc")).all() == []


def test_a_forged_callback_is_refused_with_a_sentence(
    settings: Settings, sessions: sessionmaker[Session], seeded: Seeded,
    provider_port: Provider,
) -> None:
    """A callback that this browser did not start (no state of its own) opens nothing; it is
    refused before the provider is even asked."""
    sso = settings.model_copy(update={
        "oidc_issuer": provider_port.issuer, "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET, "oidc_roles": ROLES.split(",")})
    with TestClient(create_app(sso, sessions)) as client:
        login_page = client.get("/login")
        assert "Log in with the hospital account" in login_page.text
        forged = client.get("/login/oidc/callback", params={"code": "x", "state": "y"})
        assert forged.status_code == 400 and "did not complete" in forged.text
        no_token = client.post("/login/oidc", data={"csrf_token": "forged"})
        assert no_token.status_code == 403
        login(client, "cora")  # the password form works as before
        assert client.get("/", follow_redirects=False).status_code == 200
    with TestClient(create_app(settings, sessions)) as plain:
        assert "hospital account" not in plain.get("/login").text
        assert plain.post("/login/oidc", data={"csrf_token": csrf(plain)}).status_code == 404


def test_the_role_is_the_first_mapping_the_claim_holds() -> None:
    rules = ClaimRules("preferred_username", "groups",
                       [("worklist-admins", "admin"), ("breast-nurses", "coordinator")])
    assert role_from({"groups": ["breast-nurses", "worklist-admins"]}, rules) == Role.ADMIN
    assert role_from({"groups": "staff breast-nurses"}, rules) == Role.COORDINATOR
    assert role_from({"groups": ["cardiology"]}, rules) is None
    assert role_from({}, rules) is None
