"""How deeply an object nests its sequences and how many SR content items it holds, found by a walk
over element headers that never recurses and stops as soon as a bound is passed.

Decoding a dataset is recursive (pydicom, and our SR reader), so an object nesting sequences
hundreds of levels deep exhausted the interpreter's stack and was answered as a resource failure,
which a sender retries for ever. A structured report of 100,000 content items or 250 MB was read
whole before anything looked at its size. This walk runs first, on the received file, and says
which bound an object breaks, so it is refused with a "cannot understand" status before anything
decodes it (PS3.5 7.1, 7.5 for the encoding walked).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydicom.datadict import dictionary_VR
from pydicom.filereader import _read_file_meta_info, read_preamble

from dicom_io import sop_classes
from dicom_io.integrity import IncompleteObject, element_header

MAX_SEQUENCE_DEPTH = 128
"""Sequence nesting any object may have: far beyond real objects (an SR content tree within the
SR bound included), well within what the decoders can recurse through."""

_UNDEFINED = 0xFFFFFFFF
_ITEM = 0xFFFEE000
_ITEM_END = 0xFFFEE00D
_SEQUENCE_END = 0xFFFEE0DD
_CONTENT_SEQUENCE = 0x0040A730
_PIXEL_DATA = 0x7FE00010


@dataclass(frozen=True)
class ReportLimits:
    max_bytes: int
    max_depth: int
    """Content items nested within content items: the root's children are at depth 1."""
    max_items: int


class Unwalkable(ValueError):
    """The element structure cannot be followed (the full decode will say more)."""


class TooDeep(ValueError):
    """Sequences nested beyond ``MAX_SEQUENCE_DEPTH``."""


class ReportTooLarge(ValueError):
    """A structured report beyond ``ReportLimits``; the message says which bound."""


@dataclass
class _Frame:
    sequence: bool
    end: int | None
    """Where a defined-length sequence or item ends; None when a delimiter ends it."""
    explicit: bool
    content: bool = False
    """A Content Sequence (or an item in one)."""


def check_structure(path: Path, report_limits: ReportLimits | None) -> None:
    """Raise ``TooDeep`` or ``ReportTooLarge`` when the object breaks a bound; ``report_limits``
    applies when it is a structured report. A structure that cannot be walked is left to the
    decoder (which refuses it with its own reason)."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        try:
            read_preamble(stream, False)
            meta = _read_file_meta_info(stream)
        except Exception:
            return
        sop_class = str(meta.get("MediaStorageSOPClassUID", ""))
        is_report = report_limits is not None and sop_class in sop_classes.SR_CLASSES
        if is_report and report_limits is not None and size > report_limits.max_bytes:
            raise ReportTooLarge(f"a structured report of {size} bytes is over the "
                                 f"{report_limits.max_bytes}-byte limit")
        syntax = str(meta.get("TransferSyntaxUID", ""))
        if syntax == sop_classes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
            return  # cannot be walked by seeking; the decoder's own failure is caught
        order = ">" if syntax == sop_classes.EXPLICIT_VR_BIG_ENDIAN else "<"
        explicit = syntax != sop_classes.IMPLICIT_VR_LITTLE_ENDIAN
        try:
            _walk(stream, size, explicit, order, report_limits if is_report else None)
        except (Unwalkable, IncompleteObject, struct.error):
            return


def _walk(stream: BinaryIO, size: int, explicit: bool, order: str,
          limits: ReportLimits | None) -> None:
    stack: list[_Frame] = [_Frame(sequence=False, end=None, explicit=explicit)]
    items = 0
    while True:
        position = stream.tell()
        while len(stack) > 1 and stack[-1].end is not None and position >= stack[-1].end:
            stack.pop()
        if position >= size:
            return
        top = stack[-1]
        if top.sequence:
            group, element, length = struct.unpack(order + "HHL", _read(stream, 8))
            tag = (group << 16) | element
            if tag == _SEQUENCE_END:
                stack.pop()
                continue
            if tag != _ITEM:
                raise Unwalkable("expected an item")
            if top.content and limits is not None:
                items += 1
                if items > limits.max_items:
                    raise ReportTooLarge(f"a structured report of more than {limits.max_items} "
                                         "content items")
            stack.append(_Frame(sequence=False, end=None if length == _UNDEFINED
                                else stream.tell() + length, explicit=top.explicit,
                                content=top.content))
            continue
        tag, length, vr = element_header(stream, top.explicit, order)
        if tag == _ITEM_END:
            if len(stack) == 1:
                raise Unwalkable("an item delimiter outside any item")
            stack.pop()
            continue
        if tag == _SEQUENCE_END:
            raise Unwalkable("a sequence delimiter outside any sequence")
        if tag == _PIXEL_DATA and length == _UNDEFINED:
            _skip_fragments(stream, size, order)
            continue
        if not _is_sequence(tag, length, vr, top.explicit):
            if length == _UNDEFINED:
                raise Unwalkable("an undefined length on a value")
            stream.seek(length, 1)
            continue
        content = tag == _CONTENT_SEQUENCE
        stack.append(_Frame(sequence=True, end=None if length == _UNDEFINED
                            else stream.tell() + length,
                            explicit=top.explicit and vr != b"UN", content=content))
        depth = sum(1 for frame in stack if frame.sequence)
        if depth > MAX_SEQUENCE_DEPTH:
            raise TooDeep(f"sequences nested more than {MAX_SEQUENCE_DEPTH} levels deep")
        if limits is not None and content:
            content_depth = sum(1 for frame in stack if frame.sequence and frame.content)
            if content_depth > limits.max_depth:
                raise ReportTooLarge(f"a structured report nesting content more than "
                                     f"{limits.max_depth} levels deep")


def _is_sequence(tag: int, length: int, vr: bytes | None, explicit: bool) -> bool:
    if explicit and vr is not None:
        return vr == b"SQ" or (vr == b"UN" and length == _UNDEFINED)
    try:
        return dictionary_VR(tag) == "SQ"
    except KeyError:  # a private element: only an undefined length can be a sequence
        return length == _UNDEFINED


def _skip_fragments(stream: BinaryIO, size: int, order: str) -> None:
    while stream.tell() < size:
        group, element, length = struct.unpack(order + "HHL", _read(stream, 8))
        if (group << 16 | element) == _SEQUENCE_END:
            return
        stream.seek(length, 1)


def _read(stream: BinaryIO, count: int) -> bytes:
    raw = stream.read(count)
    if len(raw) != count:
        raise Unwalkable("the file ends inside a header")
    return raw
