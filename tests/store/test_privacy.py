"""Nothing personal reaches the disk in the clear: the raw bytes of every file are scanned.

After demo data, edits, an import, a photo and a share log, no name, ID number, phone,
address or free-text note appears in any file under the data directory (database, WAL,
journal, key file, anything else), searched as UTF-8, UTF-16 (both byte orders) and
GB18030 — while the store is open (WAL present) and after it is closed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from app.demo.generator import generate
from app.domain.codes import (
    CampaignGroup,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    Festival,
    ReferralStatus,
    RegisterStatus,
    SharePurpose,
)
from app.domain.records import (
    Campaign,
    CampaignAssignment,
    ConsentEvent,
    Household,
    Person,
    Record,
    Referral,
    Visit,
    Wish,
)
from app.domain.wishes import DEVICE_CREATE_STATES
from app.store import facts
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store
from app.store.transfer import import_records, record_line
from tests.conftest import FAST_SCRYPT_N, TEST_PIN
from tests.store.helpers import attach_photo, household_with_members, visit_for

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")
TEXT_FIELDS = (
    "name",
    "id_number",
    "phone",
    "address",
    "notes",
    "observations",
    "health_note",
    "major_event_note",
    "description",
    "fulfilment_note",
    "assessment_reason",
    "guardian_name",
    "witness",
    "title",
)


def secrets_of(records: list[Record]) -> set[str]:
    found: set[str] = set()
    for record in records:
        for name in TEXT_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str) and len(value) >= 2:
                found.add(value)
        for companion in getattr(record, "companions", []):
            found.add(companion)
    return found


def leaks(data_dir: Path, secrets: set[str]) -> list[str]:
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "nothing to scan"
    blobs = {p: p.read_bytes() for p in files}
    found = []
    for secret in secrets:
        for encoding in ENCODINGS:
            needle = secret.encode(encoding)
            for path, blob in blobs.items():
                if needle in blob:
                    found.append(f"{secret!r} as {encoding} in {path.name}")
    return found


def test_no_personal_data_on_disk(tmp_path: Path) -> None:
    data_dir = tmp_path / "device"
    sandbox, key = Sandbox.create(data_dir, "测试员", TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    store: Store = open_store(sandbox, key)
    demo = generate(40, seed=7, today=date(2026, 11, 28), scope=["330702102"])
    records = list(demo.records())
    # Households on the register (the roster's), published and claimed wishes, and
    # referrals a charity has answered, come from the server; the rest is queued as made here.
    from_server = {
        r.id
        for r in records
        if (isinstance(r, Wish) and r.state not in DEVICE_CREATE_STATES)
        or (isinstance(r, Referral) and r.status != ReferralStatus.SENT)
        or (isinstance(r, Household) and r.register_status != RegisterStatus.REPORTED)
    }
    store.add_many([r for r in records if r.id in from_server], queue=False)
    store.add_many([r for r in records if r.id not in from_server])

    # Edits through the repositories, as the app makes them.
    edited: list[Record] = []
    for household in demo.households[:5]:
        edited.append(
            store.update(
                household.model_copy(update={"notes": f"编辑后的备注：{household.address}需修缮"})
            )
        )
    for person in demo.persons[:5]:
        edited.append(store.update(person.model_copy(update={"phone": "13900001111"})))

    # An import of new records.
    new_household, members = household_with_members(3, seq=4242)
    visit = visit_for(new_household, note="独居老人反映冬季取暖困难")
    source = tmp_path / "import.jsonl"
    source.write_text(
        "\n".join(record_line(r) for r in (new_household, *members, visit)), encoding="utf-8"
    )
    import_records(store, source)
    source.unlink()  # the import file is the operator's own; only the data dir is scanned

    attach_photo(store, visit.id, "签名：陈秀英".encode() * 10, "image/png")
    # A referral to a charity: its share goes to the sealed share log.
    # The purpose is one of the listed codes (nothing personal); the referral's note is not.
    purpose = SharePurpose.ASSISTANCE_REFERRAL.value
    referral_note = f"为{members[0].name}申请助医"
    grant = ConsentEvent(
        area_code=new_household.area_code,
        household_id=new_household.id,
        person_id=members[0].id,
        action=ConsentAction.GRANT,
        recipient="金华市慈善总会",
        purpose=purpose,
        data_categories=[DataCategory.HEALTH],
        method=ConsentMethod.SIGNATURE,
        occurred_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        recorded_by="w",
    )
    store.add(grant)
    store.add(
        Referral(
            area_code=new_household.area_code,
            household_id=new_household.id,
            person_id=members[0].id,
            recipient="金华市慈善总会",
            purpose=purpose,
            data_categories=[DataCategory.HEALTH],
            referred_on=date(2026, 11, 28),
            note=referral_note,
        )
    )
    assert [s["details"]["purpose"] for s in store.share_log(members[0].id)] == [purpose]
    # A festival list, a household on it and what a visit delivered there.
    campaign = Campaign(
        area_code=new_household.area_code[:9] + "000",
        festival=Festival.DOUBLE_NINTH,
        year=2026,
        name="重阳节走访慰问",
        groups=[CampaignGroup.ELDERLY],
        created_by="w",
        created_on=date(2026, 10, 1),
        note="陈秀英家需带轮椅",
    )
    place = CampaignAssignment(
        area_code=new_household.area_code,
        household_id=new_household.id,
        campaign_id=campaign.id,
        worker_id="w",
        groups=[CampaignGroup.ELDERLY],
    )
    store.add_many([campaign, place])
    delivered = ["九阳豆浆机一台", "羊毛护膝两副"]
    store.update(
        place.model_copy(
            update={"visit_id": visit.id, "visited_on": date(2026, 10, 17), "delivered": delivered}
        )
    )
    store.settle_summaries()  # the summary snapshots hold names and addresses too
    assert store.summaries(facts.PERSONS)

    secrets = secrets_of([*records, *edited, new_household, *members, visit])
    secrets.update({"13900001111", "独居老人反映冬季取暖困难", "签名：陈秀英", referral_note})
    secrets.update({*delivered, "陈秀英家需带轮椅"})
    assert len(secrets) > 300

    assert leaks(data_dir, secrets) == [], "personal data readable while the store is open"
    store.close()
    assert leaks(data_dir, secrets) == [], "personal data readable after closing"

    # The data is still all there for the person holding the PIN.
    reopened = open_store(sandbox, Sandbox(sandbox.path).unlock(TEST_PIN))
    assert len(reopened.load_all(Household)) == 41
    assert len(reopened.load_all(Person)) == len(demo.persons) + 3
    assert len(reopened.load_all(Visit)) == len(demo.visits) + 1
    assert reopened.load_all(CampaignAssignment)[0].delivered == delivered
    reopened.close()
