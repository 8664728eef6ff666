"""The product run as an operator runs it, for the operations tests: a story pushed over DICOM
to the real listener and in-process pipeline, and ``worklist`` commands with given settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from dicom_io.push import push_case
from tasks.wiring import start_pipeline
from tests.conftest import free_port
from tests.pipeline.harness import wait_idle
from worklist.cli import app
from worklist.commands.listener import start_listener
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import Item, ItemStatus, Patient
from worklist.demo import load_stories
from worklist.settings import Settings, get_settings, load_settings

STORY = "DEMO-0001"
FIRST_HALF = [1, 2, 3, 4, 5]
"""Screening and diagnostic work-up: items open, nothing sampled yet."""
SECOND_HALF = [6, 7, 8, 9, 10]
"""The biopsy of the wrong lesion, its pathology and concordance."""
STORY_END = {("unsampled-finding", ItemStatus.OPEN, "L"),
             ("pathology-pending", ItemStatus.RESOLVED, "L"),
             ("concordance-pending", ItemStatus.RESOLVED, "L")}
"""What DEMO-0001's ``expected`` block says the whole story leaves."""


def product_settings(url: str, data_dir: Path) -> Settings:
    return load_settings(database_url=url, data_dir=data_dir, broker_url="", allowed_aes=[],
                         dicom_host="127.0.0.1", dicom_port=free_port(),
                         remind_every_seconds=3600.0)


def push_story(settings: Settings, events: list[int]) -> None:
    """Push events of the story to a listener and pipeline started on ``settings``, and wait
    until every object is processed."""
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    story = next(s for s in load_stories() if s["id"] == STORY)
    pipeline = start_pipeline(settings, sessions)
    listener = start_listener(settings, sessions, pipeline.on_stored)
    try:
        push_case(story, "127.0.0.1", settings.dicom_port, "PACS", settings.ae_title,
                  day0=date.today(), order=events)
        wait_idle(sessions, timeout=120)
    finally:
        listener.shutdown()
        pipeline.stop()
        sessions.kw["bind"].dispose()


def story_items(url: str) -> set[tuple[str, ItemStatus, str | None]]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return set(session.execute(select(Item.kind, Item.status, Item.laterality)
                                       .join(Patient).where(Patient.patient_id == STORY)).all())
    finally:
        engine.dispose()


def command(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """``worklist ARGS`` with the process's settings pointing at ``settings``' database."""
    monkeypatch.setenv("WORKLIST_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()
