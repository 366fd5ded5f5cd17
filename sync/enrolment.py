"""Enrolment: a one-time code becomes a worker sandbox with its credentials sealed (设备登记).

`enroll` redeems the code (typed, or the QR payload that can also carry the server address
and the certificate fingerprint to pin) and creates the sandbox; identity, scope, staff and
the county's recovery key come from the server (`sync.protocol.EnrollResponse`). The
device's Ed25519 signing key, the server address and the pinned certificate are sealed in
the store (`uow.sync_state.enrol`, in one unit of work with the area names, the staff and
the push watermark); after that, unlocking needs no network.
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.domain.staff import Staff
from app.store.errors import SandboxError
from app.store.keystore import Keystore, default_keystore
from app.store.repositories.sync_state import EnrolledWorker, Enrolment
from app.store.sandbox import Sandbox, validate_pin
from app.store.store import Store
from sync.errors import CertificateMismatch, EnrollmentFailed
from sync.protocol import EnrollRequest, EnrollResponse
from sync.transport import (
    check_url,
    fetch_certificate,
    fingerprint_of,
    open_client,
    read_answer,
    send,
)


@dataclass(frozen=True)
class EnrolmentCode:
    code: str
    server: str = ""
    fingerprint: str = ""


def parse_code(text: str) -> EnrolmentCode:
    """A typed code, or the QR payload ``doorstep:enroll?code=..&server=..&pin=sha256:..``."""
    text = text.strip()
    if not text.startswith("doorstep:enroll?"):
        return EnrolmentCode(text)
    query = parse_qs(text.split("?", 1)[1])
    pin = query.get("pin", [""])[0]
    return EnrolmentCode(
        query.get("code", [""])[0],
        query.get("server", [""])[0],
        pin.removeprefix("sha256:").lower(),
    )


def enroll(
    data_dir: Path,
    server_url: str,
    code: str,
    pin: str,
    *,
    keystore: Keystore | None = None,
    fingerprint: str | None = None,
    device_name: str = "",
    scrypt_n: int = 2**15,
    transport: httpx.BaseTransport | None = None,
) -> Sandbox:
    """Redeem a one-time code and create the worker's sandbox with its credentials sealed.

    `code` may be the QR payload, which can carry the server address and the certificate
    fingerprint to pin; identity and scope come from the server. `keystore` None means this
    process's `default_keystore()`; with none at all the PIN must be a passphrase.
    """
    parsed = parse_code(code)
    url = check_url(server_url or parsed.server)
    pin_fp = (fingerprint or parsed.fingerprint).lower().removeprefix("sha256:").replace(":", "")
    keystore = keystore if keystore is not None else default_keystore()
    try:
        validate_pin(pin, keystore)
    except SandboxError as exc:
        raise EnrollmentFailed.like(exc) from None
    cert_pem: str | None = None
    if url.startswith("https") and pin_fp:
        der = fetch_certificate(url)
        if fingerprint_of(der) != pin_fp:
            raise CertificateMismatch()
        cert_pem = ssl.DER_cert_to_PEM_cert(der)
    signing_key = Ed25519PrivateKey.generate()
    public = signing_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    request = EnrollRequest.model_construct(
        code=parsed.code,
        public_key=base64.b64encode(public).decode(),
        device_name=device_name[:100],
    )
    with open_client(url, cert_pem, transport=transport) as client:
        response = send(client, "POST", "/v1/enroll", request.model_dump_json().encode())
    answer = read_answer(response, EnrollResponse)
    try:
        sandbox, key = Sandbox.create(
            data_dir,
            answer.worker.name,
            pin,
            keystore=keystore,
            scrypt_n=scrypt_n,
            device_id=answer.device_id,
            worker_id=answer.worker.id,
        )
    except SandboxError as exc:
        raise EnrollmentFailed.like(exc) from None
    sandbox.escrow_to(key, base64.b64decode(answer.recovery_public_key))
    store = Store(sandbox.db_path, key, device_id=answer.device_id, worker_id=answer.worker.id)
    try:
        store.clock.observe(answer.server_hlc)
        private = signing_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        with store.unit_of_work() as uow:
            uow.sync_state.set_area_names(answer.area_names)
            uow.sync_state.set_watermark(answer.watermark)
            uow.staff.put(Staff.from_json(m.model_dump() for m in answer.staff))
            uow.sync_state.enrol(
                Enrolment(
                    signing_key=private,
                    server_url=url,
                    worker=EnrolledWorker.from_json(answer.worker.model_dump()),
                    cert_pem=cert_pem,
                )
            )
            uow.commit()
    finally:
        store.close()
    return sandbox
