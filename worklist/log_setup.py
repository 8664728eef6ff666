"""How every process of the product logs: one stderr handler in the chosen format, library values
redacted, Python warnings as log lines, and chatty libraries held at WARNING.

Shared by the commands and by the pipeline's reader processes (``tasks.reader_process``), which
decode the objects and so see pydicom's warnings first.
"""

from __future__ import annotations

import logging
import sys

from worklist import log_format
from worklist.log_redaction import protect_handler

NOISY_LIBRARIES = ("pynetdicom", "pydicom", "PyRuSH", "medspacy")
"""Libraries that log dataset contents or report text at DEBUG."""


def configure_process_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(log_format.formatter(fmt))
    protect_handler(handler)  # pydicom and pynetdicom quote patient data they decode
    logging.basicConfig(level=level, handlers=[handler])
    # Library warnings become log lines too, in the same format (JSON stays JSON).
    logging.captureWarnings(True)
    for noisy in NOISY_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass
