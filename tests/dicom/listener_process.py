"""The real ``worklist listener`` in a process of its own, for tests that kill it or starve it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import free_port, service_missing
from tests.dicom.conftest import LISTENER_AE, client_ae


class ListenerProcess:
    def __init__(self, database_url: str, data_dir: Path, max_object_bytes: int = 2 * 1024**3,
                 port: int | None = None) -> None:
        self.port = port or free_port()
        self.env = os.environ | {
            "WORKLIST_DATABASE_URL": database_url, "WORKLIST_DATA_DIR": str(data_dir),
            "WORKLIST_DICOM_HOST": "127.0.0.1", "WORKLIST_DICOM_PORT": str(self.port),
            "WORKLIST_ALLOWED_AES": "", "WORKLIST_BROKER_URL": "",
            "WORKLIST_MAX_OBJECT_BYTES": str(max_object_bytes),
        }
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> ListenerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worklist.cli", "listener"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
            assoc = client_ae().associate("127.0.0.1", self.port, ae_title=LISTENER_AE)
            if assoc.is_established:
                assoc.release()
                return self
            assert time.monotonic() < deadline, "listener did not start"
            time.sleep(0.3)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def storescu(port: int, *paths: Path) -> list[int]:
    """Push with dcmtk's storescu (one association); the C-STORE statuses it received, in order."""
    tool = shutil.which("storescu")
    if tool is None:
        service_missing("dcmtk's storescu")
    run = subprocess.run(
        [str(tool), "-d", "-R", "-aet", "PACS", "-aec", LISTENER_AE, "127.0.0.1", str(port),
         *map(str, paths)],
        capture_output=True, text=True, timeout=120, env=os.environ | {"TCP_NODELAY": "1"})
    return [int(code, 16) for code in re.findall(r"DIMSE Status\s*:\s*0x([0-9A-Fa-f]{4})",
                                                   run.stdout + run.stderr)]
