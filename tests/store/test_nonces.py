"""Every sealed value gets its own nonce, whatever thread seals it (AES-GCM's one rule)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from app.store.crypto import HEADER_BYTES, NONCE_BYTES, DataKey, NonceSource


def test_nonces_are_never_handed_out_twice_across_threads() -> None:
    source = NonceSource()
    per_thread = NonceSource.BATCH * 3 + 17  # several refills each

    def draw(_: int) -> list[bytes]:
        return [source.take() for _ in range(per_thread)]

    with ThreadPoolExecutor(8) as pool:
        drawn = [n for batch in pool.map(draw, range(8)) for n in batch]
    assert all(len(n) == NONCE_BYTES for n in drawn)
    assert len(set(drawn)) == len(drawn) == 8 * per_thread


def test_sealed_values_carry_distinct_nonces_and_open_after_a_refill() -> None:
    key = DataKey.generate()
    blobs = [key.seal(b"same value", b"t.c") for _ in range(NonceSource.BATCH + 5)]
    nonces = {blob[HEADER_BYTES - NONCE_BYTES : HEADER_BYTES] for blob in blobs}
    assert len(nonces) == len(blobs)
    assert {key.open(blob, b"t.c") for blob in blobs} == {b"same value"}
