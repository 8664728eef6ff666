"""Files and folders that hold patient data or secrets (the SQLite database, the spool, the
session key) are the service account's alone: folders 0700, files 0600, whatever the umask."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create the folder (and missing parents) 0700. An existing one open to others is
    tightened when ``tighten`` (the data directory: ours); a folder we do not own is left as it
    is, with a warning."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        folder.chmod(PRIVATE_DIR)  # mkdir's mode is masked by the umask; chmod is not
    if tighten and path not in missing:
        _tighten(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Make sure the file exists, 0600 (created so, never briefly readable by others)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        _tighten(path, PRIVATE_FILE)
    return path


def _tighten(path: Path, mode: int) -> None:
    current = path.stat().st_mode & 0o777
    if current & 0o077 == 0:
        return
    try:
        path.chmod(current & ~0o077 | (mode & 0o700))
    except PermissionError:
        log.warning("%s is readable by other users and not ours to change (mode %o)",
                    path.name, current)
