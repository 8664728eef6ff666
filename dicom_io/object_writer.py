"""Write a DICOM object to a spool file as its bytes arrive, keeping the header, not the pixels.

The design keeps no pixel data: the pipeline reads headers only, and a tomosynthesis object of
300 MB to 1 GB kept whole would fill the disk in days. So for an image the file keeps every
element before the top-level Pixel Data (7FE0,0010) and nothing from there on; reports, documents
and every other object are kept whole. The SHA-256 covers every byte received, kept or not, so
the same object sent again is recognised as a duplicate and a changed one as a new version.

Dropped bytes cannot be checked later, so while they go by an element-header walk (the streaming
twin of ``integrity.check_complete``) finds where the top-level Pixel Data starts and tells, at
the end, whether the object ended exactly on an element boundary. An object whose layout cannot be
walked (deflated, no group length in its meta information) is kept whole and checked afterwards.

Writing stops as soon as the size limit is passed or the disk refuses a write; the bytes written
so far are truncated away at once, and the rest of the object is only counted.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from dicom_io import sop_classes
from dicom_io.ports import SpooledFile

_PREAMBLE = 128
_META_MAX = 64 * 1024
_UNDEFINED = 0xFFFFFFFF
_ITEM = 0xFFFEE000
_ITEM_END = 0xFFFEE00D
_SEQUENCE_END = 0xFFFEE0DD
_PIXEL_DATA = 0x7FE00010
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN",
                       b"UR", b"UT", b"UV"})
_READ, _SKIP = 0, 1

# A request from the walk to the feeder: read this many bytes (sent back), or let them go by.
_Want = tuple[int, int]
_Walk = Generator[_Want, bytes | None, int | None]


class _Unwalkable(Exception):
    """Not a layout the walk knows: keep the object whole and let the full check decide."""


class _Broken(Exception):
    """The element structure is broken: the object cannot be whole."""


@dataclass(frozen=True)
class WrittenObject:
    """What the writer knows once the last byte has gone by."""

    spooled: SpooledFile
    """The kept file (header only for an image), with the size and hash of the whole object."""
    kept_bytes: int
    complete: bool | None
    """True or False when the walk followed the object to its end; None when it could not (the
    kept file holds the whole object and ``integrity.check_complete`` decides)."""
    over_limit: bool
    write_error: OSError | None
    """The disk refused a write (full, quota, file size limit): nothing is kept."""


class _HeaderWalk:
    """Element headers of a Part 10 stream, fed in chunks of any size."""

    def __init__(self) -> None:
        self.consumed = 0
        """Bytes handed to the walk so far (kept or skipped)."""
        self.pixel_offset: int | None = None
        """Where the top-level Pixel Data element starts, once seen."""
        self.failed: type[Exception] | None = None
        self._at_boundary = False
        self._buffer = bytearray()
        self._generator = self._stream()
        self._want: _Want | None = next(self._generator)
        self._left = self._want[1]

    @property
    def complete(self) -> bool:
        return self.failed is None and self._at_boundary and not self._buffer

    def feed(self, data: memoryview) -> None:
        at = 0
        try:
            while at < len(data) and self._want is not None:
                kind, _ = self._want
                take = min(self._left, len(data) - at)
                if kind == _READ:
                    self._buffer += data[at:at + take]
                at += take
                self.consumed += take
                self._left -= take
                if self._left == 0:
                    answer = bytes(self._buffer) if kind == _READ else None
                    self._buffer.clear()
                    self._next(answer)
        except (_Unwalkable, _Broken, struct.error) as error:
            self.failed = type(error)
            self._want = None

    def _next(self, answer: bytes | None) -> None:
        try:
            self._want = self._generator.send(answer)
        except StopIteration:
            self._want = None
            raise _Broken() from None
        self._left = self._want[1]

    def _stream(self) -> _Walk:
        head = yield (_READ, _PREAMBLE + 4)
        if head is None or head[_PREAMBLE:] != b"DICM":
            raise _Unwalkable()
        explicit, order, image = yield from self._meta()
        if not image:
            raise _Unwalkable()  # kept whole: nothing to drop, the full check decides
        yield from self._elements(explicit, order, nested=False)
        return None

    def _meta(self) -> Generator[_Want, bytes | None, tuple[bool, str, bool]]:
        header = yield (_READ, 12)
        assert header is not None
        if header[:4] != b"\x02\x00\x00\x00" or header[4:6] != b"UL":
            raise _Unwalkable()  # no group length: the meta's end is unknown without peeking
        length = struct.unpack("<L", header[8:12])[0]
        if length > _META_MAX:
            raise _Unwalkable()
        meta = yield (_READ, length)
        assert meta is not None
        values = _meta_values(meta)
        syntax = values.get(0x00020010, "")
        sop_class = values.get(0x00020002, "")
        if syntax == sop_classes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
            raise _Unwalkable()
        image = sop_classes.STORAGE_CLASSES.get(sop_class) is sop_classes.Family.IMAGE
        return (syntax != sop_classes.IMPLICIT_VR_LITTLE_ENDIAN,
                ">" if syntax == sop_classes.EXPLICIT_VR_BIG_ENDIAN else "<", image)

    def _elements(self, explicit: bool, order: str, nested: bool) -> _Walk:
        while True:
            start = self.consumed
            self._at_boundary = not nested
            raw = yield (_READ, 8)
            self._at_boundary = False
            assert raw is not None
            group, element = struct.unpack(order + "HH", raw[:4])
            tag = (group << 16) | element
            vr = None
            if group == 0xFFFE or not explicit:
                length = struct.unpack(order + "L", raw[4:])[0]
            elif (vr := raw[4:6]) in _LONG_VRS:
                extra = yield (_READ, 4)
                assert extra is not None
                length = struct.unpack(order + "L", extra)[0]
            else:
                length = struct.unpack(order + "H", raw[6:])[0]
            if tag in (_ITEM_END, _SEQUENCE_END):
                if not nested:
                    raise _Broken()
                return tag
            if not nested and tag == _PIXEL_DATA and self.pixel_offset is None:
                self.pixel_offset = start
            if length == _UNDEFINED:
                yield from self._items(explicit and vr != b"UN", order)
            elif length:
                yield (_SKIP, length)

    def _items(self, explicit: bool, order: str) -> Generator[_Want, bytes | None, None]:
        while True:
            raw = yield (_READ, 8)
            assert raw is not None
            group, element, length = struct.unpack(order + "HHL", raw)
            tag = (group << 16) | element
            if tag == _SEQUENCE_END:
                return
            if tag != _ITEM:
                raise _Broken()
            if length == _UNDEFINED:
                if (yield from self._elements(explicit, order, nested=True)) != _ITEM_END:
                    raise _Broken()
            elif length:
                yield (_SKIP, length)


def _meta_values(meta: bytes) -> dict[int, str]:
    """The UI values of a meta group (explicit VR little endian, always)."""
    values: dict[int, str] = {}
    at = 0
    while at + 8 <= len(meta):
        group, element = struct.unpack("<HH", meta[at:at + 4])
        vr = meta[at + 4:at + 6]
        if vr in _LONG_VRS:
            length = struct.unpack("<L", meta[at + 8:at + 12])[0]
            at += 12
        else:
            length = struct.unpack("<H", meta[at + 6:at + 8])[0]
            at += 8
        if vr == b"UI":
            values[(group << 16) | element] = meta[at:at + length].rstrip(b"\x00 ").decode(
                "ascii", "replace")
        at += length
    return values


class ObjectWriter:
    """Takes an object's bytes in order (``write``) into ``path``; ``finish`` says what was kept.

    ``header_only``: drop an image's pixel data (DICOM objects); False keeps every byte (HL7).
    """

    def __init__(self, path: Path, *, max_bytes: int | None = None,
                 header_only: bool = True) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self.kept = 0
        self.over_limit = False
        self.write_error: OSError | None = None
        self._digest = hashlib.sha256()
        self._walk = _HeaderWalk() if header_only else None
        self._fd: int | None = None
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:  # no inode left, a read-only spool: refused like a full disk
            self.write_error = error

    @property
    def stopped(self) -> bool:
        return self.over_limit or self.write_error is not None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data)
        count = len(view)
        self.size += count
        if self.stopped:
            return count
        if self.max_bytes is not None and self.size > self.max_bytes:
            self.over_limit = True
            self._drop()
            return count
        self._digest.update(view)  # releases the GIL on large chunks
        keep_to = count
        if self._walk is not None:
            start = self._walk.consumed
            self._walk.feed(view)
            if self._walk.pixel_offset is not None:
                keep_to = max(0, min(count, self._walk.pixel_offset - start))
        if keep_to:
            self._write_all(view[:keep_to])
        return count

    def _write_all(self, view: memoryview) -> None:
        assert self._fd is not None
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
                self.kept += written
        except OSError as error:
            self.write_error = error
            self._drop()

    def _drop(self) -> None:
        """Give the disk space back at once; the file stays empty until ``discard``."""
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
        self.kept = 0

    def finish(self) -> WrittenObject:
        """Trim anything of the Pixel Data element written before it was recognised, fsync and
        close; the file is then the caller's to place or discard."""
        complete: bool | None = None
        if self._walk is not None and (self._walk.failed is not _Unwalkable):
            complete = self._walk.complete
            if self._walk.pixel_offset is not None and self.kept > self._walk.pixel_offset:
                self._truncate(self._walk.pixel_offset)
        if self._fd is not None and not self.stopped:
            try:
                os.fsync(self._fd)
            except OSError as error:
                self.write_error = error
                self._drop()
        self.close()
        spooled = SpooledFile(temp_path=self.path, size_bytes=self.size,
                              sha256=self._digest.hexdigest())
        return WrittenObject(spooled, self.kept, complete, self.over_limit, self.write_error)

    def _truncate(self, length: int) -> None:
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, length)
        except OSError as error:
            self.write_error = error
        self.kept = length

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
