"""Keep patient identifiers out of the logs the web server writes.

URLs carry them (``/api/v1/patients/{patient_id}/case``, ``?patient_id=``, the search box), and
uvicorn's access log prints URLs; SQLAlchemy at INFO prints bound parameters. Both are cut here.
"""

from __future__ import annotations

import logging
import re

_PATIENT_SEGMENT = re.compile(r"(/patients/)[^/?]+")
ACCESS_LOGGER = "uvicorn.access"


def redact_path(path: str) -> str:
    """The path without its query string, with any patient segment replaced."""
    path = path.split("?", 1)[0]
    return _PATIENT_SEGMENT.sub(r"\1-", path)


class RedactAccessLog(logging.Filter):
    """uvicorn's access records carry (client, method, path, http version, status) as args."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = redact_path(str(args[2]))
            record.args = tuple(args)
        return True


def protect_logs() -> None:
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactAccessLog) for f in access.filters):
        access.addFilter(RedactAccessLog())
    # SQL statements logged at INFO come with their parameters: patient IDs, names, notes.
    sql = logging.getLogger("sqlalchemy.engine")
    if sql.level == logging.NOTSET or sql.level < logging.WARNING:
        sql.setLevel(logging.WARNING)
