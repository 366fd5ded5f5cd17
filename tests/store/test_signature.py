"""Drawn signatures are PNG images photo sync can carry; SVG ones from older versions are
converted when the store is upgraded."""

from __future__ import annotations

import sqlite3
import struct
import zlib

from app.store import migrations
from app.store.sandbox import open_store
from app.store.signature import svg_to_png
from sync.protocol import photo_type
from tests.store.helpers import attach_photo


def read_png(content: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and greyscale rows of a PNG this app writes (checking every CRC)."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(content):
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind, data = content[at + 4 : at + 8], content[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", content[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + data) == crc
        chunks[kind] = chunks.get(kind, b"") + data
        at += 12 + length
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 0) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    rows = [raw[y * (width + 1) : (y + 1) * (width + 1)] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


OLD_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200" fill="none" '
    b'stroke="black" stroke-width="3" stroke-linecap="round">'
    b'<path d="M10.0,10.0 L60.0,40.0 L120.0,20.0"/><path d="M300.0,150.0"/></svg>'
)


def test_an_svg_signature_becomes_the_same_strokes_in_png() -> None:
    png = svg_to_png(OLD_SVG)
    assert photo_type(png) == "image/png"
    width, height, rows = read_png(png)
    assert (width, height) == (600, 200)
    assert rows[10][10] == 0 and rows[40][60] == 0 and rows[30][90] == 0  # on the strokes
    assert rows[150][300] == 0  # a single tap is a dot
    assert rows[100][500] == 255 and rows[190][10] == 255  # paper elsewhere


def test_the_upgrade_converts_kept_svg_signatures(new_sandbox) -> None:  # type: ignore[no-untyped-def]
    sandbox, key = new_sandbox()
    store = open_store(sandbox, key)
    signed = attach_photo(store, "consent-1", OLD_SVG, "image/svg+xml")
    paper = attach_photo(store, "consent-2", b"\xff\xd8\xff\xe0 a photographed form", "image/jpeg")
    store.close()
    db = sqlite3.connect(sandbox.db_path)
    # The tables later versions create, gone as in a version-6 database.
    later = [
        step.split()[2]
        for version in migrations.MIGRATIONS[6:]
        for step in version
        if isinstance(step, str) and step.startswith("CREATE TABLE ")
    ]
    db.executescript(  # the photos and outbox tables as version 6 left them
        "DROP INDEX ix_photos_state; ALTER TABLE photos DROP COLUMN state;"
        " ALTER TABLE photos ADD COLUMN uploaded BOOLEAN NOT NULL DEFAULT 0;"
        " CREATE INDEX ix_photos_uploaded ON photos (uploaded);"
        " ALTER TABLE outbox DROP COLUMN refusal;"
        + "".join(f" DROP TABLE {table};" for table in later)
        + " PRAGMA user_version = 6;"
    )
    db.close()

    store = open_store(sandbox, key)
    try:
        content, mime = store.get_photo(signed)
        assert mime == "image/png" and photo_type(content) == "image/png"
        assert read_png(content)[:2] == (600, 200)
        assert store.get_photo(paper) == (b"\xff\xd8\xff\xe0 a photographed form", "image/jpeg")
        assert sorted(store.photos_to_upload()) == sorted(
            [(signed, "consent-1"), (paper, "consent-2")]
        )
    finally:
        store.close()
    version = sqlite3.connect(sandbox.db_path).execute("PRAGMA user_version").fetchone()[0]
    assert version == migrations.LATEST
