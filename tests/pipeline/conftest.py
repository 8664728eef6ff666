"""A listener and the in-process pipeline against the test's database, as ``worklist serve`` runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tasks.wiring import start_pipeline
from tests.conftest import free_port
from worklist.commands.listener import start_listener
from worklist.db.engine import make_engine, make_session_factory
from worklist.settings import Settings, load_settings


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    settings = load_settings(database_url=database_url, data_dir=tmp_path / "data",
                             dicom_port=free_port(), broker_url="", allowed_aes=[])
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    pipeline = start_pipeline(settings, sessions)
    server = start_listener(settings, sessions, pipeline.on_stored)
    yield settings, sessions
    server.shutdown()  # type: ignore[attr-defined]
    pipeline.stop()
    engine.dispose()
