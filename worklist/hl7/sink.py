"""The SQL message sink: an HL7 message is kept as a spool file (fsynced) and an inbox row
(committed) before the listener answers AA, exactly as a DICOM object is before C-STORE success.

A message's identity is its sender (MSH-3, MSH-4) and control id (MSH-10), turned into a UID so the
inbox's uniqueness rules and the spool's naming apply unchanged. The same message again (a sender
retrying after a lost ACK, even with a new MSH-7 time) is a duplicate: acknowledged, kept once. The
same control id with other content is kept as a new version, never dropped.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.ports import SpooledFile
from dicom_io.spool import Spool
from hl7_io.header import Header, normalise
from hl7_io.ports import ReceivedMessage, SinkUnavailable, StoreOutcome
from hl7_io.records import ResultMessage
from worklist import audit
from worklist.db.models import Channel, InboxState, ObjectCategory
from worklist.inbox.handoff import OnStored, wait_as_pending
from worklist.inbox.repository import insert_new, insert_rows, known_versions

log = logging.getLogger(__name__)

ACTOR = "hl7-listener"
SUFFIX = ".hl7"
_ATTEMPTS = 3


def message_uid(header: Header) -> str:
    """A DICOM-form UID (2.25, from a UUID) naming the message: sender and control id."""
    identity = "\x00".join([header.sending_application, header.sending_facility,
                            header.control_id]).encode()
    return f"2.25.{uuid.UUID(bytes=hashlib.sha256(identity).digest()[:16]).int}"


def content_hash(raw: bytes) -> str:
    """SHA-256 of the message as framed, its MSH-7 (time of message) left out: engines that
    stamp a retry anew send the same message."""
    data = normalise(raw)
    first, _, rest = data.partition(b"\r")
    separator = first[3:4] or b"|"
    fields = first.split(separator)
    if len(fields) > 6:
        fields[6] = b""
    return hashlib.sha256(separator.join(fields) + b"\r" + rest).hexdigest()


class SqlMessageSink:
    def __init__(self, sessions: sessionmaker[Session], spool: Spool,
                 on_stored: OnStored = wait_as_pending) -> None:
        self.sessions = sessions
        self.spool = spool
        self.on_stored = on_stored
        with sessions() as session:
            bind = session.get_bind()
        self.engine: Engine = bind if isinstance(bind, Engine) else bind.engine
        # PostgreSQL: a new message's insert is its own transaction, one round trip.
        self._single_statement = (self.engine if self.engine.dialect.name == "sqlite"
                                  else self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    def store(self, message: ReceivedMessage) -> StoreOutcome:
        """Keep the message, or raise ``SinkUnavailable``; nothing stays under a final name
        without its row."""
        try:
            spooled = self.spool.receive_bytes(message.raw)
        except OSError as error:
            raise SinkUnavailable(type(error).__name__) from error
        uid = message_uid(message.header)
        digest = content_hash(message.raw)
        try:
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    outcome, inbox_id = self._keep(message, uid, digest, spooled)
                    break
                except IntegrityError:  # the same message on two connections at once: look again
                    if attempt == _ATTEMPTS:
                        raise
        except Exception as error:
            self.spool.discard(spooled)
            raise SinkUnavailable(type(error).__name__) from error
        if outcome is StoreOutcome.DUPLICATE:
            self.spool.discard(spooled)
        else:
            try:
                self.on_stored(inbox_id)
            except Exception as error:  # committed and pending: the sweeper will find it
                log.error("hand-off of inbox row %d failed: %s", inbox_id, type(error).__name__)
        return outcome

    def _keep(self, message: ReceivedMessage, uid: str, digest: str,
              spooled: SpooledFile) -> tuple[StoreOutcome, int]:
        """A new message in one statement; one met before (a repeat, a reused control id) is
        looked at again with its file back under the temporary name."""
        placed = self.spool.place(spooled, uid, SUFFIX)
        try:
            with self._single_statement.begin() as connection:
                inserted = insert_new(connection, [_row(message, uid, 1, digest,
                                                        spooled.size_bytes, placed)])
        except BaseException:
            self.spool.unplace(placed, spooled)
            raise
        if uid in inserted:
            return StoreOutcome.STORED, inserted[uid]
        self.spool.unplace(placed, spooled)
        return self._keep_known(message, uid, digest, spooled)

    def _keep_known(self, message: ReceivedMessage, uid: str, digest: str,
                    spooled: SpooledFile) -> tuple[StoreOutcome, int]:
        with self.engine.connect() as connection:
            versions = known_versions(connection, {uid}).get(uid, [])
            for known in versions:
                if known.sha256 == digest:
                    return StoreOutcome.DUPLICATE, known.inbox_id
            version = max((known.version for known in versions), default=0) + 1
            placed = self.spool.place(spooled, uid, SUFFIX)
            try:
                [inbox_id] = insert_rows(connection, [_row(message, uid, version, digest,
                                                           spooled.size_bytes, placed)])
                connection.commit()
            except BaseException:
                try:
                    connection.rollback()
                finally:
                    self.spool.unplace(placed, spooled)
                raise
        return (StoreOutcome.NEW_VERSION if version > 1 else StoreOutcome.STORED), inbox_id

    def refuse_sender(self, application: str, address: str, reason: str) -> None:
        with self.sessions() as session:
            audit.record(session, actor=ACTOR, action="hl7.sender.rejected",
                         object_type="hl7-sender", object_id=application[:64],
                         remote_addr=address, detail={"sending_application": application[:64],
                                                      "reason": reason})
            session.commit()


def _row(message: ReceivedMessage, uid: str, version: int, digest: str, size: int,
         placed: str) -> dict[str, object]:
    header = message.header
    sender = header.sending_application + (f"/{header.sending_facility}"
                                           if header.sending_facility else "")
    report = isinstance(message.content, ResultMessage)
    received_at: datetime = message.received_at
    return {
        "sop_instance_uid": uid,
        "version": version,
        "sop_class_uid": header.kind,
        "transfer_syntax_uid": header.charset[:64],
        "study_uid": "",
        "category": ObjectCategory.REPORT if report else ObjectCategory.OTHER,
        "calling_ae": header.sending_application[:16],
        "called_ae": header.receiving_application[:16],
        "peer_address": message.peer_address[:64],
        "received_at": received_at,
        "size_bytes": size,
        "sha256": digest,
        "spool_path": placed,
        # A reused control id with other content is another message: its results carry their
        # own status (preliminary, final, corrected), so it is processed, not held.
        "conflict": False,
        "state": InboxState.PENDING,
        "channel": Channel.HL7,
        "hl7_sender": sender[:64],
        "hl7_control_id": header.control_id[:64],
    }
