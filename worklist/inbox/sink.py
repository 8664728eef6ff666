"""The SQL inbox sink: keeps received objects as inbox rows and spool files, then hands them on.

``store`` is the transaction boundary. The file is renamed to its final name, the row is inserted,
the transaction commits; if anything fails the file goes back to its temporary name and ``SinkUnavailable`` tells
the listener to answer a failure. The hand-off runs only after the commit.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.ports import ReceivedObject, SinkUnavailable, StoreOutcome, StoreResult
from dicom_io.spool import Spool
from worklist import audit
from worklist.db.models import InboxObject, InboxState, ObjectCategory
from worklist.inbox.handoff import OnStored, wait_as_pending
from worklist.inbox.repository import InboxRepository

log = logging.getLogger(__name__)

ACTOR = "dicom-listener"
_ATTEMPTS = 3


class SqlInboxSink:
    def __init__(
        self, sessions: sessionmaker[Session], spool: Spool, on_stored: OnStored = wait_as_pending
    ) -> None:
        self.sessions = sessions
        self.spool = spool
        self.on_stored = on_stored

    def store(self, received: ReceivedObject) -> StoreResult:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                result = self._store_once(received)
                break
            except IntegrityError:
                # Another association stored the same UID at the same moment: look again.
                if attempt == _ATTEMPTS:
                    raise SinkUnavailable("the same object keeps arriving concurrently") from None
            except Exception as error:
                raise SinkUnavailable(type(error).__name__) from error
        if result.outcome is not StoreOutcome.DUPLICATE:
            self._hand_off(result.inbox_id)
        return result

    def _store_once(self, received: ReceivedObject) -> StoreResult:
        with self.sessions() as session:
            repository = InboxRepository(session)
            versions = repository.versions_of(received.sop_instance_uid)
            for row in versions:
                if row.sha256 == received.spooled.sha256:
                    return StoreResult(StoreOutcome.DUPLICATE, row.id)
            version = max((row.version for row in versions), default=0) + 1
            placed = self.spool.place(received.spooled, received.sop_instance_uid)
            try:
                row = repository.add(_row(received, version, placed))
                session.commit()
            except BaseException:
                session.rollback()
                self.spool.unplace(placed, received.spooled)
                raise
            outcome = StoreOutcome.NEW_VERSION if version > 1 else StoreOutcome.STORED
            return StoreResult(outcome, row.id)

    def _hand_off(self, inbox_id: int) -> None:
        try:
            self.on_stored(inbox_id)
        except Exception as error:
            # The row is committed and pending; a sweep will find it. The peer still gets Success.
            log.error("hand-off of inbox row %d failed: %s", inbox_id, type(error).__name__)

    def reject_association(self, calling_ae: str, address: str, reason: str) -> None:
        with self.sessions() as session:
            audit.record(
                session, actor=ACTOR, action="dicom.association.rejected",
                object_type="association", object_id=calling_ae, remote_addr=address,
                detail={"calling_ae": calling_ae, "reason": reason},
            )
            session.commit()


def _row(received: ReceivedObject, version: int, placed: str) -> InboxObject:
    origin = received.origin
    return InboxObject(
        sop_instance_uid=received.sop_instance_uid,
        version=version,
        sop_class_uid=received.sop_class_uid,
        transfer_syntax_uid=received.transfer_syntax_uid,
        study_uid=received.study_uid,
        category=ObjectCategory(received.category),
        calling_ae=origin.calling_ae[:16],
        called_ae=origin.called_ae[:16],
        peer_address=origin.peer_address[:64],
        received_at=received.received_at,
        size_bytes=received.spooled.size_bytes,
        sha256=received.spooled.sha256,
        spool_path=placed,
        conflict=version > 1,
        state=InboxState.PENDING if received.in_scope else InboxState.OUT_OF_SCOPE,
    )
