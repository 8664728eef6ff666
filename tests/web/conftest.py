"""Fixtures for the web tests: a seeded database, the app, and clients for each role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.seed import Seeded, close_sampled_on_concordance, seed
from worklist.settings import Settings
from worklist.web.app import create_app


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Seeded:
    return seed(sessions)


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session], seeded: Seeded) -> FastAPI:
    return create_app(settings, sessions, on_case_changed=close_sampled_on_concordance)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def bearer(seeded: Seeded, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[username]}"}
