"""Demo data (演示数据): deterministic, valid, shaped like Jinhua and its visit policy."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest

from app.assets import load_visit_policy as load_policy
from app.demo.generator import DemoData, InvalidDemoRequest, generate
from app.domain import consent, identity
from app.domain.areas import COUNTIES, parse_area_code
from app.domain.codes import (
    CHILD_CATEGORIES,
    ConsentAction,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
    ServedClass,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.ids import is_record_id
from app.domain.policy import Urgency, requirement_for, visit_status
from app.domain.records import RECORD_TYPES, Person, Visit
from app.domain.wishes import OPEN_STATES

TODAY = date(2026, 11, 28)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(600, seed=1, today=TODAY)


def fingerprint(data: DemoData) -> str:
    """A digest of everything a run produces: areas, workers and every record as JSON."""
    digest = hashlib.sha256()
    digest.update(repr(sorted(data.areas.items())).encode())
    for worker in data.workers:
        digest.update(repr(worker).encode())
    for record in data.records():
        digest.update(record.type_name.encode() + record.model_dump_json().encode())
    return digest.hexdigest()


def age(person: Person, on: date = TODAY) -> int:
    assert person.birth_date is not None
    return identity.age_on(person.birth_date, on)


def members_by_household(data: DemoData) -> dict[str, list[Person]]:
    members: dict[str, list[Person]] = defaultdict(list)
    for person in data.persons:
        members[person.household_id].append(person)
    return members


def visits_by_household(data: DemoData) -> dict[str, list[Visit]]:
    visits: dict[str, list[Visit]] = defaultdict(list)
    for visit in data.visits:
        visits[visit.household_id].append(visit)
    return visits


# -- determinism ------------------------------------------------------------------------


def test_same_seed_same_bytes_and_another_seed_differs() -> None:
    first = generate(150, seed=7, today=TODAY)
    again = generate(150, seed=7, today=TODAY)
    other = generate(150, seed=8, today=TODAY)
    assert [r.model_dump_json() for r in first.records()] == [
        r.model_dump_json() for r in again.records()
    ]
    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first) != fingerprint(other)
    assert {r.id for r in first.records()}.isdisjoint(r.id for r in other.records())


def test_output_does_not_depend_on_string_hashing() -> None:
    """Set and dict order of strings changes between processes; the data must not."""
    script = (
        "from datetime import date; from app.demo.generator import generate; "
        "from tests.domain.test_demo import fingerprint; "
        "print(fingerprint(generate(80, seed=3, today=date(2026, 11, 28))))"
    )
    digests = set()
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    digests.add(fingerprint(generate(80, seed=3, today=TODAY)))
    assert len(digests) == 1


def test_ids_are_unique_uuid7_from_the_seed(demo: DemoData) -> None:
    ids = [r.id for r in demo.records()] + [w.id for w in demo.workers]
    assert len(ids) == len(set(ids))
    for record_id in ids:
        assert is_record_id(record_id)
        assert uuid.UUID(record_id).version == 7
    # A visit's id carries its moment (China Standard Time), so ids sort like visits.
    cst = timezone(timedelta(hours=8))
    for visit in demo.visits[:500]:
        moment_ms = int(visit.visited_at.replace(tzinfo=cst).timestamp() * 1000)
        assert uuid.UUID(visit.id).int >> 80 == moment_ms


# -- validity ---------------------------------------------------------------------------


def test_every_record_revalidates_and_nothing_is_dated_after_today(demo: DemoData) -> None:
    for record in demo.records():
        again = RECORD_TYPES[record.type_name].model_validate_json(record.model_dump_json())
        assert again == record
    # Naive local times, as the app records them, so the two sort together.
    assert all(v.visited_at.tzinfo is None for v in demo.visits)
    assert all(c.occurred_at.tzinfo is None for c in demo.consents)
    assert max(v.visited_at.date() for v in demo.visits) <= TODAY
    assert max(c.occurred_at.date() for c in demo.consents) <= TODAY
    need_days = [d for n in demo.needs for d in (n.raised_on, n.fulfilled_on) if d]
    wish_days = [
        d
        for w in demo.wishes
        for d in (w.collected_on, w.reviewed_on, w.claimed_on, w.fulfilled_on)
        if d
    ]
    referral_days = [d for r in demo.referrals for d in (r.referred_on, r.completed_on) if d]
    assert max(need_days + wish_days + referral_days) <= TODAY
    for household in demo.households:
        assert household.registered_on is None or household.registered_on <= TODAY
        assert household.left_on is None or household.left_on <= TODAY


def test_id_numbers_are_valid_and_match_county_birth_and_gender(demo: DemoData) -> None:
    numbers = [p.id_number for p in demo.persons if p.id_number]
    assert len(numbers) == len(set(numbers))
    assert len(numbers) > 0.97 * len(demo.persons)
    for person in demo.persons:
        assert person.birth_date is not None and person.gender is not None
        assert person.birth_date <= TODAY
        if person.id_number is None:
            continue
        number, birth, gender = identity.parse_id_number(person.id_number, today=TODAY)
        assert number[:6] == person.area_code[:6]
        assert (birth, gender) == (person.birth_date, person.gender)


def test_ages_fit_the_categories_and_flags(demo: DemoData) -> None:
    members = members_by_household(demo)
    elderly_alone = [p for p in demo.persons if PersonFlag.ELDERLY_ALONE in p.flags]
    assert elderly_alone
    for person in elderly_alone:
        assert age(person) >= 80
        assert person.lives_alone
        assert len(members[person.household_id]) == 1
    child_households = [h for h in demo.households if CHILD_CATEGORIES & set(h.categories)]
    assert child_households
    for household in child_households:
        ages = [age(p) for p in members[household.id]]
        assert min(ages) < 18
        assert max(ages) >= 18  # a guardian lives with the child
    assert any(18 <= age(p) < 60 for p in demo.persons)


def test_names_phones_and_addresses_look_local(demo: DemoData) -> None:
    surnames = Counter(p.name[0] for p in demo.persons)
    assert {s for s, _ in surnames.most_common(6)} & {"陈", "王", "张", "李", "吴", "徐"}
    assert all(2 <= len(p.name) <= 4 for p in demo.persons)
    for household in members_by_household(demo).values():
        assert len({p.name for p in household}) == len(household)
    phones = [h.phone for h in demo.households if h.phone] + [
        p.phone for p in demo.persons if p.phone
    ]
    assert any(phone.startswith("0579-") for phone in phones)
    assert all(identity.parse_phone(phone) == phone for phone in phones)
    assert all(h.address.startswith(demo.areas[h.area_code]) for h in demo.households)


def test_households_mix_classes_statuses_and_flags(demo: DemoData) -> None:
    classes = Counter(next(iter(sorted(h.classes))) for h in demo.households if h.categories)
    registered, monitored, uplift = (
        classes[ServedClass.REGISTERED],
        classes[ServedClass.MONITORED],
        classes[ServedClass.UPLIFT],
    )
    assert registered > monitored > 0 and registered > uplift > 0
    assert any(len(h.categories) > 1 for h in demo.households)
    status = Counter(h.register_status for h in demo.households)
    assert status[RegisterStatus.REGISTERED] > 0.9 * len(demo.households)
    assert status[RegisterStatus.REPORTED] > 0 and status[RegisterStatus.LEFT] > 0
    for household in demo.households:
        if household.register_status == RegisterStatus.LEFT:
            assert household.left_on is not None
        if household.register_status == RegisterStatus.REPORTED:
            assert household.registered_on is None
    flags = Counter(f for p in demo.persons for f in p.flags)
    assert all(flags[flag] > 0 for flag in PersonFlag)
    for person in demo.persons:
        if PersonFlag.MAJOR_EVENT in person.flags:
            assert person.major_event_date is not None
            assert TODAY - timedelta(days=28) <= person.major_event_date <= TODAY


def test_scope_limits_households_workers_and_areas() -> None:
    village = generate(45, seed=2, today=TODAY, scope=["330702102201"])
    assert {h.area_code for h in village.households} == {"330702102201"}
    assert village.areas["330702102201"] == "岩头村"
    assert village.areas["330702102"] == "安地镇" and village.areas["330702"] == "婺城区"
    assert all(h.address.startswith("岩头村") for h in village.households)

    township = generate(150, seed=2, today=TODAY, scope=["330783123"])
    assert all(r.area_code.startswith("330783123") for r in township.records())
    assert all(any(code.startswith("330783") for code in w.areas) for w in township.workers)
    assert len({h.area_code for h in township.households}) >= 2
    assert township.areas["330783123"] == "横店镇"

    two = generate(200, seed=2, today=TODAY, scope=["330703101", "330782100000"])
    assert {h.area_code[:9] for h in two.households} == {"330703101", "330782100"}


def test_default_scope_spans_the_nine_counties_in_villages_of_30_to_80(demo: DemoData) -> None:
    data = demo
    sizes = Counter(h.area_code for h in data.households)
    assert {code[:6] for code in sizes} == set(COUNTIES)
    assert all(30 <= size <= 80 for size in sizes.values())
    for code, name in data.areas.items():
        assert len(code) in (6, 9, 12)
        if len(code) == 12:
            parse_area_code(code)
            assert name.endswith(("村", "社区"))
    assert data.areas["330702102201"] == "岩头村"


def test_bad_requests_are_refused_in_one_sentence() -> None:
    with pytest.raises(InvalidDemoRequest, match="金华"):
        generate(10, today=TODAY, scope=["330102"])
    with pytest.raises(InvalidDemoRequest, match="区划代码"):
        generate(10, today=TODAY, scope=["33070"])
    with pytest.raises(InvalidDemoRequest):
        generate(-1, today=TODAY)
    empty = generate(0, today=TODAY)
    assert list(empty.records()) == [] and empty.workers == []


def test_records_come_parents_first(demo: DemoData) -> None:
    order = ["household", "person", "visit", "need", "consent", "wish", "referral"]
    kinds = [r.type_name for r in demo.records()]
    assert sorted(kinds, key=order.index) == kinds
    assert set(kinds) == set(order)
    seen: set[str] = set()
    for record in demo.records():
        for parent in ("household_id", "person_id", "visit_id", "need_id"):
            value = getattr(record, parent, None)
            if value is not None:
                assert value in seen, f"{record.type_name} {record.id} before its {parent}"
        seen.add(record.id)


# -- visits -----------------------------------------------------------------------------


def test_visit_history_follows_the_policy_with_gaps(demo: DemoData) -> None:
    policy = load_policy()
    members, visits = members_by_household(demo), visits_by_household(demo)
    urgency: Counter[Urgency] = Counter()
    for household in demo.households:
        if household.register_status != RegisterStatus.REGISTERED:
            continue
        status = visit_status(policy, household, members[household.id], visits[household.id], TODAY)
        assert status is not None
        urgency[status.urgency] += 1
    total = sum(urgency.values())
    assert urgency[Urgency.OVERDUE] > 0
    assert urgency[Urgency.OVERDUE] < 0.15 * total
    on_track = urgency[Urgency.DONE] + urgency[Urgency.DUE] + urgency[Urgency.DUE_SOON]
    assert on_track > 0.75 * total
    assert min(v.visited_at.date() for v in demo.visits) >= TODAY - timedelta(days=700)
    recent = [v for v in demo.visits if v.visited_at.date() >= TODAY - timedelta(days=365)]
    assert len(recent) > 0.9 * len(demo.visits)


def test_visits_are_made_by_the_village_team_in_allowed_modes(demo: DemoData) -> None:
    policy = load_policy()
    workers = {w.id: w for w in demo.workers}
    members = members_by_household(demo)
    households = {h.id: h for h in demo.households}
    outcomes = Counter(v.outcome for v in demo.visits)
    assert outcomes[VisitOutcome.NOBODY_HOME] > 0 and outcomes[VisitOutcome.REFUSED] > 0
    assert Counter(v.mode for v in demo.visits)[VisitMode.PHONE] > 0
    assert any(v.companions for v in demo.visits)
    assert all(v.observations for v in demo.visits)
    for visit in demo.visits:
        worker = workers[visit.worker_id]
        assert visit.team == worker.team
        assert any(visit.area_code.startswith(code) for code in worker.areas)
        if visit.mode != VisitMode.HOME:
            household = households[visit.household_id]
            requirement = requirement_for(policy, household, members[household.id])
            assert requirement is not None and visit.mode in requirement.modes


def test_major_events_are_answered_or_still_waiting(demo: DemoData) -> None:
    data = demo
    policy = load_policy()
    members, visits = members_by_household(data), visits_by_household(data)
    flagged = {p.household_id for p in data.persons if PersonFlag.MAJOR_EVENT in p.flags}
    urgencies: Counter[Urgency] = Counter()
    for household in data.households:
        if household.id in flagged:
            status = visit_status(
                policy, household, members[household.id], visits[household.id], TODAY
            )
            assert status is not None
            urgencies[status.urgency] += 1
    assert urgencies[Urgency.MAJOR_EVENT] > 0
    assert sum(urgencies.values()) > urgencies[Urgency.MAJOR_EVENT]
    assert any(p.major_event_recorded_on for p in data.persons)


# -- needs, wishes, consent, referral ---------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_few_hundred_households_show_every_area_status_and_state(seed: int) -> None:
    data = generate(300, seed=seed, today=TODAY)
    assert {n.area for n in data.needs} == set(NeedArea)
    assert {n.status for n in data.needs} == set(NeedStatus)
    assert {w.state for w in data.wishes} == set(WishState)
    assert {r.status for r in data.referrals} == set(ReferralStatus)


def test_needs_carry_what_their_status_requires(demo: DemoData) -> None:
    for need in demo.needs:
        if need.status in (NeedStatus.UNREASONABLE, NeedStatus.REASONABLE):
            assert need.assessment_reason
        if need.status in (NeedStatus.MATCHED, NeedStatus.REFERRED):
            assert need.resource
        if need.status == NeedStatus.FULFILLED:
            assert need.fulfilled_on is not None and need.fulfilment_note
            assert need.raised_on <= need.fulfilled_on
        if need.status == NeedStatus.CLOSED:
            assert need.closed_reason
    fulfilled = sum(n.status == NeedStatus.FULFILLED for n in demo.needs)
    reasonable = sum(bool(n.reasonable) for n in demo.needs)
    assert 0.5 < fulfilled / reasonable < 1


def test_at_most_one_open_wish_per_household_and_values_under_the_cap(demo: DemoData) -> None:
    cap = load_policy().wish_value_cap_yuan
    open_wishes = Counter(w.household_id for w in demo.wishes if w.state in OPEN_STATES)
    assert max(open_wishes.values()) == 1
    under_cap = sum(w.value_yuan <= cap for w in demo.wishes)
    assert under_cap > 0.85 * len(demo.wishes)
    for wish in demo.wishes:
        if wish.state in (WishState.APPROVED, WishState.PUBLISHED, WishState.CLAIMED):
            assert wish.value_yuan <= cap and wish.reviewed_on is not None
        if wish.state == WishState.REJECTED:
            assert wish.reject_reason
        if wish.state == WishState.CLAIMED:
            assert wish.claimed_by and wish.claimed_on is not None
        if wish.state == WishState.FULFILLED:
            assert wish.claimed_by
            assert wish.reviewed_on and wish.claimed_on and wish.fulfilled_on
            assert wish.collected_on <= wish.reviewed_on <= wish.claimed_on <= wish.fulfilled_on
        if wish.state == WishState.CANCELLED:
            assert wish.cancel_reason


def test_consents_withdrawals_and_regrants(demo: DemoData) -> None:
    persons = {p.id: p for p in demo.persons}
    by_id = {c.id: c for c in demo.consents}
    actions = Counter(c.action for c in demo.consents)
    assert actions[ConsentAction.GRANT] > 0 and actions[ConsentAction.WITHDRAW] > 0
    regrants = [c for c in demo.consents if c.action == ConsentAction.GRANT and c.seen]
    assert regrants
    for grant in regrants:
        withdrawals = [by_id[i] for i in grant.seen if by_id[i].action == ConsentAction.WITHDRAW]
        assert withdrawals and all(w.occurred_at < grant.occurred_at for w in withdrawals)
    for event in demo.consents:
        if event.action == ConsentAction.WITHDRAW:
            assert by_id[event.seen[0]].occurred_at < event.occurred_at
        child = age(persons[event.person_id], event.occurred_at.date()) < 14
        assert bool(event.guardian_name) == child
    assert any(c.guardian_name for c in demo.consents)
    states = consent.fold(demo.consents)
    assert any(s.granted for s in states) and any(not s.granted for s in states)


def test_referrals_to_charities_are_covered_by_consent_on_their_day(demo: DemoData) -> None:
    needs = {n.id: n for n in demo.needs}
    to_charity = [r for r in demo.referrals if r.direction == ReferralDirection.TO_CHARITY]
    assert to_charity
    assert any(r.direction == ReferralDirection.TO_CIVIL_AFFAIRS for r in demo.referrals)
    for referral in to_charity:
        known = [c for c in demo.consents if c.occurred_at.date() <= referral.referred_on]
        consent.check_share(
            known,
            referral.person_id,
            referral.recipient,
            referral.purpose,
            list(referral.data_categories),
            referral.referred_on,
        )
        assert referral.need_id is not None
        need = needs[referral.need_id]
        assert need.household_id == referral.household_id
        assert need.raised_on <= referral.referred_on
        if referral.status == ReferralStatus.COMPLETED:
            assert referral.completed_on is not None


def test_with_charities_referrals_go_to_them_by_id_consented_and_answered() -> None:
    """Given the demo charities' ids, the same seed gives the same county; every referral to
    a charity names one of them, is covered on its day by a consent to it or to its class,
    and carries the answer its status needs."""
    from app.demo.charities import DEMO_CHARITIES, Charity
    from app.domain.recipients import Recipient

    charities = [
        Charity(str(uuid.UUID(int=i + 1)), s.name, s.kind, s.need_areas)
        for i, s in enumerate(DEMO_CHARITIES)
    ]
    by_id = {c.id: c for c in charities}
    first = generate(200, seed=5, today=TODAY, scope=["330702102"], charities=charities)
    again = generate(200, seed=5, today=TODAY, scope=["330702102"], charities=charities)
    assert fingerprint(first) == fingerprint(again)
    to_charity = [r for r in first.referrals if r.direction == ReferralDirection.TO_CHARITY]
    assert {r.recipient for r in to_charity} == set(by_id)
    assert any(c.recipient.startswith("class:") for c in first.consents)
    needs = {n.id: n for n in first.needs}
    for r in to_charity:
        charity = by_id[r.recipient]
        known = [c for c in first.consents if c.occurred_at.date() <= r.referred_on]
        recipient = Recipient.organisation(charity.id, charity.kind)
        consent.check_share(
            known, r.person_id, recipient, r.purpose, list(r.data_categories), r.referred_on
        )
        if r.status == ReferralStatus.SENT:
            assert (r.answered_on, r.answered_by) == (None, "")
        else:
            assert r.answered_by == charity.name
            assert r.answered_on is not None and r.referred_on <= r.answered_on <= TODAY
        if r.status == ReferralStatus.DECLINED:
            assert r.decline_reason
        if r.status == ReferralStatus.COMPLETED:
            assert r.service and r.service_on == r.completed_on and r.value_yuan is not None
            need = needs[r.need_id or ""]
            assert (need.status, need.resource) == (NeedStatus.FULFILLED, charity.name)
