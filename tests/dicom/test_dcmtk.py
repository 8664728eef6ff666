"""dcmtk's own tools against the listener: what a real PACS-side script would use."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.dicom import factories

pytestmark = pytest.mark.dcmtk


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        service_missing(f"dcmtk's {name}")
    return str(path)


def test_echoscu_and_storescu_work(start_listener, tmp_path: Path) -> None:
    echoscu, storescu = _tool("echoscu"), _tool("storescu")
    running = start_listener(allowed_aes=["PACS"])
    env = os.environ | {"TCP_NODELAY": "1"}
    address = ["-aet", "PACS", "-aec", "WORKLIST", "127.0.0.1", str(running.port)]
    echo = subprocess.run([echoscu, *address], capture_output=True, text=True, env=env, timeout=30)
    assert echo.returncode == 0, echo.stderr

    folder = tmp_path / "study"
    objects = [factories.mammogram("R", "CC"), factories.mammogram("L", "MLO", ["MAG"]),
               factories.tomosynthesis(), factories.ultrasound(),
               factories.basic_text_sr("No mass.", "BI-RADS 1."), factories.breast_imaging_sr(),
               factories.encapsulated_pdf()]
    files = [factories.write(ds, folder / f"{i}.dcm") for i, ds in enumerate(objects)]
    store = subprocess.run([storescu, "-R", *address, "+sd", str(folder)], capture_output=True,
                           text=True, env=env, timeout=60)
    assert store.returncode == 0, store.stderr
    assert running.row_count() == len(files) == len(running.spool_files())

    refused = subprocess.run([echoscu, "-aet", "STRANGER", *address[2:]], capture_output=True,
                             text=True, env=env, timeout=30)
    assert refused.returncode != 0
