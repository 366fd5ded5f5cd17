"""Property: with random consents (some to a class, some lapsing), withdrawals (seen or not
by later grants) and referrals, no charity ever sees — on a referral's page or in an export —
a category the referral does not name or that no grant in force covers, a grant every
withdrawal of its person, recipient and purpose was seen by; and each read logs exactly what
it showed. Against the real server database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory
from app.domain.organisations import OrganisationKind
from app.domain.recipients import class_ref
from app.domain.records import ConsentEvent, Household, Person, Referral
from sync.server.errors import NotFound
from sync.server.services import referrals
from sync.server.services.feed import Feed
from sync.server.services.organisations import (
    OrganisationInput,
    add_organisation,
    find_organisation,
)
from sync.server.services.referrals import Reader
from sync.server.tables import DisclosureEntry

TODAY = date(2026, 11, 20)
VILLAGE = "330702102201"
PURPOSES = ("assistance_referral", "wish")
ALLIANCE = class_ref(OrganisationKind.ALLIANCE_MEMBER)
# Mostly one person and one purpose, so that grants, withdrawals and referrals often meet.
person = st.sampled_from([0, 0, 0, 1])
purpose = st.sampled_from([0, 0, 0, 1])
categories = st.lists(st.sampled_from(list(DataCategory)), min_size=1, max_size=4, unique=True)

grant_op = st.tuples(
    st.just("grant"),
    person,
    st.integers(0, 2),  # recipient: organisation 0, 1, or the 助联体 class
    purpose,
    categories,
    st.sampled_from([None, -1, 0, 30]),  # valid until, days from today (None: open-ended)
    st.booleans(),  # saw every event before it (False: a device that had not synced)
)
withdraw_op = st.tuples(st.just("withdraw"), person, st.integers(0, 2), purpose)
refer_op = st.tuples(st.just("refer"), person, st.integers(0, 1), purpose, categories)
C = DataCategory.CONTACT
REFER = ("refer", 0, 0, 0, [DataCategory.CONTACT, DataCategory.HEALTH])
histories = st.lists(st.one_of(grant_op, withdraw_op, refer_op), min_size=1, max_size=14)


def _organisations(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    """A 助联体 member and another organisation (made once per database)."""
    made = []
    for name, kind, code in (
        ("婺城区助联体", "alliance_member", "91350100M000100Y43"),
        ("金东区社工站", "social_work", "52330703MJ00000008"),
    ):
        try:
            made.append(find_organisation(ctx, code).id)
        except NotFound:
            made.append(
                add_organisation(ctx, OrganisationInput(name, kind, code, ["330702"], [])).id
            )
    return made


def _people(ctx, count: int) -> list[Person]:  # type: ignore[no-untyped-def]
    made = []
    with ctx.db.writing() as s:
        feed = Feed(s)
        household = Household(area_code=VILLAGE, address="岩头村1组1号")
        feed.insert("household", household.model_dump(mode="json"), {})
        for n in range(count):
            person = Person(
                area_code=VILLAGE,
                household_id=household.id,
                name=f"张三{'一二三'[n]}",
                phone="13905790000",
                health_note="高血压",
            )
            feed.insert("person", person.model_dump(mode="json"), {})
            made.append(person)
        feed.close()
    return made


def _allowed(
    events: list[ConsentEvent], referral: Referral, classes: frozenset[str]
) -> set[DataCategory]:
    """The oracle: categories the referral names that a grant in force covers, a grant that
    saw every withdrawal of its (person, recipient, purpose)."""
    allowed: set[DataCategory] = set()
    for ref in {referral.recipient, *classes}:
        key = [
            e
            for e in events
            if (e.person_id, e.recipient, e.purpose) == (referral.person_id, ref, referral.purpose)
        ]
        withdrawals = {e.id for e in key if e.action == ConsentAction.WITHDRAW}
        grants = [e for e in key if e.action == ConsentAction.GRANT and withdrawals <= set(e.seen)]
        if not grants:
            continue
        latest = max(grants, key=lambda g: (g.occurred_at, g.created_hlc, g.id))
        if latest.valid_until is None or latest.valid_until >= TODAY:
            allowed |= set(latest.data_categories)
    return allowed & set(referral.data_categories)


def _logged(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return s.exec(select(func.count()).select_from(DisclosureEntry)).one()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
# Withdrawn after the grant; a grant that did not see the withdrawal; one that did; a grant
# to the 助联体 class for a member; an expired grant.
@example(history=[("grant", 0, 0, 0, [C], None, True), ("withdraw", 0, 0, 0), REFER])
@example(history=[("withdraw", 0, 0, 0), ("grant", 0, 0, 0, [C], None, False), REFER])
@example(history=[("withdraw", 0, 0, 0), ("grant", 0, 0, 0, [C], None, True), REFER])
@example(history=[("grant", 0, 2, 0, [C], None, True), REFER])
@example(history=[("grant", 0, 0, 0, [C], -1, True), REFER])
def test_no_charity_sees_a_category_outside_an_active_consent(ctx, history) -> None:  # type: ignore[no-untyped-def]
    organisations = _organisations(ctx)
    readers = [Reader(f"user-{i}", f"console:user-{i}", o) for i, o in enumerate(organisations)]
    persons = _people(ctx, 2)
    recipients = [*organisations, ALLIANCE]
    events: list[ConsentEvent] = []
    made: list[Referral] = []
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with ctx.db.writing() as s:
        feed = Feed(s)
        for step, op in enumerate(history):
            at = start + timedelta(minutes=step)
            if op[0] == "refer":
                _, p, o, u, named = op
                record: ConsentEvent | Referral = Referral(
                    area_code=VILLAGE,
                    household_id=persons[p].household_id,
                    person_id=persons[p].id,
                    recipient=organisations[o],
                    purpose=PURPOSES[u],
                    data_categories=named,
                    referred_on=TODAY - timedelta(days=1),
                )
                made.append(record)
            else:
                p, r, u = op[1], op[2], op[3]
                same = [
                    e.id
                    for e in events
                    if (e.person_id, e.recipient, e.purpose)
                    == (persons[p].id, recipients[r], PURPOSES[u])
                ]
                granting = op[0] == "grant"
                record = ConsentEvent(
                    area_code=VILLAGE,
                    household_id=persons[p].household_id,
                    person_id=persons[p].id,
                    action=ConsentAction.GRANT if granting else ConsentAction.WITHDRAW,
                    recipient=recipients[r],
                    purpose=PURPOSES[u],
                    data_categories=op[4] if granting else [],
                    valid_until=TODAY + timedelta(days=op[5])
                    if granting and op[5] is not None
                    else None,
                    method=ConsentMethod.SIGNATURE,
                    occurred_at=at,
                    recorded_by="w1",
                    seen=same if (not granting or op[6]) else [],
                )
                events.append(record)
            feed.insert(record.type_name, record.model_dump(mode="json"), {})
        feed.close()
    kinds = {organisations[0]: frozenset({ALLIANCE}), organisations[1]: frozenset()}
    for reader in readers:
        mine = [r for r in made if r.recipient == reader.organisation_id]
        for referral in mine:
            before = _logged(ctx)
            page = referrals.open_referral(ctx, reader, referral.id, TODAY)
            shown = {item.category for item in page.shown}
            allowed = _allowed(events, referral, kinds[reader.organisation_id])
            # Everything allowed shows (these people have no open need to show).
            assert shown == allowed - {DataCategory.NEEDS}, (shown, allowed)
            with ctx.db.reading() as s:
                new = s.exec(select(DisclosureEntry).where(col(DisclosureEntry.id) > before)).all()
            assert [set(e.categories) for e in new] == ([shown] if shown else [])
        rows = referrals.export_rows(ctx, reader, TODAY)
        by_id = {row[0]: row for row in rows[1:]}
        names = {p.name for p in persons}
        for referral in mine:
            row = by_id[referral.id]
            allowed = _allowed(events, referral, kinds[reader.organisation_id])
            assert (row[6] in names) == (DataCategory.IDENTITY in allowed)
            assert (row[10] == "13905790000") == (DataCategory.CONTACT in allowed)
            assert (row[15] == "高血压") == (DataCategory.HEALTH in allowed)
        # Nobody else's referrals reach this organisation's export.
        assert all(r.recipient == reader.organisation_id for r in made if r.id in by_id)
