"""The log sentinel test (see tests/web/test_logs.py, tests/hl7/test_logs.py) for the DICOM side:
``worklist listener`` and ``worklist worker`` as separate processes, at DEBUG, receive and process
objects whose invalid values carry a patient's name and identifier. pydicom quotes such values in
its warnings; none may reach either log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.pipeline.processes import PrivateRedis, Worklist, wait_until
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import InboxObject, InboxState

PATIENT_ID = "ZQX-7731-LG"
PATIENT_NAME = "QUILLBY^ROSAMUND"
SENTINELS = [PATIENT_ID, "QUILLBY", "ROSAMUND"]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def _carrying_sentinels(tmp_path: Path) -> list[Path]:
    """Patient name and ID in the header, and quoted inside values pydicom finds invalid."""
    quoted = f"{PATIENT_ID}.{PATIENT_NAME}"
    image = factories.mammogram("L", "CC", PatientID=PATIENT_ID, PatientName=PATIENT_NAME)
    image.SeriesInstanceUID = quoted
    image.FrameOfReferenceUID = quoted
    report = factories.basic_text_sr("No mass.", "BI-RADS 1.", PatientID=PATIENT_ID,
                                     PatientName=PATIENT_NAME)
    report.SeriesInstanceUID = quoted
    return [factories.write(image, tmp_path / "image.dcm"),
            factories.write(report, tmp_path / "report.dcm")]


def test_listener_and_worker_logs_carry_no_patient_data(
    postgres_url: str, broker: PrivateRedis, tmp_path: Path,
) -> None:
    port = free_port()
    processes = Worklist(tmp_path / "processes", {
        "WORKLIST_DATABASE_URL": postgres_url, "WORKLIST_BROKER_URL": broker.url,
        "WORKLIST_DATA_DIR": str(tmp_path / "data"), "WORKLIST_DICOM_PORT": str(port),
        "WORKLIST_LOG_LEVEL": "DEBUG", "WORKLIST_LOG_FORMAT": "json",
        "WORKLIST_REMIND_EVERY_SECONDS": "3600",
    })
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        listener = processes.start("listener", name="listener")
        listener.wait_for("listening on", 90)
        worker = processes.worker()
        assert send(port, _carrying_sentinels(tmp_path)) == [0x0000, 0x0000]

        def processed() -> bool:
            with sessions() as session:
                return session.scalar(select(func.count()).select_from(InboxObject).where(
                    InboxObject.state == InboxState.PENDING)) == 0
        wait_until(processed, 120, "the worker to process both objects", every=0.2)
        listener.stop()
        worker.stop()
    finally:
        processes.stop_all()
        engine.dispose()
    for process in (listener, worker):
        lines = [line for line in process.output().splitlines() if line.startswith("{")]
        entries = [json.loads(line) for line in lines]
        # The capture works: pydicom's warning about the invalid UID is there, its value cut out.
        assert any("Invalid value for VR UI: <value>" in e["message"] for e in entries), \
            process.output()[-3000:]
        for sentinel in SENTINELS:
            leaked = [line for line in process.output().splitlines()
                      if sentinel.lower() in line.lower()]
            assert not leaked, f"{sentinel!r} in the {process.log.stem} log: {leaked[:3]}"
