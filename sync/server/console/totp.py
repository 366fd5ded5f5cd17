"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): the console's optional
second factor for supervisors and admins, as any authenticator app computes it (SHA-1,
6 digits, 30-second steps)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

DIGITS = 6
STEP_S = 30
DRIFT_STEPS = 1  # a code of the step before or after is accepted (clocks and typing)


def new_secret() -> str:
    """A random 160-bit secret in base32, as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226: the code for `counter` under the base32 `secret`."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(unix_s: float) -> int:
    return int(unix_s // STEP_S)


def matching_step(secret: str, code: str, *, now_s: float | None = None) -> int | None:
    """The time step whose code `code` is (within one step of now), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == DIGITS):
        return None
    now_step = step_at(time.time() if now_s is None else now_s)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Doorstep 县级平台") -> str:
    """The otpauth:// address an authenticator app reads (from a QR code or typed in)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer})
