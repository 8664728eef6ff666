"""Backup and restore of the system of record: the database and the spool, in one folder.

A backup folder holds ``manifest.json`` (what, when, which schema revision), the database
(``database.sqlite3``, written with SQLite's online backup API, which copies a consistent snapshot
while the product keeps writing; or ``database.pgdump``, ``pg_dump``'s custom format, one
transaction's snapshot), and ``spool.tar``, the received objects.

The database is copied first and the spool second. An object's file is placed in the spool before
its row commits and is never changed afterwards, so every row in the copied database finds its file
in the later spool copy; files that arrived in between are extra and harmless.

Restore goes into a fresh database and an empty spool only (it refuses to mix with live data), then
brings the schema up to date, so a backup of an earlier release restores into this one.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from worklist.db import migrate
from worklist.db.base import utcnow
from worklist.db.engine import make_engine
from worklist.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
SPOOL_FILE = "spool.tar"
SPOOL_OBJECTS = "objects"
"""Only placed objects are copied; ``incoming`` holds transfers still under way."""


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    database: str
    """``sqlite`` or ``postgresql``."""
    revision: str
    """The schema revision the database was at."""
    spool_files: int
    spool_bytes: int


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database")
    return backend


def _revision(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                raise BackupError("the database has no schema yet (run `worklist db upgrade`)")
            return str(connection.execute(text("SELECT version_num FROM alembic_version"))
                       .scalar_one())
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while other connections write (a file copy
    of a live database in WAL mode can miss committed pages or catch a torn one)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without its password, and the environment carrying it (a password
    on a command line is visible to every user of the machine)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (PostgreSQL's client tools)")
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        # The tools' messages name objects and options, not row contents.
        raise BackupError(f"{tool} failed: {completed.stderr.strip()[-2000:]}")


def _spool_objects(settings: Settings) -> Path:
    return settings.spool_dir / SPOOL_OBJECTS


def _archive_spool(settings: Settings, target: Path) -> tuple[int, int]:
    files = size = 0
    objects = _spool_objects(settings)
    with tarfile.open(target, "w") as archive:
        if objects.is_dir():
            for path in sorted(objects.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=path.relative_to(settings.spool_dir).as_posix())
                    files += 1
                    size += path.stat().st_size
    return files, size


def backup(settings: Settings, destination: Path) -> Manifest:
    """Write a backup of the database and the spool into ``destination`` (new or empty)."""
    url = settings.effective_database_url
    kind = _kind(url)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: give a new folder for each backup")
    destination.mkdir(parents=True, exist_ok=True)
    revision = _revision(url)
    if kind == "sqlite":
        _sqlite_copy(_sqlite_path(url), destination / SQLITE_FILE)
    else:
        address, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={destination / POSTGRES_FILE}", f"--dbname={address}"], env)
    files, size = _archive_spool(settings, destination / SPOOL_FILE)
    manifest = Manifest(FORMAT, utcnow().isoformat(), kind, revision, files, size)
    (destination / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def read_manifest(source: Path) -> Manifest:
    try:
        values = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{source} holds no readable {MANIFEST}: not a worklist backup") from None
    if values.get("format") != FORMAT:
        raise BackupError(f"backup format {values.get('format')} is not one this release reads")
    return Manifest(**values)


def _ensure_fresh(settings: Settings, kind: str) -> None:
    url = settings.effective_database_url
    if kind == "sqlite":
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} already exists: restore into a fresh database")
    else:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                tables = inspect(connection).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise BackupError("the target PostgreSQL database already has tables: restore into "
                              "a fresh, empty database")
    objects = _spool_objects(settings)
    if objects.is_dir() and any(p.is_file() for p in objects.rglob("*")):
        raise BackupError(f"{objects} already holds objects: restore into an empty data directory")


def restore(settings: Settings, source: Path) -> Manifest:
    """Restore ``source`` into the configured (fresh) database and data directory, then bring
    the schema up to date."""
    manifest = read_manifest(source)
    url = settings.effective_database_url
    kind = _kind(url)
    if kind != manifest.database:
        raise BackupError(f"this is a {manifest.database} backup and the target database is "
                          f"{kind}: restore into the same kind of database")
    _ensure_fresh(settings, kind)
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source / SQLITE_FILE, target)
    else:
        address, env = _libpq(url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={address}", str(source / POSTGRES_FILE)], env)
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / SPOOL_FILE) as archive:
        archive.extractall(settings.spool_dir, filter="data")
    migrate.upgrade(url)
    return manifest


def missing_spool_files(settings: Settings) -> int:
    """Inbox rows whose object is not in the spool (0 after a sound restore); rows whose file
    spool retention removed name none."""
    engine = make_engine(settings.effective_database_url)
    try:
        with engine.connect() as connection:
            paths = connection.execute(text("SELECT spool_path FROM inbox_objects")).scalars()
            return sum(1 for p in paths if p and not (settings.spool_dir / p).is_file())
    finally:
        engine.dispose()
