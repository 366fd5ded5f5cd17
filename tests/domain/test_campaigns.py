"""Festival lists (节日走访清单): the festivals' days, whom a list picks (ages on the boundary,
a child turning 18, a member who left), its progress, and every bound with its sentence.
The dates are worked out by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from app.domain import campaigns as c
from app.domain.codes import CampaignGroup, Category, Festival, PersonFlag
from app.domain.records import (
    SERVER,
    Campaign,
    CampaignAssignment,
    Household,
    IllegalChange,
    Person,
    Writer,
    problem,
)
from app.ui.catalogue import message
from tests.reports.builders import ANDI_OTHER, YANTOU, household

ANDI = "330702102000"  # 安地镇
DAY = date(2026, 10, 18)  # 重阳节 2026 (农历九月初九)
OLD, YOUNG, DISABLED = CampaignGroup.ELDERLY, CampaignGroup.CHILD, CampaignGroup.DISABLED
ALL = frozenset({OLD, YOUNG, DISABLED})


def person(
    h: Household | None, born: date | None, *flags: PersonFlag, left: date | None = None
) -> Person:
    """A member (of `h`, or of a household `picked` puts them in)."""
    h = h or household()
    return Person(
        household_id=h.id,
        area_code=h.area_code,
        name="张三明",
        birth_date=born,
        flags=list(flags),
        left_on=left,
    )


def picked(rule: c.SelectionRule, *members: Person, categories: tuple[Category, ...] = ()) -> tuple:
    h = household(*(categories or (Category.DIBAO,)))
    fixed = [m.model_copy(update={"household_id": h.id}) for m in members]
    return c.household_groups(rule, h, fixed)


# --- the festivals' days ----------------------------------------------------------------


def test_the_festivals_of_2026_and_the_spring_window_of_2027() -> None:
    assert c.festival_days(Festival.DOUBLE_NINTH, 2026).day == DAY
    assert c.festival_days(Festival.CHILDRENS_DAY, 2026).day == date(2026, 6, 1)
    assert c.festival_days(Festival.CHARITY_DAY, 2026).day == date(2026, 9, 5)
    # 1 May 2026 is a Friday: Sundays 3, 10, 17 May — the third is the 17th.
    assert c.festival_days(Festival.DISABILITY_DAY, 2026).day == date(2026, 5, 17)
    # 1 May 2025 is a Thursday: Sundays 4, 11, 18 May.
    assert c.festival_days(Festival.DISABILITY_DAY, 2025).day == date(2025, 5, 18)
    spring = c.festival_days(Festival.NEW_YEAR_SPRING, 2027)
    # 元旦 to 元宵 (春节 6 February 2027, 正月十五 fourteen days later): ages on 春节.
    assert (spring.first, spring.day, spring.last) == (
        date(2027, 1, 1),
        date(2027, 2, 6),
        date(2027, 2, 20),
    )


def test_a_year_the_lunar_table_lacks_is_refused_with_its_years() -> None:
    with pytest.raises(c.CampaignError) as caught:
        c.festival_days(Festival.DOUBLE_NINTH, 2041)
    assert message(caught.value) == "年份应在 2024 至 2040 年之间"


def test_the_next_festival_is_the_first_whose_window_is_still_open() -> None:
    # 5 December 2026: every 2026 festival is over; 元旦春节 2027 runs to 20 February.
    assert c.next_festival(date(2026, 12, 5))[:2] == (Festival.NEW_YEAR_SPRING, 2027)
    assert c.next_festival(date(2026, 10, 1))[:2] == (Festival.DOUBLE_NINTH, 2026)
    # On the day itself the festival is still ahead.
    assert c.next_festival(DAY)[:2] == (Festival.DOUBLE_NINTH, 2026)
    assert c.next_festival(date(2027, 2, 21))[:2] == (Festival.DISABILITY_DAY, 2027)


# --- whom a list picks ------------------------------------------------------------------


def test_eighty_on_the_festivals_day_is_elderly_a_day_later_is_not() -> None:
    rule = c.SelectionRule(ALL, DAY, elderly_age=80)
    assert picked(rule, person(None, date(1946, 10, 18))) == (OLD,)  # 80 on 18 October
    assert picked(rule, person(None, date(1946, 10, 19))) == ()  # 80 on the 19th
    seventy = c.SelectionRule(frozenset({OLD}), DAY, elderly_age=70)
    assert picked(seventy, person(None, date(1956, 10, 18))) == (OLD,)


def test_a_child_who_turns_18_on_the_festivals_day_is_no_longer_a_child() -> None:
    rule = c.SelectionRule(ALL, DAY)
    assert picked(rule, person(None, date(2008, 10, 18))) == ()  # 18 that day
    assert picked(rule, person(None, date(2008, 10, 19))) == (YOUNG,)  # 17 that day
    # The roster's children's category does not keep an adult a child once the birth date
    # is known.
    grown = person(None, date(2008, 10, 18))
    assert picked(rule, grown, categories=(Category.LEFT_BEHIND_CHILD,)) == ()


def test_a_member_who_left_on_or_before_the_day_does_not_count() -> None:
    rule = c.SelectionRule(ALL, DAY)
    grandmother = date(1940, 3, 2)
    assert picked(rule, person(None, grandmother, left=date(2026, 10, 1))) == ()
    assert picked(rule, person(None, grandmother, left=DAY)) == ()
    assert picked(rule, person(None, grandmother, left=date(2026, 10, 19))) == (OLD,)


def test_disability_and_care_flags_and_the_rosters_word_without_a_birth_date() -> None:
    rule = c.SelectionRule(ALL, DAY)
    adult = date(1980, 1, 1)
    assert picked(rule, person(None, adult, PersonFlag.SEVERE_DISABILITY)) == (DISABLED,)
    assert picked(rule, person(None, adult, PersonFlag.DISABLED_CARE)) == (DISABLED,)
    assert picked(rule, person(None, None, PersonFlag.ELDERLY_ALONE)) == (OLD,)
    assert picked(rule, person(None, None), categories=(Category.ORPHAN,)) == (YOUNG,)
    assert picked(rule, person(None, None)) == ()
    # Only the groups the rule names: 老 alone leaves out a disabled child.
    old_only = c.SelectionRule(frozenset({OLD}), DAY)
    child = person(None, date(2015, 1, 1), PersonFlag.SEVERE_DISABILITY)
    assert picked(old_only, child) == ()
    assert picked(rule, child) == (YOUNG, DISABLED)


def test_only_households_of_the_area_on_the_register_that_day() -> None:
    rule = c.SelectionRule(ALL, DAY)
    here, there, gone = (
        household(Category.TEKUN),
        household(Category.TEKUN, area=ANDI_OTHER),
        (household(Category.TEKUN, left_on=date(2026, 9, 30))),
    )
    elsewhere = household(Category.TEKUN, area="330703101201")
    members = {h.id: [person(h, date(1930, 1, 1))] for h in (here, there, gone, elsewhere)}
    everyone = [here, there, gone, elsewhere]
    township = c.select_households(rule, ANDI, [], everyone, members)
    assert [s.household_id for s in township] == [here.id, there.id]
    one_village = c.select_households(rule, ANDI, [YANTOU], everyone, members)
    assert [s.household_id for s in one_village] == [here.id]
    assert c.select_households(rule, YANTOU, [], everyone, members)[0].groups == (OLD,)


def test_a_rule_needs_a_group_and_ages_within_bounds() -> None:
    with pytest.raises(c.CampaignError) as caught:
        c.SelectionRule(frozenset(), DAY)
    assert message(caught.value) == "请至少选择一类对象（老、幼、残）"
    with pytest.raises(c.CampaignError) as caught:
        c.SelectionRule(ALL, DAY, elderly_age=49)
    assert message(caught.value) == "老年人年龄应在 50 至 120 岁之间"
    with pytest.raises(c.CampaignError) as caught:
        c.SelectionRule(ALL, DAY, child_age=19)
    assert message(caught.value) == "儿童年龄应在 1 至 18 岁之间"


# --- progress -----------------------------------------------------------------------------


def assignment(worker: str, visit: str | None = None) -> CampaignAssignment:
    h = household(Category.TEKUN)
    return CampaignAssignment(
        area_code=h.area_code,
        household_id=h.id,
        campaign_id=h.id,
        worker_id=worker,
        groups=[OLD],
        visit_id=visit,
        visited_on=DAY if visit else None,
        delivered=["大米一袋"] if visit else [],
    )


def test_progress_counts_assigned_visited_and_still_to_visit_by_worker() -> None:
    done = assignment("w-li", visit=household().id)
    places = [done, assignment("w-li"), assignment("w-wang")]
    found = c.progress(places)
    assert (found.assigned, found.visited, found.remaining) == (3, 1, 2)
    assert found.by_worker == {"w-li": (2, 1), "w-wang": (1, 0)}
    # The same household twice (two devices offline) counts once, visited if either was.
    twin = done.model_copy(update={"id": household().id, "visit_id": None, "visited_on": None})
    assert c.progress([twin, done]).visited == 1 and c.progress([twin, done]).assigned == 1


# --- what a visit delivered, and every bound's sentence ---------------------------------------


def test_delivered_items_and_value_as_typed() -> None:
    assert c.parse_items("大米一袋、食用油一桶，慰问金；\n棉被") == [
        "大米一袋",
        "食用油一桶",
        "慰问金",
        "棉被",
    ]
    assert c.parse_items("  ") == []
    with pytest.raises(c.CampaignError) as caught:
        c.parse_items("米" * 31)
    assert message(caught.value) == "每件物品最多 30 个字"
    with pytest.raises(c.CampaignError) as caught:
        c.parse_items("、".join(["米"] * 11))
    assert message(caught.value) == "送达物品最多填写 10 项"
    assert c.parse_value("200元") == 200 and c.parse_value("") is None
    with pytest.raises(c.CampaignError) as caught:
        c.parse_value("两百")
    assert message(caught.value) == "价值应为整数（元）"
    with pytest.raises(c.CampaignError) as caught:
        c.parse_value("100001")
    assert message(caught.value) == "价值不能超过 100000 元"
    with pytest.raises(c.CampaignError) as caught:
        c.check_name("")
    assert message(caught.value) == "请填写清单名称"
    with pytest.raises(c.CampaignError) as caught:
        c.check_name("名" * 51)
    assert message(caught.value) == "清单名称最多 50 个字"


def a_list(**changes: object) -> Campaign:
    values: dict[str, object] = {
        "area_code": ANDI,
        "festival": Festival.DOUBLE_NINTH,
        "year": 2026,
        "name": "2026年重阳节走访慰问",
        "groups": [OLD],
        "created_by": "w-li",
        "created_on": date(2026, 10, 1),
    }
    return Campaign(**(values | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"area_code": "330702000000"}, "节日走访清单应覆盖一个乡镇（街道）或一个村（社区）"),
        ({"villages": ["330703101201"]}, "村（社区）330703101201 不在该乡镇（街道）内"),
        ({"area_code": YANTOU, "villages": [YANTOU]}, "覆盖一个村（社区）的清单不能再选择村"),
        ({"groups": [OLD, OLD]}, "同一类对象选了两次"),
        ({"year": 2041}, "不能大于 2040"),
        ({"name": "名" * 51}, "50"),
        ({"groups": []}, "groups"),
    ],
)
def test_a_list_out_of_bounds_is_refused_with_one_sentence(
    changes: dict[str, object], sentence: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        a_list(**changes)
    assert sentence in message(problem(caught.value))


def test_a_list_is_made_by_its_own_worker_and_renamed_by_a_coordinator() -> None:
    made = a_list()
    made.check_create(Writer(latest=datetime(2026, 10, 2, tzinfo=UTC), worker_id="w-li"))
    with pytest.raises(IllegalChange) as caught:
        made.check_create(Writer(worker_id="w-wang"))
    assert message(caught.value) == "只能以本人名义建立清单"
    with pytest.raises(IllegalChange):
        made.check_create(Writer(latest=datetime(2026, 9, 30, tzinfo=UTC)))
    before = made.model_dump(mode="json")
    Campaign.check_edit(before, {"name": "重阳节"}, Writer(reviewer=True))
    with pytest.raises(IllegalChange) as caught:
        Campaign.check_edit(before, {"name": "重阳节"}, Writer())
    assert message(caught.value) == "只有救助协理员（协调员）可以建立清单或调整走访人员"
    with pytest.raises(IllegalChange):
        Campaign.check_edit(before, {"groups": ["child"]}, Writer(reviewer=True))


def test_a_place_on_a_list_is_visited_with_its_day_and_reassigned_by_a_coordinator() -> None:
    place = assignment("w-li")
    with pytest.raises(ValidationError) as caught:
        CampaignAssignment(**(place.model_dump() | {"delivered": ["米"]}))
    assert message(problem(caught.value)).endswith("尚未走访的家庭不能记录送达物品")
    with pytest.raises(ValidationError):
        CampaignAssignment(**(place.model_dump() | {"delivered": ["米" * 31]}))
    before = place.model_dump(mode="json")
    CampaignAssignment.check_edit(before, {"worker_id": "w-wang"}, Writer(reviewer=True))
    with pytest.raises(IllegalChange):
        CampaignAssignment.check_edit(before, {"worker_id": "w-wang"}, Writer())
    # Any device records the visit, not dated after its day.
    visit = {"visit_id": household().id, "visited_on": "2026-10-18", "delivered": ["米"]}
    CampaignAssignment.check_edit(
        before, visit, Writer(latest=datetime(2026, 10, 18, 3, tzinfo=UTC))
    )
    with pytest.raises(IllegalChange):
        CampaignAssignment.check_edit(
            before, visit, Writer(latest=datetime(2026, 10, 16, tzinfo=UTC))
        )
    with pytest.raises(IllegalChange):
        visited = assignment("w-li", visit=household().id)
        visited.check_create(Writer())


def test_a_township_list_reaches_its_villages_devices_and_no_others() -> None:
    assert c.visible_in(ANDI, ["330702102"]) and c.visible_in(ANDI, [YANTOU])
    assert c.visible_in(ANDI, ["330702"])
    assert not c.visible_in(ANDI, ["330703101201"])
    assert not c.visible_in(YANTOU, [ANDI_OTHER])  # a village's list stays in the village
    assert c.township_lists_of([YANTOU, "330702103", ANDI_OTHER]) == [ANDI]


def test_rerunning_the_rule_finds_who_now_qualifies_and_takes_nobody_off() -> None:
    # 重阳节 2026 is 18 October; 80 on that day: born on or before 1946-10-18.
    rule = c.SelectionRule(frozenset({OLD, YOUNG}), DAY)
    listed, turned_80, newborn, still_too_young, no_longer = (
        household(Category.TEKUN) for _ in range(5)
    )
    members = {
        listed.id: [person(listed, date(1930, 1, 1))],
        # The roster's birth date corrected: 1946-10-18 is 80 on the day (was 1947).
        turned_80.id: [person(turned_80, date(1946, 10, 18))],
        newborn.id: [person(newborn, date(1970, 1, 1)), person(newborn, date(2026, 9, 1))],
        still_too_young.id: [person(still_too_young, date(1946, 10, 19))],
        # On the list already, and its elder has since died: it stays on the list.
        no_longer.id: [person(no_longer, date(1930, 1, 1), left=date(2026, 9, 1))],
    }
    everyone = [listed, turned_80, newborn, still_too_young, no_longer]
    now = c.select_households(rule, ANDI, [], everyone, members)
    found = c.newly_qualifying(now, [listed.id, no_longer.id])
    assert [(s.household_id, s.groups) for s in found] == [
        (turned_80.id, (OLD,)),
        (newborn.id, (YOUNG,)),
    ]
    assert c.newly_qualifying(now, [s.household_id for s in now]) == []


def test_a_household_taken_off_a_list_before_its_visit_leaves_the_progress() -> None:
    removed = assignment("w-li").model_copy(
        update={"removed_on": date(2026, 10, 10), "removed_reason": "已随子女迁往外省"}
    )
    places = [assignment("w-li", visit=household().id), assignment("w-li"), removed]
    found = c.progress(places)
    assert (found.assigned, found.visited, found.remaining) == (2, 1, 1)
    assert found.by_worker == {"w-li": (2, 1)}
    # A removal says why, in at most 100 characters, and never on a visited place.
    assert c.check_removal("  已随子女迁往外省 ") == "已随子女迁往外省"
    for typed, sentence in (("  ", "请填写移出清单的原因"), ("迁" * 101, "移出原因最多 100 个字")):
        with pytest.raises(c.CampaignError) as caught:
            c.check_removal(typed)
        assert message(caught.value) == sentence
    with pytest.raises(ValidationError) as invalid:
        CampaignAssignment(**(removed.model_dump() | {"removed_reason": ""}))
    assert message(problem(invalid.value)).endswith("请填写移出清单的原因")
    with pytest.raises(ValidationError):
        CampaignAssignment(**(removed.model_dump() | {"removed_reason": "迁" * 101}))


def test_only_a_coordinator_removes_and_only_before_the_visit_and_once() -> None:
    # 2026-10-10 03:00 UTC is 11:00 China time on 10 October.
    writer = Writer(reviewer=True, latest=datetime(2026, 10, 10, 3, tzinfo=UTC))
    before = assignment("w-li").model_dump(mode="json")
    removal = {"removed_on": "2026-10-10", "removed_reason": "已去世"}
    CampaignAssignment.check_edit(before, removal, writer)
    cases = [
        (before, removal, Writer(), "campaign.coordinator_only"),
        (before, {**removal, "removed_on": "2026-10-11"}, writer, "campaign.in_future"),
        (
            assignment("w-li", visit=household().id).model_dump(mode="json"),
            removal,
            writer,
            "campaign.remove_visited",
        ),
        (before | removal, {"removed_reason": "另一原因"}, writer, "campaign.removed"),
        (before | removal, {"worker_id": "w-wang"}, writer, "campaign.removed"),
        (
            before | removal,
            {"visit_id": household().id, "visited_on": "2026-10-10"},
            Writer(),
            "campaign.removed",
        ),
    ]
    for was, changes, who, code in cases:
        with pytest.raises(IllegalChange) as caught:
            CampaignAssignment.check_edit(was, changes, who)
        assert caught.value.code == code
    with pytest.raises(IllegalChange):
        assignment("w-li").model_copy(update=removal).check_create(Writer())


def test_a_closed_list_changes_no_more_but_takes_a_visit_made_before_it_closed() -> None:
    closed = date(2026, 10, 31)
    c.check_place_change(None, new=True, reassigned=True, removed=True)  # open: anything
    c.check_place_change(closed, visited_on=date(2026, 10, 31))  # visited that day, synced later
    c.check_place_change(closed)  # a change of nothing the list rules
    for change in (
        {"new": True},
        {"reassigned": True},
        {"removed": True},
        {"visited_on": date(2026, 11, 1)},
    ):
        with pytest.raises(c.CampaignError) as caught:
            c.check_place_change(closed, **change)  # type: ignore[arg-type]
        assert message(caught.value) == "此清单已结束，不能再更改"
    # The list itself: closed by a coordinator, not ahead of the day, then nothing more.
    writer = Writer(reviewer=True, latest=datetime(2026, 10, 31, 3, tzinfo=UTC))
    before = a_list().model_dump(mode="json")
    Campaign.check_edit(before, {"closed_on": "2026-10-31"}, writer)
    for was, changes, who, code in (
        (before, {"closed_on": "2026-10-31"}, Writer(), "campaign.coordinator_only"),
        (before, {"closed_on": "2026-11-01"}, writer, "campaign.in_future"),
        (before | {"closed_on": "2026-10-31"}, {"name": "重阳"}, writer, "campaign.closed"),
    ):
        with pytest.raises(IllegalChange) as caught:
            Campaign.check_edit(was, changes, who)
        assert caught.value.code == code
    with pytest.raises(IllegalChange):
        a_list(closed_on=closed).check_create(Writer())


def test_a_closed_list_is_reopened_by_a_coordinator_at_any_time_and_nothing_else_changes() -> None:
    closed = a_list().model_dump(mode="json") | {"closed_on": "2026-10-31"}
    # Any time: a year after the festival's day as well (no date rule to learn).
    later = Writer(reviewer=True, latest=datetime(2027, 12, 1, tzinfo=UTC))
    Campaign.check_edit(closed, {"closed_on": None}, later)
    Campaign.check_edit(closed, {"closed_on": None}, SERVER)
    for changes, who, code in (
        ({"closed_on": None}, Writer(), "campaign.coordinator_only"),
        ({"closed_on": None, "name": "重阳"}, later, "campaign.closed"),
        ({"closed_on": "2026-11-01"}, later, "campaign.closed"),  # not a reopening
    ):
        with pytest.raises(IllegalChange) as caught:
            Campaign.check_edit(closed, changes, who)
        assert caught.value.code == code
    c.check_reopen(date(2026, 10, 31))
    with pytest.raises(c.CampaignError) as caught:
        c.check_reopen(None)
    assert message(caught.value) == "此清单尚未结束，无需重新开启"


def test_a_place_put_back_names_the_place_taken_off_and_its_day() -> None:
    removed = assignment("w-li").model_copy(
        update={"removed_on": date(2026, 10, 10), "removed_reason": "外出", "removed_by": "w-li"}
    )
    back = assignment("w-li").model_dump() | {
        "restores": removed.id,
        "restored_on": date(2026, 10, 12),
    }
    CampaignAssignment(**back).check_create(Writer(latest=datetime(2026, 10, 12, 3, tzinfo=UTC)))
    with pytest.raises(IllegalChange) as ahead:
        CampaignAssignment(**back).check_create(
            Writer(latest=datetime(2026, 10, 11, 3, tzinfo=UTC))
        )
    assert ahead.value.code == "campaign.in_future"
    for wrong in ({"restored_on": None}, {"restores": None}, {"restores": back["id"]}):
        with pytest.raises(ValidationError):
            CampaignAssignment(**(back | wrong))
    with pytest.raises(ValidationError):  # who took it off goes with the removal
        CampaignAssignment(**(assignment("w-li").model_dump() | {"removed_by": "w-li"}))
    # Fixed at creation: a place does not come to name another.
    with pytest.raises(IllegalChange) as fixed:
        CampaignAssignment.check_edit(
            CampaignAssignment(**back).model_dump(mode="json"),
            {"restores": assignment("w-li").id},
            Writer(reviewer=True),
        )
    assert fixed.value.code == "change.fixed_field"
    # Who took it off is part of the removal: a coordinator's.
    with pytest.raises(IllegalChange) as only:
        CampaignAssignment.check_edit(
            assignment("w-li").model_dump(mode="json"), {"removed_by": "w-li"}, Writer()
        )
    assert only.value.code == "campaign.coordinator_only"
    c.check_restore(True, held=False)
    for removed_now, held, sentence in (
        (False, False, "该家庭仍在清单中，无需放回"),
        (True, True, "该家庭已在此清单中"),
    ):
        with pytest.raises(c.CampaignError) as caught:
            c.check_restore(removed_now, held=held)
        assert message(caught.value) == sentence
