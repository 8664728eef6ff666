"""Keep the values DICOM libraries quote out of the logs.

pydicom reports a bad value by quoting it, both as a log record and as a Python warning
(``Invalid value for VR UI: 'QUILLBY^ROSAMUND'``), and pynetdicom's records can quote what it
decoded: patient names and identifiers reached the listener's and the worker's logs that way.
``RedactLibraryValues`` sits on every handler the commands install, so it sees records propagated
from any logger: a record from pydicom, pynetdicom or the warnings module keeps its wording, each
quoted value replaced by ``<value>``, and an exception attached to it keeps only its class.
"""

from __future__ import annotations

import logging
import re

LIBRARY_LOGGERS = ("pydicom", "pynetdicom", "py.warnings")
"""Loggers whose records are redacted (and their children)."""
REDACTED = "<value>"

_QUOTED = re.compile(r"""b?'(?:[^'\\]|\\.)*'|b?"(?:[^"\\]|\\.)*\"""")
# pydicom's validation messages name the VR, then the value; some values come unquoted.
_AFTER_VR = re.compile(r"(Invalid value for VR \w\w:).*")


def redact(message: str) -> str:
    message = _AFTER_VR.sub(rf"\1 {REDACTED}", message)
    return _QUOTED.sub(REDACTED, message)


def _from_library(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in LIBRARY_LOGGERS)


class RedactLibraryValues(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _from_library(record.name):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its template only
            message = str(record.msg)
        if record.exc_info and record.exc_info[0] is not None:
            message += f" ({record.exc_info[0].__name__})"
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


def protect_handler(handler: logging.Handler) -> None:
    if not any(isinstance(f, RedactLibraryValues) for f in handler.filters):
        handler.addFilter(RedactLibraryValues())
