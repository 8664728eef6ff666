"""A real listener on loopback per test, bound to the test's database and spool."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from pynetdicom import AE, _config
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io import listener as dicom_listener
from dicom_io import sop_classes
from dicom_io.ports import Limits
from dicom_io.spool import Spool
from tests.conftest import free_port
from worklist.db.models import InboxObject
from worklist.inbox.sink import SqlInboxSink
from worklist.settings import Settings

# The test client streams files from disk as they are, truncated ones included.
_config.STORE_SEND_CHUNKED_DATASET = True
LISTENER_AE = "WORKLIST"
PACS_AE = "PACS"


@dataclass
class RunningListener:
    port: int
    spool: Spool
    sessions: sessionmaker[Session]
    server: object

    def rows(self) -> list[InboxObject]:
        with self.sessions() as session:
            return list(session.scalars(select(InboxObject).order_by(InboxObject.id)))

    def row_count(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(InboxObject)) or 0)

    def spool_files(self) -> list[Path]:
        return sorted(p for p in self.spool.objects.rglob("*") if p.is_file())

    def incoming_files(self) -> list[Path]:
        return self.spool.partial_files()


@pytest.fixture
def start_listener(
    settings: Settings, sessions: sessionmaker[Session]
) -> Iterator:  # type: ignore[type-arg]
    servers: list[object] = []

    def start(
        allowed_aes: Sequence[str] = (), max_object_bytes: int = 512 * 1024**2,
        session_factory: sessionmaker[Session] | None = None,
    ) -> RunningListener:
        spool = Spool(settings.spool_dir)
        factory = session_factory or sessions
        sink = SqlInboxSink(factory, spool)
        config = dicom_listener.ListenerConfig(
            ae_title=LISTENER_AE, host="127.0.0.1", port=free_port(),
            limits=Limits(max_object_bytes=max_object_bytes), allowed_aes=tuple(allowed_aes),
            max_pdu=settings.max_pdu,
        )
        server = dicom_listener.start(config, sink, spool)
        servers.append(server)
        return RunningListener(config.port, spool, factory, server)

    yield start
    for server in servers:
        server.shutdown()  # type: ignore[attr-defined]


def client_ae(calling_ae: str = PACS_AE) -> AE:
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    ae.add_requested_context(sop_classes.VERIFICATION)
    for sop_class in sop_classes.STORAGE_CLASSES:
        ae.add_requested_context(
            sop_class,
            [sop_classes.EXPLICIT_VR_LITTLE_ENDIAN, sop_classes.IMPLICIT_VR_LITTLE_ENDIAN],
        )
    return ae


def send(port: int, paths: Sequence[Path], calling_ae: str = PACS_AE) -> list[int]:
    """C-STORE each file in one association; the statuses in order (-1: no response)."""
    assoc = client_ae(calling_ae).associate("127.0.0.1", port, ae_title=LISTENER_AE)
    assert assoc.is_established, "association refused"
    statuses = []
    try:
        for path in paths:
            status = assoc.send_c_store(path)
            statuses.append(int(status.Status) if status else -1)
    finally:
        assoc.release()
    return statuses
