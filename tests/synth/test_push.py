"""``push_case`` delivers every object to a real pynetdicom storage SCP on loopback, one association
per event, in time order or in a given order, and names the status when the SCP refuses."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from pynetdicom import AE, StoragePresentationContexts, evt

from dicom_io.push import PushError, push_case
from dicom_io.synth import RenderedEvent, render_case
from hl7_io.acknowledger import BareAcknowledger
from tests.synth.sample import sample_case
from worklist.commands.demo import demo
from worklist.demo import load_stories
from worklist.demo.channels import Hl7Event, render_story

DAY0 = date(2026, 3, 2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Recorder:
    status: int = 0x0000
    received: list[str] = field(default_factory=list)
    associations: set[int] = field(default_factory=set)
    contexts: list[set[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle_store(self, event: evt.Event) -> int:
        dataset = event.dataset
        with self.lock:
            if id(event.assoc) not in self.associations:
                self.associations.add(id(event.assoc))
                self.contexts.append(
                    {str(cx.abstract_syntax) for cx in event.assoc.accepted_contexts}
                )
            if self.status == 0x0000:
                self.received.append(str(dataset.SOPInstanceUID))
        return self.status


@pytest.fixture
def scp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    ae = AE(ae_title="TESTSCP")
    ae.supported_contexts = StoragePresentationContexts
    port = _free_port()
    server = ae.start_server(
        ("127.0.0.1", port),
        block=False,
        evt_handlers=[(evt.EVT_C_STORE, recorder.handle_store)],
    )
    try:
        yield recorder, port
    finally:
        server.shutdown()


def test_every_object_arrives_once_per_event_association(scp: tuple[Recorder, int]) -> None:
    recorder, port = scp
    case = sample_case()
    rendered = render_case(case, DAY0)
    stored = push_case(case, "127.0.0.1", port, "TESTPACS", "TESTSCP", DAY0)

    expected = [str(ds.SOPInstanceUID) for e in rendered for ds in e.datasets]
    assert stored == len(expected)
    assert recorder.received == expected
    assert len(recorder.associations) == len(rendered)
    # Each association proposed only the SOP classes its event carries.
    for event, accepted in zip(rendered, recorder.contexts, strict=True):
        assert accepted == {str(ds.SOPClassUID) for ds in event.datasets}


def test_a_given_order_is_kept(scp: tuple[Recorder, int]) -> None:
    recorder, port = scp
    case = sample_case()
    rendered = {e.index: e for e in render_case(case, DAY0)}
    order = sorted(rendered, reverse=True)
    push_case(case, "127.0.0.1", port, "TESTPACS", "TESTSCP", DAY0, order=order)
    assert recorder.received == [
        str(ds.SOPInstanceUID) for i in order for ds in rendered[i].datasets
    ]


def test_a_refused_store_names_the_status(scp: tuple[Recorder, int]) -> None:
    recorder, port = scp
    recorder.status = 0xA700
    with pytest.raises(PushError, match="0xA700"):
        push_case(sample_case(), "127.0.0.1", port, "TESTPACS", "TESTSCP", DAY0)


def test_nobody_listening_is_a_clear_error() -> None:
    port = _free_port()
    with pytest.raises(PushError, match="association"):
        push_case(sample_case(), "127.0.0.1", port, "TESTPACS", "TESTSCP", DAY0)


def test_worklist_demo_pushes_every_story(
    scp: tuple[Recorder, int], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, port = scp
    stories = load_stories()
    events = [event for story in stories for event in render_story(story, date.today())]
    expected = {str(ds.SOPInstanceUID) for event in events if isinstance(event, RenderedEvent)
                for ds in event.datasets}
    messages = [event.control_id for event in events if isinstance(event, Hl7Event)]
    assert messages, "the demo sends at least one result over HL7"
    with BareAcknowledger() as lab_receiver:
        # The generated years of history behind the audit are checked in tests/outcomes.
        demo(host="127.0.0.1", port=port, ae_title="DEMOPACS", called_ae="TESTSCP",
             hl7_port=lab_receiver.port, history=False)
    assert len(recorder.received) == len(expected)
    assert set(recorder.received) == expected
    assert lab_receiver.received == messages
    output = capsys.readouterr().out
    assert f"{len(expected) + len(messages)} objects from {len(stories)} stories" in output
    # The console names stories by id only, never by patient name.
    assert not any(story["patient"]["name"] in output for story in stories)
