"""Name search after unlock (姓名检索): an in-memory index of names, pinyin, initials, ID tails.

Built from the decrypted names and ID numbers only, it lives in memory while the sandbox is
unlocked and is dropped with it. A query is matched, case- and whitespace-insensitively, as
a Chinese substring of the name, full pinyin without tones (prefix, or from any syllable on),
initials ("zs" for 张三) or the last four characters of the ID number ("1234", "123X").
Hits rank: exact name, name prefix, initials prefix, pinyin prefix, substring; within a rank
by pinyin, then name. Every reading of a polyphonic character is indexed, so either spelling
finds the person; surnames put their surname reading first (曾 zeng, 单 shan, 尉迟 yuchi).
"""

from __future__ import annotations

import heapq
import itertools
import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pypinyin import Style, pinyin

from app.domain.records import Person
from app.store.columns import Damaged
from app.store.store import Store

# Surname readings that differ from the character's everyday reading, or that pypinyin
# lists after a commoner one. The other readings stay indexed, as a worker may type them.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "尉": "wei",
    "种": "chong",
    "重": "chong",
    "秘": "bi",
    "冼": "xian",
    "繁": "po",
    "员": "yun",
    "能": "nai",
    "柏": "bai",
    "薄": "bo",
    "折": "she",
    "句": "gou",
    "宿": "su",
    "召": "shao",
    "隗": "wei",
    "訾": "zi",
    "郇": "huan",
    "厍": "she",
    "都": "du",
    "朝": "chao",
    "沈": "shen",
    "藏": "zang",
    "牟": "mou",
    "祭": "zhai",
    "佴": "nai",
    "莘": "shen",
    "颉": "xie",
    "谌": "chen",
    "褚": "chu",
    "蕃": "pi",
    "长": "chang",
    "行": "xing",
}

# Two-character surnames read differently from their characters on their own.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "令狐": ("ling", "hu"),
    "乐正": ("yue", "zheng"),
    "亓官": ("qi", "guan"),
    "东方": ("dong", "fang"),
    "欧阳": ("ou", "yang"),
    "皇甫": ("huang", "fu"),
    "司马": ("si", "ma"),
    "上官": ("shang", "guan"),
    "诸葛": ("zhu", "ge"),
}

MAX_VARIANTS = 16  # spellings indexed per name; past it, one polyphonic swap at a time

