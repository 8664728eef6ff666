"""A sender that goes away in the middle of a dataset, the way a crashed modality or a cut
network does: it associates normally, sends the C-STORE command and part of the dataset as real
P-DATA PDUs, then closes its connection with a FIN or resets it (RST)."""

from __future__ import annotations

import socket
import struct
from io import BytesIO
from pathlib import Path

from pynetdicom.dimse_messages import C_STORE_RQ
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import split_dataset
from pynetdicom.pdu import P_DATA_TF

from tests.dicom.conftest import LISTENER_AE, client_ae


class PartialStore:
    def __init__(self, port: int, path: Path) -> None:
        import pydicom

        meta = pydicom.dcmread(path, stop_before_pixels=True).file_meta
        _, offset = split_dataset(path)
        assoc = client_ae().associate("127.0.0.1", port, ae_title=LISTENER_AE)
        assert assoc.is_established, "association refused"
        context = next(cx for cx in assoc.accepted_contexts
                       if cx.abstract_syntax == meta.MediaStorageSOPClassUID
                       and cx.transfer_syntax[0] == meta.TransferSyntaxUID)
        request = C_STORE()
        request.MessageID = 1
        request.AffectedSOPClassUID = meta.MediaStorageSOPClassUID
        request.AffectedSOPInstanceUID = meta.MediaStorageSOPInstanceUID
        request.Priority = 2
        request.DataSet = BytesIO(path.read_bytes()[offset:])
        message = C_STORE_RQ()
        message.primitive_to_message(request)
        self.pdus = []
        for primitive in message.encode_msg(context.context_id, 16_384):
            pdu = P_DATA_TF()
            pdu.from_primitive(primitive)
            self.pdus.append(pdu.encode())
        # Stop pynetdicom's own reactors: from here on the socket is this sender's alone.
        assoc._kill = True
        assoc.dul.kill_dul()
        assoc.dul.join(timeout=5)
        self.socket: socket.socket = assoc.dul.socket.socket  # type: ignore[union-attr]
        self.sent = 0

    def send(self, fraction: float) -> None:
        """Send the first ``fraction`` of the message's PDUs (command first)."""
        count = max(2, int(len(self.pdus) * fraction))
        assert count < len(self.pdus), "the dataset must stay unfinished"
        for pdu in self.pdus[self.sent:count]:
            self.socket.sendall(pdu)
        self.sent = count

    def finish(self) -> None:
        for pdu in self.pdus[self.sent:]:
            self.socket.sendall(pdu)
        self.sent = len(self.pdus)

    def close(self) -> None:
        """An orderly close: FIN."""
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()

    def reset(self) -> None:
        """An abortive close: RST."""
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.socket.close()
