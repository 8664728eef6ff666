"""``worklist demo`` says how many objects were new and how many the listener already had (the
stories only: the generated history is checked without a listener in tests/outcomes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hl7_io.acknowledger import BareAcknowledger
from tests.dicom.conftest import LISTENER_AE, RunningListener
from worklist.commands.demo import demo
from worklist.settings import Settings, get_settings


@pytest.fixture
def demo_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """``worklist demo`` reads the process's settings: point them at the test's database."""
    monkeypatch.setenv("WORKLIST_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("WORKLIST_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_demo_counts_new_objects_and_repeats(
    demo_settings: Settings, start_listener: Callable[..., RunningListener],
    capsys: pytest.CaptureFixture[str],
) -> None:
    listener = start_listener()
    with BareAcknowledger() as lab:  # the demo's pathology results go over HL7
        demo(host="127.0.0.1", port=listener.port, ae_title="DEMOPACS", called_ae=LISTENER_AE,
             hl7_port=lab.port, history=False)
        total = listener.row_count()
        first = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
        assert lab.received, "the demo sends at least one result over HL7"
        assert f"{total + len(lab.received)} objects from" in first
        assert f"{total} new, 0 already received" in first

        demo(host="127.0.0.1", port=listener.port, ae_title="DEMOPACS", called_ae=LISTENER_AE,
             hl7_port=lab.port, history=False)
        again = " ".join(capsys.readouterr().out.split())
    assert listener.row_count() == total, "repeats are acknowledged, not stored twice"
    assert f"0 new, {total} already received" in again
