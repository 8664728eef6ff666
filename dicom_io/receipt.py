"""Received datasets go straight into the spool as they arrive, and go away with a broken transfer.

pynetdicom writes a C-STORE dataset to a temporary file as its fragments arrive (chunked receipt)
and opens that file through ``dimse_messages.NamedTemporaryFile``. Here that file is an
``ObjectWriter`` in the spool's folder for this process: pixel data is dropped as it goes by, the
whole object is hashed, and writing stops at the size limit or when the disk refuses a write. The
handler takes the file over when the dataset is complete; whatever no handler took when the
connection closes (a sender gone mid-dataset by FIN or RST, an abort, a timeout) is removed then.
A process killed outright leaves its folder to ``Spool.sweep_incoming`` at the next start.
"""

from __future__ import annotations

import tempfile
import threading
from typing import Any

from pynetdicom import dimse_messages
from pynetdicom.events import Event

from dicom_io.object_writer import ObjectWriter, WrittenObject
from dicom_io.ports import Limits
from dicom_io.spool import Spool


class ReceivingFile:
    """The file pynetdicom writes one dataset into. pynetdicom 3.0 uses ``write``,
    ``file.flush``, ``name`` and ``close`` (and unlinks ``name`` after the handler, by then
    placed or discarded); tests/dicom/test_spool.py notices if that changes."""

    def __init__(self, writer: ObjectWriter) -> None:
        self._writer = writer
        self.name = str(writer.path)
        self.file = self
        self._lock = threading.Lock()
        self._open = True

    def write(self, data: bytes) -> int:
        return self._writer.write(data)

    def flush(self) -> None:
        """pynetdicom flushes after each fragment; the writer's writes are unbuffered."""

    def close(self) -> None:
        self._writer.close()

    def take(self) -> WrittenObject | None:
        """For the C-STORE handler: the complete dataset, now the caller's; None if the
        association ended first and the file is gone."""
        with self._lock:
            if not self._open:
                return None
            self._open = False
        return self._writer.finish()

    def abandon(self) -> bool:
        """Remove the file unless a handler took it; True if it was removed."""
        with self._lock:
            if not self._open:
                return False
            self._open = False
        self._writer.discard()
        return True

    @property
    def pending(self) -> bool:
        return self._open


class Receipt:
    """One association's received files."""

    def __init__(self, spool: Spool, limits: Limits) -> None:
        self.spool = spool
        self.limits = limits
        self._files: list[ReceivingFile] = []

    def open(self) -> ReceivingFile:
        self._files = [f for f in self._files if f.pending]
        received = ReceivingFile(self.spool.open_writer(max_bytes=self.limits.max_object_bytes))
        self._files.append(received)
        return received

    def close(self) -> int:
        return sum(received.abandon() for received in self._files)


_ATTRIBUTE = "worklist_receipt"


def handle_open(event: Event, spool: Spool, limits: Limits) -> None:
    """EVT_CONN_OPEN: datasets of this association go to ``spool``, within ``limits``."""
    setattr(event.assoc, _ATTRIBUTE, Receipt(spool, limits))


def handle_close(event: Event) -> None:
    """EVT_CONN_CLOSE: remove what arrived in part, or whole but never handled."""
    receipt = getattr(event.assoc, _ATTRIBUTE, None)
    if isinstance(receipt, Receipt):
        receipt.close()


def _open_received(*args: Any, **kwargs: Any) -> Any:
    # pynetdicom calls this on the association's DUL thread, which knows its association.
    assoc = getattr(threading.current_thread(), "assoc", None)
    receipt = getattr(assoc, _ATTRIBUTE, None)
    if isinstance(receipt, Receipt):
        return receipt.open()
    return tempfile.NamedTemporaryFile(*args, **kwargs)  # an association that is not ours


dimse_messages.NamedTemporaryFile = _open_received  # type: ignore[attr-defined, assignment]
