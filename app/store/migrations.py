"""Schema migrations of the device store, as plain SQL kept in order.

`PRAGMA user_version` holds the schema version. Each version runs in one transaction, so a
process killed mid-migration leaves the previous version intact. A test checks that
migrating from version 1 gives exactly the schema the SQLModel tables describe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, select, text, update

from app.store import signature
from app.store.errors import SandboxError
from app.store.tables import CampaignAssignmentRow, PhotoRow

# A step is a SQL statement, or a function for what SQL alone cannot do (sealed values).
Step = str | Callable[[Connection], None]

# Version 1: the records, photos, outbox and logs.
V1 = [
    "CREATE TABLE access_log ("
    "id VARCHAR NOT NULL, "
    "action VARCHAR NOT NULL, "
    "record_id VARCHAR NOT NULL, "
    "worker_id VARCHAR NOT NULL, "
    "hlc VARCHAR NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE TABLE consents ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "person_id VARCHAR NOT NULL, "
    "action VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_consents_area_code ON consents (area_code)",
    "CREATE INDEX ix_consents_household_id ON consents (household_id)",
    "CREATE INDEX ix_consents_person_id ON consents (person_id)",
    "CREATE TABLE households ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "register_status VARCHAR NOT NULL, "
    "address BLOB, "
    "phone BLOB, "
    "phone_bidx BLOB, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_households_area_code ON households (area_code)",
    "CREATE INDEX ix_households_phone_bidx ON households (phone_bidx)",
    "CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY (key))",
    "CREATE TABLE needs ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "status VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_needs_area_code ON needs (area_code)",
    "CREATE INDEX ix_needs_household_id ON needs (household_id)",
    "CREATE TABLE outbox ("
    "seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "mutation_id VARCHAR NOT NULL, "
    "record_type VARCHAR NOT NULL, "
    "record_id VARCHAR NOT NULL, "
    "kind VARCHAR NOT NULL, "
    "kind_version INTEGER NOT NULL, "
    "base_seq INTEGER NOT NULL, "
    "hlc VARCHAR NOT NULL, "
    "state VARCHAR NOT NULL, "
    "payload BLOB NOT NULL, "
    "UNIQUE (mutation_id)"
    ")",
    "CREATE INDEX ix_outbox_record_id ON outbox (record_id)",
    "CREATE INDEX ix_outbox_state ON outbox (state)",
    "CREATE TABLE persons ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "name BLOB, "
    "id_number BLOB, "
    "id_number_bidx BLOB, "
    "phone BLOB, "
    "phone_bidx BLOB, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_persons_area_code ON persons (area_code)",
    "CREATE INDEX ix_persons_household_id ON persons (household_id)",
    "CREATE INDEX ix_persons_id_number_bidx ON persons (id_number_bidx)",
    "CREATE INDEX ix_persons_phone_bidx ON persons (phone_bidx)",
    "CREATE TABLE photos ("
    "id VARCHAR NOT NULL, "
    "record_id VARCHAR NOT NULL, "
    "mime VARCHAR NOT NULL, "
    "content BLOB, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_photos_record_id ON photos (record_id)",
    "CREATE TABLE referrals ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "person_id VARCHAR NOT NULL, "
    "direction VARCHAR NOT NULL, "
    "status VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_referrals_area_code ON referrals (area_code)",
    "CREATE INDEX ix_referrals_household_id ON referrals (household_id)",
    "CREATE INDEX ix_referrals_person_id ON referrals (person_id)",
    "CREATE TABLE share_log ("
    "id VARCHAR NOT NULL, "
    "person_id VARCHAR NOT NULL, "
    "hlc VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_share_log_person_id ON share_log (person_id)",
    "CREATE TABLE visits ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "kind VARCHAR NOT NULL, "
    "mode VARCHAR NOT NULL, "
    "outcome VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_visits_area_code ON visits (area_code)",
    "CREATE INDEX ix_visits_household_id ON visits (household_id)",
    "CREATE TABLE wishes ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "state VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_wishes_area_code ON wishes (area_code)",
    "CREATE INDEX ix_wishes_household_id ON wishes (household_id)",
]

# Version 2: sync bookkeeping: the conflicts a coordinator can revert, and the reason a
# rejected mutation sits in the dead-letter list.
V2 = [
    "CREATE TABLE conflicts ("
    "id VARCHAR NOT NULL, "
    "record_type VARCHAR NOT NULL, "
    "record_id VARCHAR NOT NULL, "
    "state VARCHAR NOT NULL, "
    "hlc VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_conflicts_record_id ON conflicts (record_id)",
    "CREATE INDEX ix_conflicts_state ON conflicts (state)",
    "ALTER TABLE outbox ADD COLUMN reason BLOB",
]

# Version 3: the device's sealed credentials from enrolment (sync.client).
V3 = ["CREATE TABLE secrets (key VARCHAR NOT NULL, value BLOB, PRIMARY KEY (key))"]


# Version 4: sealed snapshots of the household, person and visit summaries, and the rows
# changed or deleted since they were written, noted by triggers in the same transaction as
# the change (app/store/facts.py; rows inserted since are found by their rowid instead: a
# trigger per inserted row would triple the cost of a first sync).
def _touched(table: str, type_name: str) -> list[str]:
    def note(ref: str) -> str:
        return f"INSERT OR IGNORE INTO touched (type, id) VALUES ('{type_name}', {ref}.id);"

    return [
        f"CREATE TRIGGER {table}_touched_update AFTER UPDATE ON {table} "
        f"BEGIN {note('old')} {note('new')} END",
        f"CREATE TRIGGER {table}_touched_delete AFTER DELETE ON {table} BEGIN {note('old')} END",
    ]


V4 = [
    "CREATE TABLE snapshots (name VARCHAR NOT NULL, content BLOB, PRIMARY KEY (name))",
    "CREATE TABLE touched (type VARCHAR NOT NULL, id VARCHAR NOT NULL, PRIMARY KEY (type, id))",
    *_touched("households", "household"),
    *_touched("persons", "person"),
    *_touched("visits", "visit"),
]

# Version 5: photo sync (sync.client): whether the server holds each photo. Photos taken
# before it have not been uploaded; the photos named by records received before it are
# looked for once (sync.replica.want_referenced_photos), unless the store holds no record yet.
_RECORD_TABLES = ("households", "persons", "visits", "needs", "consents", "wishes", "referrals")
V5 = [
    "ALTER TABLE photos ADD COLUMN uploaded BOOLEAN NOT NULL DEFAULT 0",
    "CREATE INDEX ix_photos_uploaded ON photos (uploaded)",
    "INSERT OR REPLACE INTO meta (key, value) SELECT 'sync.photos_scanned', '1' WHERE "
    + " AND ".join(f"NOT EXISTS (SELECT 1 FROM {table})" for table in _RECORD_TABLES),
]

# Version 6: forms being filled in (app/store/drafts.py), sealed, kept across a lock.
V6 = [
    "CREATE TABLE drafts ("
    "key VARCHAR NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "form VARCHAR NOT NULL, "
    "saved_at VARCHAR NOT NULL, "
    "content BLOB NOT NULL, "
    "PRIMARY KEY (key)"
    ")",
    "CREATE INDEX ix_drafts_household_id ON drafts (household_id)",
]


def _signatures_as_png(conn: Connection) -> None:
    """Version 7: drawn signatures kept as SVG become PNG (photo sync carries JPEG and PNG
    only); one that cannot be read stays as it was and is reported as not uploadable."""
    photos = PhotoRow.__table__  # type: ignore[attr-defined]
    rows = conn.execute(
        select(photos.c.id, photos.c.content).where(photos.c.mime == signature.SVG_MIME)
    ).all()
    for photo_id, content in rows:
        if not isinstance(content, bytes):
            continue  # damaged, or not downloaded: nothing to convert
        try:
            png = signature.svg_to_png(content)
        except signature.NotASignature:
            continue
        conn.execute(
            update(photos)
            .where(photos.c.id == photo_id)
            .values(content=png, mime=signature.PNG_MIME)
        )
        conn.execute(text("UPDATE photos SET uploaded = 0 WHERE id = :id"), {"id": photo_id})


V7: list[Step] = [_signatures_as_png]

# Version 8: the photo queue's states (sync/photos.py) instead of the `uploaded` flag: a photo
# with no content waits to come down, one not uploaded waits to go up, the rest are synced.
V8 = [
    "ALTER TABLE photos ADD COLUMN state VARCHAR NOT NULL DEFAULT 'queued_up'",
    "UPDATE photos SET state = CASE WHEN content IS NULL THEN 'queued_down'"
    " WHEN uploaded THEN 'synced' ELSE 'queued_up' END",
    "CREATE INDEX ix_photos_state ON photos (state)",
    "DROP INDEX ix_photos_uploaded",
    "ALTER TABLE photos DROP COLUMN uploaded",
]

# Version 9: a dead letter keeps the rejection's code and parameters (sealed JSON), so the
# dead-letter list says it in the chosen language.
V9 = ["ALTER TABLE outbox ADD COLUMN refusal BLOB"]

# Version 10: register changes (登记变更, app.domain.records.RegisterChange): who changed
# which field of a household or member, when, from what to what; sealed like every record.
V10 = [
    "CREATE TABLE register_changes ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_register_changes_area_code ON register_changes (area_code)",
    "CREATE INDEX ix_register_changes_household_id ON register_changes (household_id)",
]

# Version 11: deliveries of service projects to households (项目服务记录), sealed.
V11 = [
    "CREATE TABLE deliveries ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_deliveries_area_code ON deliveries (area_code)",
    "CREATE INDEX ix_deliveries_household_id ON deliveries (household_id)",
]

# Version 12: the county's share log in a table of its own, filled incrementally by the pull
# (sync.client), in place of the sealed list among the secrets (capped, sent whole each
# sync): the next sync sends it from its start.
V12 = [
    "CREATE TABLE county_shares ("
    "id INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_county_shares_household_id ON county_shares (household_id)",
    "DELETE FROM secrets WHERE key = 'county.shares'",
]

# Version 13: festival lists (节日走访清单) and their households, sealed.
V13 = [
    "CREATE TABLE campaigns ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_campaigns_area_code ON campaigns (area_code)",
    "CREATE TABLE campaign_assignments ("
    "id VARCHAR NOT NULL, "
    "area_code VARCHAR NOT NULL, "
    "created_hlc VARCHAR NOT NULL, "
    "updated_hlc VARCHAR NOT NULL, "
    "author_worker_id VARCHAR NOT NULL, "
    "device_id VARCHAR NOT NULL, "
    "server_seq INTEGER NOT NULL, "
    "household_id VARCHAR NOT NULL, "
    "campaign_id VARCHAR NOT NULL, "
    "details BLOB NOT NULL, "
    "PRIMARY KEY (id)"
    ")",
    "CREATE INDEX ix_campaign_assignments_area_code ON campaign_assignments (area_code)",
    "CREATE INDEX ix_campaign_assignments_household_id ON campaign_assignments (household_id)",
    "CREATE INDEX ix_campaign_assignments_campaign_id ON campaign_assignments (campaign_id)",
]


def _assignment_columns(conn: Connection) -> None:
    """Version 14: who visits a household on a festival list, and the visit that delivered,
    as plain columns (ids, as a record's foreign keys are), read from the sealed details,
    so that Today counts a worker's households still to visit without opening them."""
    table = CampaignAssignmentRow.__table__  # type: ignore[attr-defined]
    for record_id, details in conn.execute(select(table.c.id, table.c.details)).all():
        if not isinstance(details, dict):
            continue  # damaged: the record reads as damaged, as before
        conn.execute(
            update(table)
            .where(table.c.id == record_id)
            .values(worker_id=str(details.get("worker_id") or ""), visit_id=details.get("visit_id"))
        )


V14: list[Step] = [
    "ALTER TABLE campaign_assignments ADD COLUMN worker_id VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE campaign_assignments ADD COLUMN visit_id VARCHAR",
    "CREATE INDEX ix_campaign_assignments_worker_id ON campaign_assignments (worker_id)",
    _assignment_columns,
]

# Version 15: a household taken off a festival list (its day, plain like the visit's id), so
# that Today's count of households still to visit leaves it out without opening any. No
# place was ever removed before: the column starts empty.
V15: list[Step] = [
    "ALTER TABLE campaign_assignments ADD COLUMN removed_on VARCHAR",
]

MIGRATIONS: list[Sequence[Step]] = [
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    V10,
    V11,
    V12,
    V13,
    V14,
    V15,
]
LATEST = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def migrate(conn: Connection, target: int = LATEST) -> int:
    """Bring the schema to `target`; returns the version it started from."""
    start = schema_version(conn)
    if start > LATEST:
        raise SandboxError("store.newer_schema", version=start, latest=LATEST)
    for version in range(start + 1, target + 1):
        for step in MIGRATIONS[version - 1]:
            if isinstance(step, str):
                conn.execute(text(step))
            else:
                step(conn)
        conn.execute(text(f"PRAGMA user_version = {version}"))
    return start
