"""Counting the listener's C-STORE answers by status, without touching the store handler: a
notification handler on the sent DIMSE messages sees every answer, success or refusal."""

from __future__ import annotations

from pynetdicom import evt
from pynetdicom.dimse_messages import C_STORE_RSP
from pynetdicom.transport import ThreadedAssociationServer

from worklist.metrics.instruments import count_store_status


def _on_sent(event: evt.Event) -> None:
    message = event.message  # type: ignore[attr-defined]
    if isinstance(message, C_STORE_RSP):
        status = getattr(message.command_set, "Status", None)
        if status is not None:
            count_store_status(int(status))


def count_store_answers(server: ThreadedAssociationServer) -> None:
    server.bind(evt.EVT_DIMSE_SENT, _on_sent)
