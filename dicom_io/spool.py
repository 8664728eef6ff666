"""The spool: received bytes on disk, under names derived safely from the SOP Instance UID.

Bytes are first written to a temporary name in ``incoming/`` and fsynced; only the sink moves them to
their final name (an atomic rename), just before it commits the inbox row. A file under ``objects/``
without a row can only come from a crash between rename and commit; it never answered Success.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import BinaryIO

from dicom_io.ports import SpooledFile

# PS3.5 9.1: components of digits without leading zeros, separated by dots, at most 64 characters.
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")
_CHUNK = 1024 * 1024


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

    def receive_stream(self, source: BinaryIO) -> SpooledFile:
        """Copy a stream into the spool under a temporary name, hashing as it goes, and fsync it."""
        self.ensure()
        temp = self.incoming / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with temp.open("wb") as target:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
                    size += len(chunk)
                target.flush()
                os.fsync(target.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return SpooledFile(temp_path=temp, size_bytes=size, sha256=digest.hexdigest())

    def receive_file(self, source: Path) -> SpooledFile:
        with source.open("rb") as stream:
            return self.receive_stream(stream)

    def adopt(self, source: Path, sha256: str | None = None) -> SpooledFile:
        """Take over a file the caller no longer needs (the listener's received dataset): move it
        to a temporary name here, hash it (unless its ``sha256`` is given) and fsync it.

        On the spool's filesystem this is a rename, so the bytes are written once; elsewhere it
        falls back to a copy (``receive_file``) and leaves ``source`` to its owner.
        """
        self.ensure()
        temp = self.incoming / f"{uuid.uuid4().hex}.part"
        try:
            os.rename(source, temp)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            return self.receive_file(source)
        try:
            with temp.open("r+b") as stream:
                if sha256 is None:
                    sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
                os.fsync(stream.fileno())
                size = os.fstat(stream.fileno()).st_size
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return SpooledFile(temp_path=temp, size_bytes=size, sha256=sha256)

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
