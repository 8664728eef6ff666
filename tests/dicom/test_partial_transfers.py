"""Transfers that do not finish leave no patient data behind in ``spool/incoming``: a sender gone
mid-dataset (FIN or RST) or stalled there until the network timeout, a listener killed outright
(swept at its next start), an object over the size limit (written no further than the limit).
Mostly the real ``worklist listener`` process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dicom_io.spool import Spool
from tests.dicom import factories
from tests.dicom.listener_process import ListenerProcess, storescu
from tests.dicom.partial_sender import PartialStore

pytestmark = pytest.mark.slow
MAX_OBJECT_BYTES = 3 * 1024 * 1024


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def listener(database_url: str, tmp_path: Path) -> Iterator[ListenerProcess]:
    running = ListenerProcess(database_url, tmp_path / "data", MAX_OBJECT_BYTES).start()
    yield running
    running.stop()


def _spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "data" / "spool")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("ending", ["fin", "rst"])
def test_a_sender_gone_mid_dataset_leaves_no_partial_file(
    listener: ListenerProcess, tmp_path: Path, ending: str
) -> None:
    spool = _spool(tmp_path)
    # A report: kept whole, so what arrived so far sits in the partial file.
    report = factories.basic_text_sr("Mass. " * 200_000, "BI-RADS 4.")
    sender = PartialStore(listener.port, factories.write(report, tmp_path / "report.dcm"))
    sender.send(0.5)
    assert _wait_for(lambda: any(p.stat().st_size > 100_000 for p in spool.partial_files())), \
        "the listener writes the dataset as it arrives"
    sender.close() if ending == "fin" else sender.reset()
    assert _wait_for(lambda: not spool.partial_files()), \
        f"left behind: {[p.stat().st_size for p in spool.partial_files()]}"
    # The listener serves the next sender, and keeps nothing of the broken transfer.
    good = factories.write(factories.mammogram(size=64), tmp_path / "good.dcm")
    assert storescu(listener.port, good) == [0x0000]
    assert len(list(spool.objects.rglob("*.dcm"))) == 1 and not spool.partial_files()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_killed_listener_leaves_nothing_once_it_starts_again(
    database_url: str, tmp_path: Path
) -> None:
    spool = _spool(tmp_path)
    first = ListenerProcess(database_url, tmp_path / "data", MAX_OBJECT_BYTES).start()
    try:
        report = factories.basic_text_sr("Calcifications. " * 100_000, "BI-RADS 4.")
        sender = PartialStore(first.port, factories.write(report, tmp_path / "report.dcm"))
        sender.send(0.5)
        assert _wait_for(lambda: any(p.stat().st_size > 100_000 for p in spool.partial_files()))
        first.kill()
        sender.reset()
        assert spool.partial_files(), "SIGKILL gives the process no chance to clean up"
    finally:
        first.stop()
    second = ListenerProcess(database_url, tmp_path / "data", MAX_OBJECT_BYTES).start()
    try:
        assert not spool.partial_files(), "swept at start-up"
    finally:
        second.stop()


def test_the_start_up_sweep_spares_the_files_of_a_live_process(tmp_path: Path) -> None:
    root = tmp_path / "spool"
    script = ("import sys, time; from pathlib import Path; from dicom_io.spool import Spool;"
              "path = Spool(Path(sys.argv[1])).temporary_name(); path.write_bytes(b'x' * 100);"
              "print(path, flush=True); time.sleep(120)")
    other = subprocess.Popen([sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE,
                             text=True, env=os.environ | {"PYTHONPATH": os.getcwd()})
    try:
        assert other.stdout is not None
        theirs = Path(other.stdout.readline().strip())
        spool = Spool(root)
        ours = spool.temporary_name()
        ours.write_bytes(b"y")
        assert spool.sweep_incoming() == 0
        assert theirs.exists() and ours.exists(), "files of live processes stay"
        other.kill()
        other.wait(timeout=10)
        assert spool.sweep_incoming() == 1
        assert not theirs.exists() and not theirs.parent.exists() and ours.exists()
    finally:
        other.kill()
        other.wait(timeout=10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_object_over_the_limit_is_written_no_further_than_the_limit(
    listener: ListenerProcess, tmp_path: Path
) -> None:
    spool = _spool(tmp_path)
    document = factories.encapsulated_pdf()
    document.EncapsulatedDocument = b"%PDF-1.4\n" + bytes(4 * MAX_OBJECT_BYTES) + b"%%EOF\n"
    path = factories.write(document, tmp_path / "big.dcm")
    sender = PartialStore(listener.port, path)
    sizes: list[int] = []
    for step in range(1, 10):
        sender.send(step / 10)
        time.sleep(0.05)
        sizes.extend(p.stat().st_size for p in spool.partial_files())
    sender.close()
    assert sizes and max(sizes) <= MAX_OBJECT_BYTES, f"written while over the limit: {max(sizes)}"
    assert storescu(listener.port, path) == [0xA701]
    assert _wait_for(lambda: not spool.partial_files())
    assert not list(spool.objects.rglob("*.dcm"))


def test_a_sender_stalled_mid_dataset_times_out_and_its_file_goes(
    settings, sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from dicom_io import listener as dicom_listener
    from dicom_io.ports import Limits
    from tests.conftest import free_port
    from worklist.inbox.sink import SqlInboxSink

    spool = Spool(settings.spool_dir)
    spool.ensure()
    monkeypatch.setattr(tempfile, "tempdir", str(spool.incoming))  # as `worklist listener` did
    config = dicom_listener.ListenerConfig(
        ae_title="WORKLIST", host="127.0.0.1", port=free_port(),
        limits=Limits(max_object_bytes=MAX_OBJECT_BYTES), network_timeout=1.0)
    server = dicom_listener.start(config, SqlInboxSink(sessions, spool), spool)
    try:
        report = factories.basic_text_sr("Asymmetry. " * 100_000, "BI-RADS 0.")
        sender = PartialStore(config.port, factories.write(report, tmp_path / "report.dcm"))
        sender.send(0.5)
        assert _wait_for(lambda: any(p.stat().st_size > 100_000 for p in spool.partial_files()))
        assert _wait_for(lambda: not spool.partial_files(), seconds=10), \
            "the idle association is dropped after the network timeout, and its file with it"
        sender.reset()
    finally:
        server.shutdown()
