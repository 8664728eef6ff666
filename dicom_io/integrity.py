"""Is a received file whole? A walk over element headers that skips every value.

A truncated object must not be acknowledged, and reading headers only (``stop_before_pixels``) would
not notice a file cut short inside its pixel data. This walk reads each element's tag and length and
seeks past the value, so a 1 GB object is checked without reading it (PS3.5 7.1, 7.5).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from pydicom.filereader import _read_file_meta_info, read_preamble

from dicom_io import sop_classes

_UNDEFINED = 0xFFFFFFFF
_ITEM = 0xFFFEE000
_ITEM_END = 0xFFFEE00D
_SEQUENCE_END = 0xFFFEE0DD
# Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 Table 7.1-1).
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN",
                       b"UR", b"UT", b"UV"})


class IncompleteObject(ValueError):
    """The file ends inside an element, or its structure cannot be walked."""


def check_complete(path: Path) -> None:
    """Raise ``IncompleteObject`` unless the file's elements end exactly where the file ends."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        try:
            read_preamble(stream, False)
            meta = _read_file_meta_info(stream)
        except Exception as error:
            raise IncompleteObject(f"no readable DICOM file meta information: {error}") from None
        syntax = str(meta.get("TransferSyntaxUID", ""))
        if syntax == sop_classes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
            return  # a deflated stream cannot be walked by seeking; the header read decides
        little = syntax != sop_classes.EXPLICIT_VR_BIG_ENDIAN
        explicit = syntax != sop_classes.IMPLICIT_VR_LITTLE_ENDIAN
        end = _walk(stream, size, explicit, "<" if little else ">", nested=False)
        if end is not None:
            raise IncompleteObject("a delimiter outside any sequence")


def _walk(stream: BinaryIO, size: int, explicit: bool, order: str, nested: bool) -> int | None:
    """Walk elements up to the end of the file, or (nested) up to an item delimiter."""
    while stream.tell() < size:
        tag, length, vr = element_header(stream, explicit, order)
        if tag in (_ITEM_END, _SEQUENCE_END):
            return tag
        if length == _UNDEFINED:
            # A sequence or encapsulated pixel data; an undefined-length UN holds implicit VR.
            _walk_items(stream, size, explicit and vr != b"UN", order)
        else:
            _skip(stream, size, length)
    if nested:
        raise IncompleteObject("the file ends inside an item")
    return None


def _walk_items(stream: BinaryIO, size: int, explicit: bool, order: str) -> None:
    while True:
        tag, length = _item_header(stream, size, order)
        if tag == _SEQUENCE_END:
            return
        if tag != _ITEM:
            raise IncompleteObject(f"expected an item, found tag {tag:08X}")
        if length == _UNDEFINED:
            if _walk(stream, size, explicit, order, nested=True) != _ITEM_END:
                raise IncompleteObject("an item closed by a sequence delimiter")
        else:
            _skip(stream, size, length)


def element_header(stream: BinaryIO, explicit: bool, order: str) -> tuple[int, int, bytes | None]:
    """The next element's tag, value length and VR (None where the syntax carries none); a file
    that ends inside the header raises ``IncompleteObject``."""
    raw = _read(stream, 8)
    group, element = struct.unpack(order + "HH", raw[:4])
    tag = (group << 16) | element
    if group == 0xFFFE or not explicit:
        return tag, struct.unpack(order + "L", raw[4:])[0], None
    vr = raw[4:6]
    if vr in _LONG_VRS:
        return tag, struct.unpack(order + "L", _read(stream, 4))[0], vr
    return tag, struct.unpack(order + "H", raw[6:])[0], vr


def _item_header(stream: BinaryIO, size: int, order: str) -> tuple[int, int]:
    raw = _read(stream, 8)
    group, element, length = struct.unpack(order + "HHL", raw)
    return (group << 16) | element, length


def _read(stream: BinaryIO, count: int) -> bytes:
    raw = stream.read(count)
    if len(raw) != count:
        raise IncompleteObject("the file ends inside an element header")
    return raw


def _skip(stream: BinaryIO, size: int, length: int) -> None:
    if stream.tell() + length > size:
        raise IncompleteObject("the file ends inside an element value")
    stream.seek(length, 1)