_IGNORED = re.compile(r"[\s·•・.．'’\-‐_]+")
_ASCII_RUN = re.compile(r"[a-z0-9]+")
_ID_TAIL = re.compile(r"\d{3}[\dx]")
_LETTERS = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """The form names and queries are compared in: NFKC, casefolded, no spaces or dots."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f"


@dataclass(frozen=True)
class SearchHit:
    """One person found; `matched` says how: "name", "pinyin", "initials" or "id_last4"."""

    person_id: str
    household_id: str
    name: str
    area_code: str
    matched: str


@dataclass(slots=True)
class _Entry:
    person_id: str
    household_id: str
    name: str
    area_code: str
    id_last4: str
    order: tuple[str, str, str]
    name_rows: list[tuple[str, int, int]]
    pinyin_rows: list[tuple[str, int, int]]
    initials_rows: list[tuple[str, int, int]]


# Ranks, best first, and what each reports as `matched`.
_EXACT, _NAME_PREFIX, _INITIALS_PREFIX, _PINYIN_PREFIX, _SUBSTRING = range(5)


@dataclass
class SearchIndex:
    """The index of one unlocked sandbox; `damaged_ids` lists persons it had to skip.

    Each key list holds (suffix, entry, position) sorted, so a prefix of any suffix, that
    is a substring starting at a character or a syllable, is a bisect away."""

    damaged_ids: list[str] = field(default_factory=list)
    _entries: dict[int, _Entry] = field(default_factory=dict, repr=False)
    _by_person: dict[str, int] = field(default_factory=dict, repr=False)
    _names: list[tuple[str, int, int]] = field(default_factory=list, repr=False)
    _pinyin: list[tuple[str, int, int]] = field(default_factory=list, repr=False)
    _initials: list[tuple[str, int, int]] = field(default_factory=list, repr=False)
    _id_tails: dict[str, set[int]] = field(default_factory=dict, repr=False)
    _household_area: dict[str, str] = field(default_factory=dict, repr=False)
    _readings: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _next_key: int = field(default=0, repr=False)

    # --- building ---------------------------------------------------------------------

    @classmethod
    def build(cls, store: Store) -> SearchIndex:
        """Index every person of `store`; decrypts only names and ID numbers."""
        index = cls()
        index._household_area = {
            row["id"]: row["area_code"]
            for row in store.iter_rows("household", columns=("id", "area_code"))
        }
        rows = store.iter_rows(
            "person", columns=("id", "household_id", "area_code", "name", "id_number")
        )
        for row in rows:
            name, id_number = row["name"], row["id_number"]
            if isinstance(name, Damaged) or isinstance(id_number, Damaged) or not name:
                index.damaged_ids.append(row["id"])
                continue
            entry = index._add(row["id"], row["household_id"], row["area_code"], name, id_number)
            index._names.extend(entry.name_rows)
            index._pinyin.extend(entry.pinyin_rows)
            index._initials.extend(entry.initials_rows)
        index._names.sort()
        index._pinyin.sort()
        index._initials.sort()
        return index

    def upsert(self, person: Person) -> None:
        """Index a new person, or re-index one after an edit."""
        self.remove(person.id)
        if person.id in self.damaged_ids:
            self.damaged_ids.remove(person.id)
        entry = self._add(
            person.id, person.household_id, person.area_code, person.name, person.id_number
        )
        for rows, keys in (
            (entry.name_rows, self._names),
            (entry.pinyin_rows, self._pinyin),
            (entry.initials_rows, self._initials),
        ):
            for row in rows:
                insort(keys, row)

    def set_household_area(self, household_id: str, area_code: str) -> None:
        """A household moved to another area: its members follow it in the area filter."""
        self._household_area[household_id] = area_code
        for entry in self._entries.values():
            if entry.household_id == household_id:
                entry.area_code = area_code

    def remove(self, person_id: str) -> None:
        """Forget a person; unknown ids are ignored."""
        key = self._by_person.pop(person_id, None)
        if key is None:
            return
        entry = self._entries.pop(key)
        for rows, keys in (
            (entry.name_rows, self._names),
            (entry.pinyin_rows, self._pinyin),
            (entry.initials_rows, self._initials),
        ):
            for row in rows:
                at = bisect_left(keys, row)
                if at < len(keys) and keys[at] == row:
                    del keys[at]
        tails = self._id_tails.get(entry.id_last4)
        if tails is not None:
            tails.discard(key)

    def __len__(self) -> int:
        return len(self._entries)

    def _add(
        self, person_id: str, household_id: str, area_code: str, name: str, id_number: str | None
    ) -> _Entry:
        key = self._next_key
        self._next_key += 1
        folded = fold(name)
        variants = self._spellings(folded)
        primary = "".join(variants[0]) if variants else folded
        entry = _Entry(
            person_id=person_id,
            household_id=household_id,
            name=name,
            area_code=self._household_area.get(household_id, area_code),
            id_last4=fold(id_number)[-4:] if id_number else "",
            order=(primary, name, person_id),
            name_rows=[(folded[i:], key, i) for i in range(len(folded))],
            pinyin_rows=[],
            initials_rows=[],
        )
        pinyin_rows: set[tuple[str, int, int]] = set()
        initials_rows: set[tuple[str, int, int]] = set()
        for syllables in variants:
            initials = "".join(s[0] for s in syllables)
            for i in range(len(syllables)):
                pinyin_rows.add(("".join(syllables[i:]), key, i))
                initials_rows.add((initials[i:], key, i))
        entry.pinyin_rows = sorted(pinyin_rows)
        entry.initials_rows = sorted(initials_rows)
        self._entries[key] = entry
        self._by_person[person_id] = key
        if entry.id_last4:
            self._id_tails.setdefault(entry.id_last4, set()).add(key)
        return entry

    # --- pinyin -----------------------------------------------------------------------

    def _char_readings(self, ch: str) -> tuple[str, ...]:
        """Every toneless reading of a character, cached: a roster has few distinct ones."""
        readings = self._readings.get(ch)
        if readings is None:
            found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
            spelled = [r for r in (found[0] if found else []) if _LETTERS.fullmatch(r)]
            # ü is typed v by most, u by some (吕 lv / lu): index both.
            spelled += [r.replace("v", "u") for r in spelled if "v" in r]
            readings = tuple(dict.fromkeys(spelled))
            self._readings[ch] = readings
        return readings

    def _syllable_choices(self, folded: str) -> list[tuple[str, ...]]:
        """Per syllable of a folded name, its readings, the likeliest first."""
        choices: list[tuple[str, ...]] = []
        surname = COMPOUND_SURNAMES.get(folded[:2])
        at = 0
        if surname is not None:
            for ch, reading in zip(folded[:2], surname, strict=True):
                choices.append(_first(reading, self._char_readings(ch)))
            at = 2
        elif folded and folded[0] in SURNAME_READINGS:
            choices.append(_first(SURNAME_READINGS[folded[0]], self._char_readings(folded[0])))
            at = 1
        while at < len(folded):
            ch = folded[at]
            if _is_han(ch):
                readings = self._char_readings(ch)
                if readings:
                    choices.append(readings)
                at += 1
                continue
            run = _ASCII_RUN.match(folded, at)
            if run is not None:
                choices.append((run.group(),))
                at = run.end()
            else:
                at += 1
        return choices

    def _spellings(self, folded: str) -> list[tuple[str, ...]]:
        """The name's pinyin spellings as syllable tuples, the likeliest first."""
        choices = self._syllable_choices(folded)
        if not choices:
            return []
        total = 1
        for readings in choices:
            total *= len(readings)
        if total <= MAX_VARIANTS:
            return list(itertools.product(*choices))
        likeliest = tuple(r[0] for r in choices)
        swaps = [
            (*likeliest[:i], alt, *likeliest[i + 1 :])
            for i, readings in enumerate(choices)
            for alt in readings[1:]
        ]
        return [likeliest, *swaps]

    # --- searching --------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 50, area_prefix: str | None = None
    ) -> list[SearchHit]:
        """The best `limit` persons for `query`, optionally only within an area code prefix."""
        q = fold(query).replace("ü", "v").replace("u:", "v")
        if not q or limit <= 0:
            return []
        best: dict[int, tuple[int, str]] = {}
        if _ID_TAIL.fullmatch(q):
            for key in self._id_tails.get(q, ()):
                best[key] = (_EXACT, "id_last4")
        else:
            self._match(best, self._names, q, "name", _EXACT, _NAME_PREFIX)
            if _LETTERS.fullmatch(q):
                self._match(best, self._initials, q, "initials", None, _INITIALS_PREFIX)
                self._match(best, self._pinyin, q, "pinyin", None, _PINYIN_PREFIX)
        entries = self._entries
        candidates: Iterator[tuple[int, tuple[str, str, str], int, str]] = (
            (rank, entries[key].order, key, matched)
            for key, (rank, matched) in best.items()
            if area_prefix is None or entries[key].area_code.startswith(area_prefix)
        )
        return [
            SearchHit(
                person_id=entries[key].person_id,
                household_id=entries[key].household_id,
                name=entries[key].name,
                area_code=entries[key].area_code,
                matched=matched,
            )
            for _, _, key, matched in heapq.nsmallest(limit, candidates)
        ]

    @staticmethod
    def _match(
        best: dict[int, tuple[int, str]],
        keys: list[tuple[str, int, int]],
        q: str,
        matched: str,
        exact_rank: int | None,
        prefix_rank: int,
    ) -> None:
        """Rank every row whose suffix starts with `q`, keeping each entry's best rank."""
        substring = matched != "initials" or len(q) >= 2
        for suffix, key, position in _starting_with(keys, q):
            if position == 0:
                rank = exact_rank if (exact_rank is not None and suffix == q) else prefix_rank
            elif substring:
                rank = _SUBSTRING
            else:
                continue
            held = best.get(key)
            if held is None or rank < held[0]:
                best[key] = (rank, matched)


def _starting_with(keys: list[tuple[str, int, int]], q: str) -> Iterable[tuple[str, int, int]]:
    at = bisect_left(keys, (q,))
    end = len(keys)
    while at < end:
        row = keys[at]
        if not row[0].startswith(q):
            return
        yield row
        at += 1


def _first(reading: str, readings: tuple[str, ...]) -> tuple[str, ...]:
    return (reading, *(r for r in readings if r != reading))
