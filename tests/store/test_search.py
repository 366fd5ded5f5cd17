"""The name search index over a real encrypted store: what a worker types, who they find."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.domain.codes import RegisterStatus
from app.domain.identity import make_id_number
from app.domain.records import Household, Person
from app.store.sandbox import Sandbox
from app.store.search import SearchIndex
from app.store.store import Store

PIN = "246810"
VILLAGE_A = "330702001201"  # 婺城区, a village of township 001
VILLAGE_B = "330782101202"  # 义乌市, a village of township 101


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    sandbox, key = Sandbox.create(tmp_path, "测试网格员", PIN, scrypt_n=2**10)
    opened = Store(sandbox.db_path, key, device_id=sandbox.info.device_id, worker_id="w1")
    yield opened
    opened.close()


def _household(area: str = VILLAGE_A) -> Household:
    return Household(
        area_code=area, address="幸福村3组12号", register_status=RegisterStatus.REPORTED
    )


_sequence = iter(range(100, 999))


def _person(household: Household, name: str, *, id_number: str | None = None) -> Person:
    return Person(
        area_code=household.area_code,
        household_id=household.id,
        name=name,
        id_number=id_number or make_id_number("330702", date(1950, 3, 4), next(_sequence)),
    )


def _add(store: Store, names: list[str], area: str = VILLAGE_A) -> dict[str, Person]:
    household = _household(area)
    people = [_person(household, name) for name in names]
    store.add_many([household, *people])
    return {p.name: p for p in people}


def _names(index: SearchIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.name for hit in index.search(query, **kwargs)]  # type: ignore[arg-type]


def test_chinese_name_exact_prefix_then_substring(store: Store) -> None:
    _add(store, ["李张三", "张三丰", "张三", "王五"])
    index = SearchIndex.build(store)

    assert len(index) == 4
    assert _names(index, "张三") == ["张三", "张三丰", "李张三"]
    assert _names(index, " 张 三 ") == ["张三", "张三丰", "李张三"]
    assert [hit.matched for hit in index.search("张三")] == ["name", "name", "name"]
    assert _names(index, "赵") == []


def test_name_with_a_middle_dot_found_with_or_without_it(store: Store) -> None:
    _add(store, ["阿依古丽·买买提", "买合木提"])
    index = SearchIndex.build(store)

    assert _names(index, "阿依古丽买买提") == ["阿依古丽·买买提"]
    assert _names(index, "阿依古丽·买买提") == ["阿依古丽·买买提"]
    assert _names(index, "买买提") == ["阿依古丽·买买提"]
    assert _names(index, "maimaiti") == ["阿依古丽·买买提"]
    assert _names(index, "aygl") == ["阿依古丽·买买提"]


def test_full_pinyin_prefix_and_from_any_syllable(store: Store) -> None:
    _add(store, ["张三", "张三丰", "李四", "王小明"])
    index = SearchIndex.build(store)

    assert _names(index, "zhangsan") == ["张三", "张三丰"]
    assert _names(index, "Zhang San") == ["张三", "张三丰"]
    assert _names(index, "ZHANGS") == ["张三", "张三丰"]
    assert _names(index, "xiaoming") == ["王小明"]
    assert _names(index, "sanfeng") == ["张三丰"]
    assert {hit.matched for hit in index.search("zhangsan")} == {"pinyin"}
    # A substring inside a syllable is not a way anyone spells a name.
    assert _names(index, "angsan") == []


def test_middle_of_the_name_finds_only_names_with_that_ending(store: Store) -> None:
    _add(store, ["陈建国", "王德华", "李国强", "张建华", "赵建"])
    index = SearchIndex.build(store)

    assert _names(index, "建国") == ["陈建国"]
    assert _names(index, "jianguo") == ["陈建国"]
    assert _names(index, "guo") == ["陈建国", "李国强"]
    assert _names(index, "dehua") == ["王德华"]
    assert _names(index, "jianhua") == ["张建华"]
    # 强 is also read jiang: that spelling finds 李国强, after the likelier matches.
    assert _names(index, "jian") == ["陈建国", "张建华", "赵建", "李国强"]
    assert _names(index, "qiang") == ["李国强"]
    assert _names(index, "gq") == ["李国强"]


def test_initials(store: Store) -> None:
    _add(store, ["张三", "张三丰", "赵四", "王小明"])
    index = SearchIndex.build(store)

    assert _names(index, "zs") == ["张三", "张三丰", "赵四"]
    assert _names(index, "ZSF") == ["张三丰"]
    assert _names(index, "xm") == ["王小明"]
    assert index.search("wxm")[0].matched == "initials"


def test_ranking_exact_prefix_initials_pinyin_substring(store: Store) -> None:
    # "zh" is the initials of 赵海 and 周华, the pinyin prefix of 张三, and the start of a
    # later syllable of 王志明.
    _add(store, ["王志明", "张三", "周华", "赵海"])
    index = SearchIndex.build(store)

    hits = index.search("zh")
    assert [(h.name, h.matched) for h in hits] == [
        ("赵海", "initials"),
        ("周华", "initials"),
        ("张三", "pinyin"),
        ("王志明", "pinyin"),
    ]
    assert _names(index, "zh", limit=2) == ["赵海", "周华"]


def test_last_four_of_the_id_number(store: Store) -> None:
    household = _household()
    with_x = next(
        n
        for n in (make_id_number("330702", date(1941, 7, 1), s) for s in range(1000))
        if n.endswith("X")
    )
    plain = make_id_number("330702", date(1962, 1, 9), 517)
    store.add_many(
        [
            household,
            _person(household, "钱七", id_number=with_x),
            _person(household, "孙八", id_number=plain),
        ]
    )
    index = SearchIndex.build(store)

    assert _names(index, plain[-4:]) == ["孙八"]
    assert _names(index, with_x[-4:].lower()) == ["钱七"]
    assert _names(index, with_x[-4:]) == ["钱七"]
    assert index.search(plain[-4:])[0].matched == "id_last4"
    assert _names(index, plain[-3:]) == []


@pytest.mark.parametrize(
    ("name", "surname_reading", "everyday_reading"),
    [
        ("曾国强", "zeng", "ceng"),
        ("单雄信", "shan", "dan"),
        ("解缙", "xie", "jie"),
        ("仇英", "qiu", "chou"),
        ("区小文", "ou", "qu"),
        ("朴正熙", "piao", "pu"),
        ("查良镛", "zha", "cha"),
        ("翟志刚", "zhai", "di"),
        ("尉迟恭", "yuchi", "weichi"),
    ],
)
def test_surname_reading_ranks_and_sorts_first(
    store: Store, name: str, surname_reading: str, everyday_reading: str
) -> None:
    _add(store, [name])
    index = SearchIndex.build(store)

    assert _names(index, surname_reading) == [name]
    # The everyday reading still finds them: workers type what they hear.
    assert _names(index, everyday_reading) == [name]
    initials = surname_reading[0] if len(name) < 3 or name[:2] != "尉迟" else "yc"
    assert name in _names(index, initials)


def test_surname_reading_orders_results_by_pinyin(store: Store) -> None:
    _add(store, ["曾红", "陈红", "朱红", "单红", "丁红"])
    index = SearchIndex.build(store)

    # As surnames 曾 is zeng, not ceng, and 单 is shan, not dan: chen, ding, shan, zeng, zhu.
    assert _names(index, "红") == ["陈红", "丁红", "单红", "曾红", "朱红"]


def test_polyphonic_given_name_found_by_either_reading(store: Store) -> None:
    _add(store, ["王长江", "李乐", "吕行"])
    index = SearchIndex.build(store)

    assert _names(index, "wangchangjiang") == ["王长江"]
    assert _names(index, "wangzhangjiang") == ["王长江"]
    assert _names(index, "lile") == ["李乐"]
    assert _names(index, "liyue") == ["李乐"]
    assert _names(index, "lvhang") == ["吕行"]
    assert _names(index, "luxing") == ["吕行"]
    assert _names(index, "lüxing") == ["吕行"]


def test_area_prefix_filter(store: Store) -> None:
    a = _add(store, ["张三"], area=VILLAGE_A)
    b = _add(store, ["张三"], area=VILLAGE_B)
    index = SearchIndex.build(store)

    assert len(index.search("张三")) == 2
    only_b = index.search("张三", area_prefix="330782")
    assert [hit.person_id for hit in only_b] == [b["张三"].id]
    assert only_b[0].area_code == VILLAGE_B
    assert [h.person_id for h in index.search("zs", area_prefix=VILLAGE_A)] == [a["张三"].id]
    assert index.search("张三", area_prefix="330703") == []


def test_members_follow_their_household_to_another_area(store: Store) -> None:
    people = _add(store, ["张三", "张三丰"], area=VILLAGE_A)
    index = SearchIndex.build(store)

    index.set_household_area(people["张三"].household_id, VILLAGE_B)

    assert _names(index, "zs", area_prefix=VILLAGE_A) == []
    assert _names(index, "zs", area_prefix="330782") == ["张三", "张三丰"]
    assert {hit.area_code for hit in index.search("zs")} == {VILLAGE_B}


def test_hit_carries_person_and_household(store: Store) -> None:
    people = _add(store, ["陈静"])
    index = SearchIndex.build(store)

    (hit,) = index.search("cj")
    assert hit.person_id == people["陈静"].id
    assert hit.household_id == people["陈静"].household_id
    assert hit.name == "陈静"
    assert hit.area_code == VILLAGE_A


def test_upsert_after_edit_and_new_person_then_remove(store: Store) -> None:
    people = _add(store, ["张三", "李四"])
    index = SearchIndex.build(store)

    renamed = store.update(people["张三"].model_copy(update={"name": "张山"}))
    index.upsert(renamed)
    assert _names(index, "张三") == []
    assert _names(index, "张山") == ["张山"]
    assert _names(index, "zhangshan") == ["张山"]
    assert len(index) == 2

    household = store.get(Household, people["李四"].household_id)
    newcomer = store.add(_person(household, "王五"))
    index.upsert(newcomer)
    assert _names(index, "ww") == ["王五"]
    assert _names(index, newcomer.id_number[-4:]) == ["王五"]  # type: ignore[index]
    assert len(index) == 3

    index.remove(people["李四"].id)
    assert _names(index, "李四") == []
    assert _names(index, "ls") == []
    assert len(index) == 2
    index.remove(people["李四"].id)
    assert len(index) == 2
    assert SearchIndex.build(store).search("zhangshan")[0].name == "张山"


def test_damaged_person_is_skipped_and_named(store: Store) -> None:
    people = _add(store, ["张三", "李四", "王五"])
    victim = people["李四"]
    store.close()
    sandbox_db = store.path
    with sqlite3.connect(sandbox_db) as raw:
        (blob,) = raw.execute("SELECT name FROM persons WHERE id = ?", (victim.id,)).fetchone()
        flipped = bytearray(blob)
        flipped[-1] ^= 0x01
        raw.execute("UPDATE persons SET name = ? WHERE id = ?", (bytes(flipped), victim.id))
    sandbox = Sandbox(sandbox_db.parent)
    reopened = Store(sandbox_db, sandbox.unlock(PIN), device_id=sandbox.info.device_id)
    try:
        index = SearchIndex.build(reopened)
    finally:
        reopened.close()

    assert index.damaged_ids == [victim.id]
    assert len(index) == 2
    assert _names(index, "王五") == ["王五"]
    assert _names(index, "ls") == []


def test_empty_and_unmatched_queries(store: Store) -> None:
    _add(store, ["张三"])
    index = SearchIndex.build(store)

    assert index.search("") == []
    assert index.search("   ") == []
    assert index.search("zhangsan", limit=0) == []
    assert index.search("qqqq") == []
    assert index.search("12") == []
