"""The spool: received bytes on disk, under names derived safely from the SOP Instance UID.

Bytes are first written to a temporary name in ``incoming/`` and fsynced; only the sink moves them to
their final name (an atomic rename), just before it commits the inbox row. A file under ``objects/``
without a row can only come from a crash between rename and commit; it never answered Success.

Each process writes its temporary files in a folder of its own under ``incoming/`` and holds a lock
on it for as long as it lives. A transfer cut short is removed by its writer; after a crash (a
SIGKILL, a power cut) the lock is gone with the process, and ``sweep_incoming`` removes that
folder and its partial files, which may hold patient data, while folders of live processes (other
listeners, an import beside the server) stay untouched.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from dicom_io.object_writer import ObjectWriter, WrittenObject
from dicom_io.ports import SpooledFile

# PS3.5 9.1: components of digits without leading zeros, separated by dots, at most 64 characters.
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")
_CHUNK = 1024 * 1024
_OWNER = ".owner"
_UNOWNED_GRACE_SECONDS = 60.0
"""A folder without its lock file may be one another process is creating this instant."""


def is_valid_uid(value: str) -> bool:
    return len(value) <= 64 and _UID.match(value) is not None


class InvalidUid(ValueError):
    """A UID that is not a valid UID never becomes a path."""


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.objects = root / "objects"

    def ensure(self) -> None:
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)

    @property
    def scratch(self) -> Path:
        """This process's folder under ``incoming/``, locked while the process lives."""
        self.ensure()
        return _scratch_folder(self.incoming)

    def temporary_name(self) -> Path:
        return self.scratch / f"{uuid.uuid4().hex}.part"

    def open_writer(self, *, max_bytes: int | None = None, header_only: bool = True) -> ObjectWriter:
        """A writer for an object arriving in pieces (see ``object_writer``)."""
        return ObjectWriter(self.temporary_name(), max_bytes=max_bytes, header_only=header_only)

    def write_stream(self, source: BinaryIO, *, max_bytes: int | None = None,
                     header_only: bool = True) -> WrittenObject:
        """Write a stream through an ``ObjectWriter``; a refused write leaves no file."""
        writer = self.open_writer(max_bytes=max_bytes, header_only=header_only)
        try:
            while chunk := source.read(_CHUNK):
                writer.write(chunk)
            written = writer.finish()
        except BaseException:
            writer.discard()
            raise
        if written.write_error is not None or written.over_limit:
            writer.discard()
        return written

    def receive_stream(self, source: BinaryIO) -> SpooledFile:
        """Copy a stream into the spool, every byte kept, under a temporary name, and fsync it."""
        written = self.write_stream(source, header_only=False)
        if written.write_error is not None:
            raise written.write_error
        return written.spooled

    def partial_files(self) -> list[Path]:
        """Files in ``incoming/``: transfers under way, or left behind (the locks aside)."""
        if not self.incoming.is_dir():
            return []
        return sorted(p for p in self.incoming.rglob("*") if p.is_file() and p.name != _OWNER)

    def sweep_incoming(self) -> int:
        """Remove what crashed processes left in ``incoming/``; return how many files went."""
        self.ensure()
        removed = 0
        for entry in self.incoming.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                if _owner_is_gone(entry):
                    removed += sum(1 for p in entry.rglob("*") if p.is_file() and p.name != _OWNER)
                    shutil.rmtree(entry, ignore_errors=True)
            else:  # loose files come from an older layout whose writers are gone by now
                entry.unlink(missing_ok=True)
                removed += 1
        return removed

    def receive_file(self, source: Path) -> SpooledFile:
        with source.open("rb") as stream:
            return self.receive_stream(stream)

    def receive_bytes(self, data: bytes) -> SpooledFile:
        from io import BytesIO

        return self.receive_stream(BytesIO(data))

    def place(self, spooled: SpooledFile, sop_instance_uid: str, suffix: str = ".dcm") -> str:
        """Move a spooled file to its final name; return that name relative to the spool root.

        Every placement gets its own name (UID, content hash, a random token), so two threads
        storing the same UID at once can never overwrite each other's file.
        """
        if not is_valid_uid(sop_instance_uid):
            raise InvalidUid("not a valid SOP Instance UID")
        shard = hashlib.sha1(sop_instance_uid.encode()).hexdigest()[:2]
        folder = self.objects / shard
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        else:  # a new folder is durable only once its parent's entry is
            _fsync_directory(self.objects)
        name = f"{sop_instance_uid}.{spooled.sha256[:16]}.{uuid.uuid4().hex[:8]}{suffix}"
        final = folder / name
        os.replace(spooled.temp_path, final)
        _fsync_directory(folder)
        return final.relative_to(self.root).as_posix()

    def unplace(self, relative: str, spooled: SpooledFile) -> None:
        """Undo ``place``: the bytes go back to their temporary name (for a retry or a discard)."""
        os.replace(self.path_of(relative), spooled.temp_path)

    def discard(self, spooled: SpooledFile) -> None:
        spooled.temp_path.unlink(missing_ok=True)

    def remove(self, relative: str) -> None:
        self.path_of(relative).unlink(missing_ok=True)

    def path_of(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("spool path escapes the spool")
        return path


def _fsync_directory(folder: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_scratch_lock = threading.Lock()
_scratch: dict[Path, tuple[Path, int]] = {}
"""Per ``incoming/`` folder: this process's scratch folder and the descriptor holding its lock.
A forked child inherits the descriptor, so the lock stays held while any of them lives."""


def _scratch_folder(incoming: Path) -> Path:
    with _scratch_lock:
        known = _scratch.get(incoming)
        if known is not None and known[0].is_dir():
            return known[0]
        folder = incoming / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(mode=0o700)
        descriptor = os.open(folder / _OWNER, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if known is not None:
            os.close(known[1])
        _scratch[incoming] = (folder, descriptor)
        return folder


def _owner_is_gone(folder: Path) -> bool:
    try:
        descriptor = os.open(folder / _OWNER, os.O_RDWR)
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > _UNOWNED_GRACE_SECONDS
        except FileNotFoundError:
            return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # a live process holds it
    finally:
        os.close(descriptor)
    return True
