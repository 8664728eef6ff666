"""Pushing a rendered case to a storage SCP the way a PACS does: one association per event,
proposing only the presentation contexts that event needs, with Nagle's algorithm off so small
objects do not wait for delayed ACKs. Used by ``worklist demo``, tests and benches."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from datetime import date

from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, build_context, evt
from pynetdicom.status import STORAGE_SERVICE_CLASS_STATUS, code_to_category

from dicom_io.synth import RenderedEvent, render_case
from dicom_io.synth.case import Case

# Category names pynetdicom's code_to_category returns for statuses that mean "stored".
_STORED = {"Success", "Warning"}


class PushError(RuntimeError):
    """A push that did not store everything; the message names the event and the failed status."""


def _no_delay(event: evt.Event) -> None:
    # The requestor's socket exists once the TCP connection is open (EVT_CONN_OPEN).
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def status_text(code: int) -> str:
    meaning = STORAGE_SERVICE_CLASS_STATUS.get(code)
    described = f"{meaning[0]}: {meaning[1]}" if meaning else code_to_category(code)
    return f"0x{code:04X} ({described})"


def send_event(
    event: RenderedEvent, host: str, port: int, calling_ae: str, called_ae: str, timeout: float = 30
) -> int:
    """Store one event's objects over one association; returns how many were stored."""
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout
    sop_classes = list(dict.fromkeys(str(ds.SOPClassUID) for ds in event.datasets))
    contexts = [build_context(uid, ExplicitVRLittleEndian) for uid in sop_classes]
    assoc = ae.associate(
        host,
        port,
        contexts=contexts,
        ae_title=called_ae,
        evt_handlers=[(evt.EVT_CONN_OPEN, _no_delay)],
    )
    if not assoc.is_established:
        state = (
            "rejected"
            if assoc.is_rejected
            else "aborted"
            if assoc.is_aborted
            else "not established"
        )
        raise PushError(
            f"event {event.index}: association from {calling_ae} to {called_ae}"
            f" at {host}:{port} {state}"
        )
    stored = 0
    try:
        for dataset in event.datasets:
            status = assoc.send_c_store(dataset)
            code = int(status.Status) if status and "Status" in status else None
            if code is None:
                raise PushError(f"event {event.index}: no C-STORE response (timeout or abort)")
            if code_to_category(code) not in _STORED:
                raise PushError(
                    f"event {event.index}: C-STORE failed with status {status_text(code)}"
                )
            stored += 1
    finally:
        if assoc.is_established:
            assoc.release()
    return stored


def push_events(
    events: Iterable[RenderedEvent],
    host: str,
    port: int,
    calling_ae: str,
    called_ae: str,
    on_event: Callable[[RenderedEvent, int], None] | None = None,
) -> int:
    total = 0
    for event in events:
        stored = send_event(event, host, port, calling_ae, called_ae)
        total += stored
        if on_event is not None:
            on_event(event, stored)
    return total


def push_case(
    case: Case,
    host: str,
    port: int,
    calling_ae: str,
    called_ae: str,
    day0: date | None = None,
    order: Iterable[int] | None = None,
    *,
    on_event: Callable[[RenderedEvent, int], None] | None = None,
) -> int:
    """Render ``case`` (day 0 = ``day0``, default today) and push each event over its own
    association. ``order`` lists event indices (1-based) to send in that order, for arrival-order
    tests; by default events go in time order. Returns the number of objects stored; raises
    ``PushError`` naming the event and the status on the first failure."""
    rendered = render_case(case, day0)
    if order is not None:
        by_index = {event.index: event for event in rendered}
        rendered = [by_index[i] for i in order]
    return push_events(rendered, host, port, calling_ae, called_ae, on_event)
