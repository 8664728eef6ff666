"""Group commit: objects from concurrent associations share commits, and no Success is answered
before the object's own row is committed."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pydicom
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.ingest import Status
from dicom_io.ports import Origin, ReceivedObject, SinkUnavailable, StoreOutcome, StoreResult
from dicom_io.spool import Spool
from tests.conftest import free_port
from tests.dicom import factories
from tests.dicom.conftest import send
from tests.dicom.test_database_outage import _postgres_outage, _sqlite_outage
from worklist.commands.listener import start_listener
from worklist.db.engine import make_engine, make_session_factory
from worklist.db.models import InboxObject
from worklist.inbox.group_commit import GroupCommitSink
from worklist.inbox.sink import Prepared, SqlInboxSink
from worklist.settings import Settings

ASSOCIATIONS = 6
PER_ASSOCIATION = 5
ALL_STORED = [[Status.SUCCESS] * PER_ASSOCIATION] * ASSOCIATIONS


def _received(spool: Spool, uid: str, content: bytes) -> ReceivedObject:
    return ReceivedObject(
        spooled=spool.receive_bytes(content), sop_class_uid="1.2.840.10008.5.1.4.1.1.1.2",
        sop_instance_uid=uid, transfer_syntax_uid="1.2.840.10008.1.2.1", study_uid="2.25.7",
        category="image", in_scope=True, scope_reason="breast SOP class",
        origin=Origin("PACS", "WORKLIST", "127.0.0.1"), received_at=datetime.now(UTC),
    )


class GatedSink:
    """A batch sink whose first commit waits for the test to open the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.batches: list[list[str]] = []

    def prepare(self, received: ReceivedObject) -> Prepared:
        return Prepared(received, f"objects/{received.sop_instance_uid}")

    def commit_many(self, batch: Sequence[Prepared]) -> list[StoreResult | SinkUnavailable]:
        self.entered.set()
        self.gate.wait(30)
        self.batches.append([item.received.sop_instance_uid for item in batch])
        return [StoreResult(StoreOutcome.STORED, n) for n, _ in enumerate(batch, start=1)]

    def release(self, prepared: Prepared) -> None:
        pass

    def reject_association(self, calling_ae: str, address: str, reason: str) -> None:
        pass


def test_waiting_handlers_are_answered_only_after_their_batch_commits(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    gated = GatedSink()
    sink = GroupCommitSink(gated)
    answered: list[str] = []

    def store(uid: str) -> None:
        sink.store(_received(spool, uid, uid.encode()))
        answered.append(uid)

    first = threading.Thread(target=store, args=("2.25.1",))
    first.start()
    assert gated.entered.wait(10)
    others = [threading.Thread(target=store, args=(f"2.25.{n}",)) for n in range(2, 8)]
    for thread in others:
        thread.start()
    first.join(0.5)
    assert answered == [], "nothing is answered while its commit has not returned"
    gated.gate.set()
    for thread in [first, *others]:
        thread.join(10)
    sink.close()
    assert sorted(answered) == sorted(f"2.25.{n}" for n in range(1, 8))
    assert gated.batches[0] == ["2.25.1"]
    assert sorted(gated.batches[1]) == [f"2.25.{n}" for n in range(2, 8)], \
        "the six that arrived during the first commit share the second"


def test_one_commit_settles_duplicates_and_versions_in_arrival_order(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    sink = SqlInboxSink(sessions, spool)
    assert sink.store(_received(spool, "2.25.10", b"stored earlier")).outcome is StoreOutcome.STORED
    batch = [
        _received(spool, "2.25.11", b"new"),
        _received(spool, "2.25.11", b"new"),  # the same object again, on another association
        _received(spool, "2.25.11", b"changed"),
        _received(spool, "2.25.10", b"stored earlier"),
        _received(spool, "2.25.10", b"corrected"),
    ]
    results = sink.commit_many([sink.prepare(received) for received in batch])
    assert [r.outcome for r in results if isinstance(r, StoreResult)] == [
        StoreOutcome.STORED, StoreOutcome.DUPLICATE, StoreOutcome.NEW_VERSION,
        StoreOutcome.DUPLICATE, StoreOutcome.NEW_VERSION,
    ]
    first, duplicate = results[0], results[1]
    assert isinstance(first, StoreResult) and isinstance(duplicate, StoreResult)
    assert duplicate.inbox_id == first.inbox_id
    assert len(list(spool.objects.rglob("*.dcm"))) == 4, "one file per row, none for duplicates"
    back_in_incoming = [item.spooled.temp_path.exists() for item in batch]
    assert back_in_incoming == [False, True, False, True, False], \
        "a duplicate's bytes are back under their temporary name, for the caller to discard"


def _push_concurrently(port: int, batches: list[list[Path]]) -> list[list[int]]:
    results: list[list[int]] = [[] for _ in batches]

    def push(index: int) -> None:
        results[index] = send(port, batches[index])

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _studies(folder: Path, tag: str) -> list[list[Path]]:
    return [
        [factories.write(factories.mammogram(size=32, PatientID=f"{tag}{a}"),
                         folder / f"{tag}-{a}-{i}.dcm") for i in range(PER_ASSOCIATION)]
        for a in range(ASSOCIATIONS)
    ]


@pytest.mark.slow
def test_concurrent_associations_through_group_commit_lose_nothing_and_an_outage_answers_no_success(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    if database_url.startswith("sqlite"):
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout=300"))
    sessions = make_session_factory(engine)
    port = free_port()
    running = start_listener(
        settings.model_copy(update={"dicom_host": "127.0.0.1", "dicom_port": port}), sessions
    )
    spool = Spool(settings.spool_dir)
    try:
        before = _studies(tmp_path / "before", "B")
        assert _push_concurrently(port, before) == ALL_STORED
        total = ASSOCIATIONS * PER_ASSOCIATION
        assert _rows(sessions) == total == len(list(spool.objects.rglob("*.dcm")))
        with sessions() as session:
            for row in session.scalars(select(InboxObject)):
                kept = spool.path_of(row.spool_path)
                assert f".{row.sha256[:16]}." in kept.name, "each row names its own file"
                assert "PixelData" not in pydicom.dcmread(kept), "the spool keeps headers only"
                assert row.size_bytes > kept.stat().st_size

        during = _studies(tmp_path / "during", "D")
        stop, recover = (_sqlite_outage if database_url.startswith("sqlite")
                         else _postgres_outage)(database_url)
        stop()
        try:
            statuses = _push_concurrently(port, during)
        finally:
            recover()
        assert statuses == [[Status.OUT_OF_RESOURCES] * PER_ASSOCIATION] * ASSOCIATIONS, \
            "no Success while the database cannot commit"
        assert len(list(spool.objects.rglob("*.dcm"))) == total, "nothing half-kept stays behind"
        assert not spool.partial_files()

        assert _push_concurrently(port, during) == ALL_STORED
        assert _rows(sessions) == 2 * total == len(list(spool.objects.rglob("*.dcm")))
    finally:
        running.shutdown()
        engine.dispose()


def _rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboxObject)) or 0)

