"""Crypto of the local store, on the cryptography 43 API (the one in Flet's Android build).

- A random 256-bit data key per worker sandbox, wrapped with AES-GCM under a key-encryption
  key derived from the PIN with scrypt, mixed with the platform keystore's 256-bit secret
  where there is one (app.store.keystore).
- Sub-keys from the data key with HKDF: one for column encryption, one for blind indexes.
- Column values: format byte, key id, 96-bit random nonce, ciphertext and tag; the
  associated data binds a value to its table and column.
- Escrow: the data key sealed to the county's X25519 recovery key (ephemeral-static ECDH,
  HKDF, AES-GCM), so a county admin can reopen a locked-out sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT_V1 = 1
KEY_BYTES = 32
NONCE_BYTES = 12
HEADER_BYTES = 1 + 4 + NONCE_BYTES


class DecryptionFailed(Exception):
    """The ciphertext does not open under this key and context."""


def _hkdf(key: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost; n=2**15, r=8 takes about 0.1 s on a laptop and 0.3 s on a tablet."""

    salt: bytes
    n: int = 2**15
    r: int = 8
    p: int = 1

    def derive(self, pin: str, extra: bytes = b"") -> bytes:
        kek = Scrypt(salt=self.salt, length=KEY_BYTES, n=self.n, r=self.r, p=self.p).derive(
            pin.encode("utf-8")
        )
        # A keystore secret, when the platform has one, makes an offline PIN guess useless
        # without the device's keystore as well.
        return _hkdf(kek + extra, b"doorstep kek v1") if extra else kek


def wrap_key(kek: bytes, data_key: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, b"doorstep wrap v1|" + context)


def unwrap_key(kek: bytes, wrapped: bytes, context: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], b"doorstep wrap v1|" + context
        )
    except (InvalidTag, ValueError):
        raise DecryptionFailed() from None


class NonceSource:
    """Random 96-bit nonces, drawn from the OS a few thousand at a time.

    A first sync seals well over 100,000 values, and one `os.urandom` call per nonce costs
    more than the encryption. Each nonce is a fresh slice of the OS's randomness, handed
    out once under a lock, so no two seals share one whatever thread asks.
    """

    BATCH = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._next = 0

    def take(self) -> bytes:
        with self._lock:
            if self._next >= len(self._pool):
                self._pool = os.urandom(NONCE_BYTES * self.BATCH)
                self._next = 0
            start = self._next
            self._next = start + NONCE_BYTES
            return self._pool[start : start + NONCE_BYTES]

    def drop(self) -> None:
        with self._lock:
            self._pool, self._next = b"", 0


@dataclass
class DataKey:
    """The unlocked data key and its sub-keys; lives only in memory while unlocked."""

    raw: bytes
    key_id: bytes = field(init=False)
    _column: AESGCM = field(init=False, repr=False)
    _index_key: bytes = field(init=False, repr=False)
    _nonces: NonceSource = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError("data key must be 32 bytes")
        self.key_id = hashlib.sha256(b"doorstep key id|" + self.raw).digest()[:4]
        self._column = AESGCM(_hkdf(self.raw, b"doorstep column v1"))
        self._index_key = _hkdf(self.raw, b"doorstep blind index v1")
        self._nonces = NonceSource()

    @classmethod
    def generate(cls) -> DataKey:
        return cls(os.urandom(KEY_BYTES))

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        header = bytes([FORMAT_V1]) + self.key_id
        nonce = self._nonces.take()
        return header + nonce + self._column.encrypt(nonce, plaintext, header + context)

    def open(self, blob: bytes, context: bytes) -> bytes:
        if len(blob) < HEADER_BYTES + 16 or blob[0] != FORMAT_V1 or blob[1:5] != self.key_id:
            raise DecryptionFailed()
        try:
            return self._column.decrypt(
                blob[5:HEADER_BYTES], blob[HEADER_BYTES:], blob[:5] + context
            )
        except InvalidTag:
            raise DecryptionFailed() from None

    def blind_index(self, kind: str, normalised: str) -> bytes:
        """Keyed HMAC of a normalised value: exact look-ups without storing the value."""
        msg = kind.encode() + b"\x00" + normalised.encode("utf-8")
        return hmac.digest(self._index_key, msg, "sha256")[:16]

    def wipe(self) -> None:
        """Drop references to the key material (Python cannot zero immutable bytes)."""
        self.raw = b""
        self._index_key = b""
        self._nonces.drop()


class PlaintextCodec:
    """The benchmark's baseline: the same schema and code path, values stored in the clear."""

    key_id = b"\x00\x00\x00\x00"

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        return plaintext

    def open(self, blob: bytes, context: bytes) -> bytes:
        return blob

    def blind_index(self, kind: str, normalised: str) -> bytes:
        return hashlib.sha256(kind.encode() + b"\x00" + normalised.encode()).digest()[:16]


# --- escrow to the county's recovery key -------------------------------------------------


def generate_recovery_keypair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys for a county's recovery escrow."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        ),
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
    )


def seal_to(recipient_public: bytes, secret: bytes, context: bytes) -> bytes:
    """ECIES-style: ephemeral public key (32) + nonce (12) + ciphertext."""
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    eph_pub = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = _hkdf(shared, b"doorstep escrow v1|" + eph_pub + recipient_public)
    nonce = os.urandom(NONCE_BYTES)
    return eph_pub + nonce + AESGCM(key).encrypt(nonce, secret, context)


def open_sealed(recipient_private: bytes, sealed: bytes, context: bytes) -> bytes:
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    eph_pub, nonce, body = sealed[:32], sealed[32:44], sealed[44:]
    recipient_public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    key = _hkdf(shared, b"doorstep escrow v1|" + eph_pub + recipient_public)
    try:
        return AESGCM(key).decrypt(nonce, body, context)
    except (InvalidTag, ValueError):
        raise DecryptionFailed() from None
