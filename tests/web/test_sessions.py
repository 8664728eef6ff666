"""Browser sessions live on the server: a copied cookie is worth nothing after logout, a session
ends at its idle timeout and its absolute lifetime, on a password change and when an
administrator ends it; the cookie holds a signed random key only, ``HttpOnly``, ``SameSite=Lax``,
and ``Secure`` with HSTS when the public URL is https."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.seed import Seeded
from tests.web.test_pages import csrf, login
from worklist.accounts.service import change_password
from worklist.db.base import utcnow
from worklist.db.models import User, WebSession
from worklist.settings import Settings
from worklist.web.app import create_app
from worklist.web.cookies import SESSION_COOKIE

NEW_PASSWORD = "plainly another passphrase"


def _session_cookie(client: TestClient) -> str:
    value = client.cookies.get(SESSION_COOKIE)
    assert value, "logged in"
    return value


def _fresh_client(client: TestClient, cookie: str) -> TestClient:
    """Another browser that was handed a copy of the cookie."""
    other = TestClient(client.app)
    other.cookies.set(SESSION_COOKIE, cookie)
    return other


def _is_out(client: TestClient) -> bool:
    page = client.get("/", follow_redirects=False)
    api = client.get("/api/v1/items")
    return page.status_code == 303 and page.headers["location"] == "/login" and \
        api.status_code == 401


def test_a_cookie_copied_before_logout_opens_nothing_after_it(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    copied = _session_cookie(client)
    assert not _is_out(_fresh_client(client, copied)), "the copy works while the session lives"
    assert client.post("/logout", data={"csrf_token": csrf(client, "/failed")},
                       follow_redirects=False).status_code == 303
    assert _is_out(_fresh_client(client, copied))
    assert _is_out(client)
    with sessions() as session:
        row = session.scalars(select(WebSession)).one()
        assert row.revoked_reason == "logout" and row.revoked_at is not None


def test_a_session_ends_at_its_absolute_lifetime_however_active(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    with sessions() as session:
        row = session.scalars(select(WebSession)).one()
        assert row.expires_at - row.created_at == timedelta(hours=12)  # the default
        # Logged in 12 hours and a minute ago, and used a moment ago.
        row.created_at -= timedelta(hours=12, minutes=1)
        row.expires_at -= timedelta(hours=12, minutes=1)
        row.last_seen_at = utcnow()
        session.commit()
    assert _is_out(client)
    with sessions() as session:
        assert session.scalars(select(WebSession.revoked_reason)).one() == "expired"


def test_a_password_change_ends_every_session_of_that_user_only(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    second = TestClient(client.app)
    login(second, "cora")
    radiologist = TestClient(client.app)
    login(radiologist, "rafa")
    with sessions() as session:
        cora = session.scalars(select(User).where(User.username == "cora")).one()
        change_password(session, cora, NEW_PASSWORD, now=utcnow())
        session.commit()
    assert _is_out(client) and _is_out(second)
    assert not _is_out(radiologist)
    login(client, "cora", NEW_PASSWORD)
    assert not _is_out(client)


def test_the_cookie_is_a_signed_random_key_set_once(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    response = client.post("/login", data={"username": "cora", "password": "correct horse battery",
                                           "csrf_token": csrf(client)}, follow_redirects=False)
    set_cookie = [h for h in response.headers.get_list("set-cookie")
                  if h.startswith(SESSION_COOKIE + "=")]
    assert len(set_cookie) == 1
    flags = {part.strip().lower() for part in set_cookie[0].split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # served over plain http here
    assert not any(flag.startswith(("max-age", "expires")) for flag in flags)
    cookie = _session_cookie(client)
    key, _, signature = cookie.rpartition(".")
    assert len(key) >= 43 and signature, "a random key of 32 bytes and its signature"
    with sessions() as session:
        row = session.scalars(select(WebSession)).one()
        assert key not in row.key_hash and len(row.key_hash) == 64
        assert str(row.user_pk) not in key.split("-")
    # Not re-issued on use (a cookie re-signed on every request never dies).
    page = client.get("/")
    assert page.status_code == 200 and SESSION_COOKIE not in page.headers.get("set-cookie", "")
    # A key with a broken signature is refused without a lookup, and the browser told to forget it.
    tampered = _fresh_client(client, key + "." + signature[::-1])
    refused = tampered.get("/", follow_redirects=False)
    assert refused.status_code == 303 and f'{SESSION_COOKIE}=""' in refused.headers["set-cookie"]
    unsigned = _fresh_client(client, key)
    assert _is_out(unsigned)


def test_over_https_the_cookies_are_secure_and_hsts_is_sent(
    settings: Settings, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    https = settings.model_copy(update={"public_url": "https://worklist.example.org"})
    with TestClient(create_app(https, sessions), base_url="https://testserver") as client:
        form = client.get("/login")
        assert form.headers["strict-transport-security"] == "max-age=31536000"
        assert "secure" in form.headers["set-cookie"].lower()  # the login state cookie
        response = client.post("/login", data={"username": "cora",
                                               "password": "correct horse battery",
                                               "csrf_token": csrf(client)},
                               follow_redirects=False)
        set_cookie = next(h for h in response.headers.get_list("set-cookie")
                          if h.startswith(SESSION_COOKIE + "="))
        assert "secure" in {part.strip().lower() for part in set_cookie.split(";")}
        assert client.get("/health").headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(create_app(settings, sessions)) as plain:
        assert "strict-transport-security" not in plain.get("/login").headers


def test_a_disabled_user_is_out_at_once(
    client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]
) -> None:
    login(client, "cora")
    with sessions() as session:
        session.scalars(select(User).where(User.username == "cora")).one().active = False
        session.commit()
    assert _is_out(client)
