"""A reader process (``python -m tasks.reader_process MEMORY_MB ZONE PARENT LEVEL FORMAT``): reads spooled objects
for the pipeline within an address-space limit; see ``tasks.reading``.

One JSON line per request on stdin (``{"path": ...}``), one JSON line per answer on stdout:
``{"ok": ...}``, ``{"unreadable": reason}``, ``{"memory": true}`` or ``{"error": class name}``.
Messages never carry patient data; anything printed goes to stderr, never into the answers.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import traceback
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

_PAGE = resource.getpagesize()
_PR_SET_PDEATHSIG = 1


def _address_space() -> int:
    """This process's current virtual size in bytes."""
    return int(Path("/proc/self/statm").read_text().split()[0]) * _PAGE


def _answer(out: IO[bytes], message: dict[str, Any]) -> None:
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


def _caused_by_memory(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _die_with(parent: int) -> None:
    """End with the process that started us, however it ends: an orphan would read on."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's close() still ends us
        return
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(0)


def main(argv: list[str]) -> int:
    memory_mb, zone_name, parent, log_level, log_format = argv
    _die_with(int(parent))
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the answers
    from worklist.log_setup import configure_process_logging

    configure_process_logging(log_level, log_format)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C is for the parent to handle

    from rules.reader import read_report
    from tasks.reading import RECYCLE_SHARE, read_spooled
    from worklist.cases.ingest import encode_read
    from dicom_io.readers.objects import UnreadableObject

    zone = ZoneInfo(zone_name)
    # The language models load on first use: load them now, outside any object's time budget
    # and inside the baseline the memory budget is added to.
    from rules.reader import read_text

    read_text("Findings: no suspicious mass. Impression: BI-RADS 1.")
    budget = int(memory_mb) * 1024 * 1024
    baseline = _address_space()
    resource.setrlimit(resource.RLIMIT_AS, (baseline + budget, baseline + budget))
    _answer(out, {"ready": True})
    for line in sys.stdin.buffer:
        request = json.loads(line)
        recycle = False
        try:
            message: dict[str, Any] = {"ok": encode_read(
                read_spooled(Path(request["path"]), zone, read_report))}
        except MemoryError:
            message, recycle = {"memory": True}, True
        except UnreadableObject as error:  # its messages name the problem, never patient data
            if _caused_by_memory(error):  # the DICOM reader wraps what stopped it
                message, recycle = {"memory": True}, True
            else:
                message = {"unreadable": str(error)}
        except Exception as error:  # frames only: a message may quote the data it choked on
            traceback.print_tb(error.__traceback__, file=sys.stderr)
            message = {"error": type(error).__name__}
        try:
            recycle = recycle or _address_space() - baseline > budget * RECYCLE_SHARE
            message["recycle"] = recycle
            _answer(out, message)
        except MemoryError:
            return 3
        if recycle:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
