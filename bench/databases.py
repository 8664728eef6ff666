"""What the end-to-end and scale benchmarks share: a throw-away PostgreSQL database migrated by the
product's own ``worklist db upgrade``, the product's processes as subprocesses, free ports.

The admin URL comes from ``WORKLIST_BENCH_POSTGRES_URL`` (default: the test database of
``make test``); the broker from ``WORKLIST_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get("WORKLIST_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WORKLIST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


@contextmanager
def all_cores() -> Iterator[None]:
    """Undo an earlier benchmark's one-core pinning for a while: the product's processes inherit
    this process's CPU affinity, and a deployment gives them the whole machine."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        yield
    finally:
        os.sched_setaffinity(0, pinned)


def with_database(url: str, name: str) -> str:
    return f"{url.rpartition('/')[0]}/{name}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def worklist_command(*args: str) -> list[str]:
    """The installed ``worklist`` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("worklist")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "worklist.cli", *args]


def run_worklist(env: Mapping[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(worklist_command(*args), env=dict(env), capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"worklist {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


@contextmanager
def bench_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(ADMIN_URL, name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(name)))


def product_env(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a product process: this machine's, less any ``WORKLIST_`` setting that
    would point it elsewhere, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLIST_")}
    env |= {"WORKLIST_DATABASE_URL": database_url, "WORKLIST_DATA_DIR": str(data_dir),
            "WORKLIST_LOG_LEVEL": "WARNING"}
    env |= {f"WORKLIST_{key.upper()}": value for key, value in settings.items()}
    return env


class Process:
    """A product process in its own session, so stopping it also stops the children it forked."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: IO[bytes]) -> None:
        self.popen = subprocess.Popen(args, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=grace)


def wait_until(check: Callable[[], bool], timeout: float, what: str,
               interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)
