"""The SQL inbox sink: keeps received objects as inbox rows and spool files, then hands them on.

Two steps, so that several objects can share one commit (``GroupCommitSink``):

- ``prepare`` (on each association's thread, in parallel): the file goes to its final name and
  its folder is fsynced, assuming the object is new.
- ``commit_many`` (one thread): one statement inserts the rows of every new SOP Instance UID and
  commits - one database log flush for the lot. An object that meets an existing version (a
  duplicate, a new version) or a failed statement is looked at again alone, in its own
  transaction, after its file went back to its temporary name.

``store`` does both for one object. Nothing is returned as kept before its row is committed; an
object that could not be kept has its file back under the temporary name, and ``SinkUnavailable``
tells the listener to answer a failure. The hand-off runs only after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.ports import ReceivedObject, SinkUnavailable, StoreOutcome, StoreResult
from dicom_io.spool import Spool
from worklist.accounts.rejections import record_rejection
from worklist.db.base import utcnow
from worklist.db.models import InboxState, ObjectCategory
from worklist.inbox.handoff import OnStored, wait_as_pending
from worklist.inbox.repository import insert_new, insert_rows, known_versions

log = logging.getLogger(__name__)

ACTOR = "dicom-listener"
_ATTEMPTS = 3


@dataclass(frozen=True)
class Prepared:
    """An object whose file is under its final name, durably, waiting for its row."""

    received: ReceivedObject
    placed: str


class SqlInboxSink:
    def __init__(
        self, sessions: sessionmaker[Session], spool: Spool, on_stored: OnStored = wait_as_pending
    ) -> None:
        self.sessions = sessions
        self.spool = spool
        self.on_stored = on_stored
        with sessions() as session:  # the session factory's engine: the hot path is Core
            bind = session.get_bind()
        self.engine: Engine = bind if isinstance(bind, Engine) else bind.engine
        # PostgreSQL: the insert is its own transaction, no BEGIN and COMMIT round trips.
        self._single_statement = (self.engine if self.engine.dialect.name == "sqlite"
                                  else self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    def store(self, received: ReceivedObject) -> StoreResult:
        result = self.commit_many([self.prepare(received)])[0]
        if isinstance(result, SinkUnavailable):
            raise result
        return result

    def prepare(self, received: ReceivedObject) -> Prepared:
        """Put the file under its final name, its folder fsynced (safe on any thread)."""
        try:
            return Prepared(received, self.spool.place(received.spooled,
                                                       received.sop_instance_uid))
        except (OSError, ValueError) as error:
            raise _unavailable(error) from error

    def release(self, prepared: Prepared) -> None:
        """Undo ``prepare``: the file goes back to its temporary name."""
        self.spool.unplace(prepared.placed, prepared.received.spooled)

    def commit_many(self, batch: Sequence[Prepared]) -> list[StoreResult | SinkUnavailable]:
        """Commit the rows of prepared objects; per object, its result or the error to answer
        with. Never raises: whatever happens, each object gets an answer."""
        first: dict[str, Prepared] = {}
        for item in batch:
            first.setdefault(item.received.sop_instance_uid, item)
        try:
            ids = self._insert_new(list(first.values()))
        except Exception as error:
            log.warning("%d rows could not be inserted together (%s): each alone",
                        len(first), type(error).__name__)
            ids = {}
        results: list[StoreResult | SinkUnavailable] = []
        for item in batch:
            uid = item.received.sop_instance_uid
            inbox_id = ids.get(uid) if first[uid] is item else None
            results.append(StoreResult(StoreOutcome.STORED, inbox_id) if inbox_id is not None
                           else self._again_alone(item))
        for result in results:
            if isinstance(result, StoreResult) and result.outcome is not StoreOutcome.DUPLICATE:
                self._hand_off(result.inbox_id)
        return results

    def _insert_new(self, items: Sequence[Prepared]) -> dict[str, int]:
        rows = [_row(item.received, 1, item.placed) for item in items]
        with self._single_statement.begin() as connection:
            return insert_new(connection, rows)

    def _again_alone(self, item: Prepared) -> StoreResult | SinkUnavailable:
        """The slow path: back to the temporary name, then versions read and decided in one
        transaction (a duplicate, a new version, or a retry after a failed statement)."""
        try:
            self.release(item)
            return self._keep_with_retries(item.received)
        except Exception as error:
            return _unavailable(error)

    def _keep_with_retries(self, received: ReceivedObject) -> StoreResult:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return self._keep(received)
            except IntegrityError:
                # Another association or process stored the same UID at the same moment: look
                # again, and this time it is a duplicate or a new version.
                if attempt == _ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _keep(self, received: ReceivedObject) -> StoreResult:
        uid = received.sop_instance_uid
        with self.engine.connect() as connection:
            versions = known_versions(connection, {uid}).get(uid, [])
            for known in versions:
                if known.sha256 == received.spooled.sha256:
                    return StoreResult(StoreOutcome.DUPLICATE, known.inbox_id)
            version = max((known.version for known in versions), default=0) + 1
            placed = self.spool.place(received.spooled, uid)
            try:
                [inbox_id] = insert_rows(connection, [_row(received, version, placed)])
                connection.commit()
            except BaseException:
                try:
                    connection.rollback()
                finally:  # whatever the rollback does, no final name stays without its row
                    self.spool.unplace(placed, received.spooled)
                raise
        outcome = StoreOutcome.NEW_VERSION if version > 1 else StoreOutcome.STORED
        return StoreResult(outcome, inbox_id)

    def _hand_off(self, inbox_id: int) -> None:
        try:
            self.on_stored(inbox_id)
        except Exception as error:
            # The row is committed and pending; a sweep will find it. The peer still gets Success.
            log.error("hand-off of inbox row %d failed: %s", inbox_id, type(error).__name__)

    def reject_association(self, calling_ae: str, address: str, reason: str) -> None:
        """Audited once per peer and minute; the repeats are counted (a peer retrying in a loop
        cannot flood the trail)."""
        with self.sessions() as session:
            record_rejection(session, actor=ACTOR, calling_ae=calling_ae, address=address,
                             reason=reason, now=utcnow())
            session.commit()


def _unavailable(error: Exception) -> SinkUnavailable:
    if isinstance(error, SinkUnavailable):
        return error
    reason = ("the same object keeps arriving concurrently" if isinstance(error, IntegrityError)
              else type(error).__name__)
    unavailable = SinkUnavailable(reason)
    unavailable.__cause__ = error
    return unavailable


def _row(received: ReceivedObject, version: int, placed: str) -> dict[str, object]:
    origin = received.origin
    return {
        "sop_instance_uid": received.sop_instance_uid,
        "version": version,
        "sop_class_uid": received.sop_class_uid,
        "transfer_syntax_uid": received.transfer_syntax_uid,
        "study_uid": received.study_uid,
        "category": ObjectCategory(received.category),
        "calling_ae": origin.calling_ae[:16],
        "called_ae": origin.called_ae[:16],
        "peer_address": origin.peer_address[:64],
        "received_at": received.received_at,
        "size_bytes": received.spooled.size_bytes,
        "sha256": received.spooled.sha256,
        "spool_path": placed,
        "conflict": version > 1,
        "state": InboxState.PENDING if received.in_scope else InboxState.OUT_OF_SCOPE,
    }
