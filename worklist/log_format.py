"""Log line formats: readable text (the default), or one JSON object a line for log shippers
(``WORKLIST_LOG_FORMAT=json``).

Both carry what the code logged and nothing more: the product never logs patient data, and the
JSON form adds only time, level, logger and process. An exception contributes its class and its
frames, never its message, which may quote the data it choked on.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["frames"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(entry, ensure_ascii=False)


def formatter(name: str) -> logging.Formatter:
    """``text`` or ``json`` (the values ``WORKLIST_LOG_FORMAT`` accepts)."""
    return JsonFormatter() if name == "json" else logging.Formatter(TEXT_FORMAT)
