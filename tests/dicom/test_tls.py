"""DICOM over TLS: the listener with a certificate (and a CA that client certificates must chain to).

Certificates are made per test run with the openssl command line; the clients are pynetdicom with
an ``ssl`` context and dcmtk's storescu built with OpenSSL, so both sides of the handshake are real.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import dcmwrite
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io import listener as dicom_listener
from dicom_io.ports import Limits
from dicom_io.spool import Spool
from dicom_io.tls import server_context
from tests.conftest import free_port, service_missing
from tests.dicom.conftest import LISTENER_AE, client_ae
from tests.dicom.factories import mammogram
from worklist.db.models import InboxObject
from worklist.inbox.sink import SqlInboxSink
from worklist.settings import Settings


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path
    stranger_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _signed(name: str, ca: str, folder: Path, extension: str) -> None:
    """A key and a certificate for ``name`` signed by the CA named ``ca``."""
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-subj", f"/CN={name}",
             "-out", f"{name}.csr", cwd=folder)
    (folder / f"{name}.ext").write_text(extension)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", "2", "-out", f"{name}.crt", "-extfile", f"{name}.ext", cwd=folder)


def _ca(name: str, folder: Path) -> None:
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-days", "2",
             "-subj", f"/CN={name}", "-out", f"{name}.crt", cwd=folder)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    if shutil.which("openssl") is None:
        service_missing("openssl")
    folder = tmp_path_factory.mktemp("pki")
    _ca("site-ca", folder)
    _ca("other-ca", folder)
    _signed("localhost", "site-ca", folder, "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _signed("pacs", "site-ca", folder, "extendedKeyUsage=clientAuth\n")
    _signed("stranger", "other-ca", folder, "extendedKeyUsage=clientAuth\n")
    return Pki(folder / "site-ca.crt", folder / "localhost.crt", folder / "localhost.key",
               folder / "pacs.crt", folder / "pacs.key", folder / "stranger.crt", folder / "stranger.key")


@dataclass
class TlsListener:
    port: int
    sessions: sessionmaker[Session]

    def rows(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(InboxObject)) or 0)


@pytest.fixture
def tls_listener(pki: Pki, settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TlsListener]:
    spool = Spool(settings.spool_dir)
    config = dicom_listener.ListenerConfig(
        ae_title=LISTENER_AE, host="127.0.0.1", port=free_port(), limits=Limits(max_object_bytes=settings.max_object_bytes),
        tls=server_context(pki.server_cert, pki.server_key, pki.ca),
    )
    server = dicom_listener.start(config, SqlInboxSink(sessions, spool), spool)
    yield TlsListener(config.port, sessions)
    server.shutdown()  # type: ignore[attr-defined]


def _client_context(pki: Pki, cert: Path | None, key: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki.ca))
    if cert is not None and key is not None:
        context.load_cert_chain(str(cert), str(key))
    return context


def _store(port: int, context: ssl.SSLContext | None, path: Path) -> int | None:
    """C-STORE one file; the status, or None when no association could be made."""
    tls_args = (context, "localhost") if context is not None else None
    assoc = client_ae().associate("127.0.0.1", port, ae_title=LISTENER_AE, tls_args=tls_args)
    if not assoc.is_established:
        return None
    try:
        status = assoc.send_c_store(path)
        return int(status.Status) if status else None
    finally:
        assoc.release()


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "mg.dcm"
    dcmwrite(path, mammogram(), enforce_file_format=True)
    return path


def test_a_client_with_a_site_certificate_stores_over_tls(pki: Pki, tls_listener: TlsListener, image: Path) -> None:
    status = _store(tls_listener.port, _client_context(pki, pki.client_cert, pki.client_key), image)
    assert status == 0x0000
    assert tls_listener.rows() == 1


def test_a_client_without_a_certificate_is_refused(pki: Pki, tls_listener: TlsListener, image: Path) -> None:
    assert _store(tls_listener.port, _client_context(pki, None, None), image) is None
    assert tls_listener.rows() == 0


def test_a_certificate_from_another_ca_is_refused(pki: Pki, tls_listener: TlsListener, image: Path) -> None:
    assert _store(tls_listener.port, _client_context(pki, pki.stranger_cert, pki.stranger_key), image) is None
    assert tls_listener.rows() == 0


def test_plain_dicom_on_the_tls_port_stores_nothing(tls_listener: TlsListener, image: Path) -> None:
    assert _store(tls_listener.port, None, image) is None
    assert tls_listener.rows() == 0


@pytest.mark.dcmtk
def test_dcmtk_storescu_over_tls(pki: Pki, tls_listener: TlsListener, image: Path) -> None:
    storescu = shutil.which("storescu")
    if storescu is None:
        service_missing("dcmtk storescu")
    done = subprocess.run(
        [storescu, "-aec", LISTENER_AE, "-aet", "PACS",
         "+tls", str(pki.client_key), str(pki.client_cert), "+cf", str(pki.ca),
         "localhost", str(tls_listener.port), str(image)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert tls_listener.rows() == 1
