"""Server settings from the environment (``DOORSTEP_*``) or the command line.

The database is a SQLite file by default (the embedded setup for a trial or a small
county); PostgreSQL is the production database and behaves the same.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What a county server needs to know; every value has a working default."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    database_url: str = "sqlite:///doorstep-server.db"
    public_url: str = ""  # the address devices use, written into enrolment QR codes
    tls_cert: str = ""  # PEM file: uvicorn serves it, QR codes carry its fingerprint
    tls_key: str = ""
    max_body_bytes: int = 8 * 1024 * 1024
    enroll_code_hours: int = 72
    signature_window_s: int = 300
    max_drift_ms: int = 5 * 60 * 1000
    db_pool_size: int = 20
    # The console's desk pages add up per-area summaries; a thread computes those of the
    # desk accounts' areas ahead (at startup, then this often: a new day's, and the areas
    # whose records changed). 0: only when a page asks.
    summary_refresh_s: float = 600.0
    # Unauthenticated requests (enrolment, refused signatures) a client address may make
    # a minute; past it the server answers 429 without reading the body.
    unsigned_per_minute: int = 60
    # The public wish board: claims admitted per client address and per phone in an hour.
    board_claims_per_address_hour: int = 10
    board_claims_per_phone_hour: int = 5
    # Console passwords: argon2id cost (argon2-cffi's defaults, RFC 9106's second profile).
    password_memory_kib: int = 65536
    password_time_cost: int = 3
    # The server's own key for secrets it keeps in the database (console TOTP secrets;
    # `sync.server.sealing`): 32 random bytes in base64, or a file holding them. Neither: a
    # file beside a SQLite database; PostgreSQL needs one (the same in every process).
    secret_key: str = ""
    secret_key_file: str = ""
