"""The key that signs session cookies: from settings, or generated once and kept in the data
directory, readable by its owner only."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from worklist.files import private_dir
from worklist.settings import Settings

SECRET_FILE = "secret_key"


def session_secret(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    return _kept_secret(settings.data_dir / SECRET_FILE)


def _kept_secret(path: Path) -> str:
    private_dir(path.parent)
    try:
        # O_EXCL: two processes starting at once must not each write a different key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_kept(path)
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def _read_kept(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    # Another process may have created the file a moment ago and still be writing it.
    for _ in range(20):
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
        time.sleep(0.1)
    raise RuntimeError(f"the session key file {path.name} in the data directory is empty")
