"""HTTPS with a county's own certificate: the enrolment QR code carries its fingerprint,
the device pins it and refuses any other certificate afterwards."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.enrolment import enroll
from sync.errors import CertificateMismatch
from sync.server.app import create_app
from sync.server.services import admin
from tests.said import refused
from tests.sync.conftest import PIN, VILLAGE_A, ThreadServer, open_device
from tests.sync.records import household


def self_signed(folder: Path, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


class TlsServer(ThreadServer):
    def __init__(self, ctx, cert: str, key: str, port: int | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, port)
        config = uvicorn.Config(
            create_app(ctx.settings, ctx=ctx),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ssl_certfile=cert,
            ssl_keyfile=key,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def test_the_qr_code_pins_the_certificate(ctx, tmp_path):
    cert, key = self_signed(tmp_path, "county")
    srv = TlsServer(ctx, cert, key).start()
    try:
        ctx.settings.tls_cert, ctx.settings.public_url = cert, srv.url
        worker = admin.create_worker(ctx, "孙九", "worker", "grid_worker", [VILLAGE_A])
        qr = admin.issue_code(ctx, worker.id).qr_text
        assert qr.startswith("doorstep:enroll?") and "pin=sha256:" in qr
        wrong = qr.split("pin=sha256:")[0] + "pin=sha256:" + "0" * 64
        with pytest.raises(CertificateMismatch):
            enroll(tmp_path / "wrong", "", wrong, PIN, scrypt_n=2**10)
        sandbox = enroll(tmp_path / "device", "", qr, PIN, scrypt_n=2**10)
        device = open_device(sandbox, srv.url)
        device.store.add(household(VILLAGE_A))
        assert device.client().sync().pushed == 1
        port = srv.port
    finally:
        srv.stop()
    # Someone else's certificate on the same address: the device refuses to talk to it.
    other_cert, other_key = self_signed(tmp_path, "impostor")
    impostor = TlsServer(ctx, other_cert, other_key, port=port).start()
    try:
        device.store.add(household(VILLAGE_A, "离线时新增1号"))
        with refused(CertificateMismatch, "证书"):
            device.client(attempts=1).sync()
        assert len(device.store.pending()) == 1  # nothing was sent to the impostor
    finally:
        impostor.stop()
        device.store.close()
