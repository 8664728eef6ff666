"""Fixtures for the web tests: the app as ``worklist serve`` builds it (the real rules re-evaluate
a case when a person changes it), over either a seeded database or seed 000 pushed through the
real pipeline, and clients for each role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.seed import Seeded, seed
from tests.web.through_pipeline import PushedCase, push_seed_case
from worklist.settings import Settings
from worklist.web.app import create_app


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Seeded:
    return seed(sessions)


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session], seeded: Seeded) -> FastAPI:
    return create_app(settings, sessions)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def pushed(settings: Settings, sessions: sessionmaker[Session]) -> PushedCase:
    return push_seed_case(settings, sessions)


@pytest.fixture
def pushed_app(settings: Settings, sessions: sessionmaker[Session], pushed: PushedCase) -> FastAPI:
    return create_app(settings, sessions)


@pytest.fixture
def pushed_client(pushed_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(pushed_app) as test_client:
        yield test_client


def bearer(seeded: Seeded | PushedCase, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[username]}"}
