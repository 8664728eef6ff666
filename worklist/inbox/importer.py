"""Backfill: ingest DICOM files from disk through the listener's own path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dicom_io.ingest import IngestResult, ingest
from dicom_io.ports import InboxSink, Limits, Origin, StoreOutcome
from dicom_io.spool import Spool

IMPORT_AE = "IMPORT"


DICOM_MAGIC_OFFSET = 128
DICOM_MAGIC = b"DICM"


@dataclass
class ImportSummary:
    accepted: int = 0
    duplicate: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    skipped: int = 0
    """Files that are not DICOM at all (a manifest, a README): passed over quietly."""
    rejections: list[tuple[Path, str]] = field(default_factory=list)

    def count(self, path: Path, result: IngestResult) -> None:
        if not result.success:
            self.rejected += 1
            self.rejections.append((path, result.reason))
        elif result.outcome is StoreOutcome.DUPLICATE:
            self.duplicate += 1
        elif not result.in_scope:
            self.out_of_scope += 1
        else:
            self.accepted += 1


def is_dicom_file(path: Path) -> bool:
    """A DICOM file (PS3.10) carries ``DICM`` after its 128-byte preamble; the import path accepts
    nothing else, so anything without it is some other file that travelled with the studies."""
    try:
        with path.open("rb") as stream:
            stream.seek(DICOM_MAGIC_OFFSET)
            return stream.read(len(DICOM_MAGIC)) == DICOM_MAGIC
    except OSError:
        return True  # unreadable: let the import say why, as a rejection


def dicom_files(path: Path) -> Iterator[Path]:
    """The file itself, or every regular file below a folder in name order (hidden ones and
    DICOMDIR indexes left out)."""
    if path.is_file():
        yield path
        return
    for candidate in sorted(path.rglob("*")):
        if candidate.is_file() and not candidate.name.startswith(".") and candidate.name != "DICOMDIR":
            yield candidate


def import_files(
    files: Iterable[Path],
    *,
    sink: InboxSink,
    spool: Spool,
    limits: Limits,
    called_ae: str = "",
    on_file: Callable[[Path, IngestResult | None], None] | None = None,
) -> ImportSummary:
    """Ingest each DICOM file; ``on_file`` hears of each file (``None``: skipped, not DICOM)."""
    summary = ImportSummary()
    origin = Origin(calling_ae=IMPORT_AE, called_ae=called_ae)
    for path in files:
        if not is_dicom_file(path):
            summary.skipped += 1
            if on_file is not None:
                on_file(path, None)
            continue
        result = ingest(path, sink=sink, spool=spool, limits=limits, origin=origin)
        summary.count(path, result)
        if on_file is not None:
            on_file(path, result)
    return summary
