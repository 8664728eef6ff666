"""Real processes for the pipeline tests: a private ``redis-server`` and ``worklist`` commands.

Each process runs in its own process group, logs to a file under the test's directory, and is
killed in teardown whatever happened. A private Redis can be stopped and started again on the same
port without touching the shared one other tests use.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import redis

from tests.conftest import free_port, service_missing


def wait_until(condition: Callable[[], object], timeout: float, what: str,
               every: float = 0.05) -> None:
    """Poll ``condition`` until it is true; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class Process:
    """One child process in its own group, with its output in a log file."""

    def __init__(self, argv: list[str], log: Path, env: Mapping[str, str], cwd: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=dict(env),
                                          cwd=cwd, start_new_session=True)

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float) -> None:
        """Wait until the process has logged ``text``; fail early if it died."""
        def logged() -> bool:
            if text in self.output():
                return True
            assert self.running, f"{self.log.stem} exited:\n{self.output()[-3000:]}"
            return False

        wait_until(logged, timeout, f"{self.log.stem} to log {text!r}")

    def kill(self) -> None:
        """SIGKILL the whole group (a Celery worker's pool children too), and reap the leader.

        The group is signalled even when the leader is gone: its children may still be alive."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the group, then SIGKILL what is left after ``timeout``."""
        if self.running:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


class PrivateRedis:
    """A ``redis-server`` of the test's own, without persistence, on a free port."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server")
        self._binary = str(binary)
        self._directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: Process | None = None

    def start(self) -> None:
        argv = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self._directory)]
        self._process = Process(argv, self._directory / "redis.log", os.environ, self._directory)
        wait_until(self.answers, 10, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None


class Worklist:
    """Starts ``worklist`` commands with the given ``WORKLIST_*`` settings, and stops them all."""

    def __init__(self, directory: Path, settings: Mapping[str, str]) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # Only the test's settings: nothing from the caller's environment or a stray .env file.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLIST_")}
        self.env.update(settings)
        self.env["PYTHONUNBUFFERED"] = "1"
        self.processes: list[Process] = []

    def start(self, *args: str, name: str) -> Process:
        argv = [sys.executable, "-m", "worklist.cli", *args]
        process = Process(argv, self.directory / f"{name}.log", self.env, self.directory)
        self.processes.append(process)
        return process

    def worker(self, name: str = "worker", concurrency: int = 1) -> Process:
        return self.start("worker", f"--concurrency={concurrency}", f"--name={name}@%h",
                          name=name)

    def beat(self, name: str = "beat") -> Process:
        return self.start("beat", "--schedule-file", str(self.directory / f"{name}-schedule"),
                          name=name)

    def stop_all(self) -> None:
        for process in self.processes:
            process.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name} ---\n{p.output()[-4000:]}" for p in self.processes)
