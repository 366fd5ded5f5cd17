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
from collections.abc import Iterator
from dataclasses import dataclass

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


# Ranks, best first. Within a rank, a match through the likeliest spelling comes before
# one through a rarer reading (丁 is also zheng), then the order is by pinyin and name.
_EXACT, _NAME_PREFIX, _INITIALS_PREFIX, _PINYIN_PREFIX, _SUBSTRING = range(5)

Texts = tuple[tuple[str, int], ...]  # (text, 1 if only a rarer reading spells it else 0)


@dataclass(frozen=True, slots=True)
class _Forms:
    """What one folded name is indexed under; shared by everyone with that name.

    `groups` pairs with `SearchIndex._groups`: name, initials and pinyin texts starting
    at the first character or syllable, then those starting at a later one."""

    primary: str
    groups: tuple[Texts, Texts, Texts, Texts, Texts, Texts]


@dataclass(slots=True)
class _Entry:
    person_id: str
    household_id: str
    name: str
    area_code: str
    id_last4: str
    order: tuple[str, str, str]
    forms: _Forms


class _Postings:
    """Distinct texts kept sorted, each with the codes (entry key * 2 + rarer reading)
    of the entries indexed under it: a prefix query is a bisect and a short walk."""

    __slots__ = ("codes", "texts")

    def __init__(self) -> None:
        self.codes: dict[str, list[int]] = {}
        self.texts: list[str] = []

    def add(self, text: str, code: int, *, keep_sorted: bool) -> None:
        codes = self.codes.get(text)
        if codes is not None:
            codes.append(code)
            return
        self.codes[text] = [code]
        if keep_sorted:
            insort(self.texts, text)

    def sort(self) -> None:
        self.texts = sorted(self.codes)

    def discard(self, text: str, code: int) -> None:
        codes = self.codes.get(text)
        if codes is None or code not in codes:
            return
        codes.remove(code)
        if not codes:
            del self.codes[text]
            at = bisect_left(self.texts, text)
            if at < len(self.texts) and self.texts[at] == text:
                del self.texts[at]

    def starting_with(self, prefix: str) -> Iterator[tuple[str, list[int]]]:
        texts, at = self.texts, bisect_left(self.texts, prefix)
        while at < len(texts) and texts[at].startswith(prefix):
            yield texts[at], self.codes[texts[at]]
            at += 1


class SearchIndex:
    """The name index of one unlocked sandbox; `damaged_ids` lists persons it skipped."""

    def __init__(self) -> None:
        self.damaged_ids: list[str] = []
        self._entries: dict[int, _Entry] = {}
        self._by_person: dict[str, int] = {}
        self._id_tails: dict[str, set[int]] = {}
        self._household_area: dict[str, str] = {}
        self._readings: dict[str, tuple[str, ...]] = {}
        self._forms: dict[str, _Forms] = {}
        self._next_key = 0
        self._name_start, self._name_inner = _Postings(), _Postings()
        self._initials_start, self._initials_inner = _Postings(), _Postings()
        self._pinyin_start, self._pinyin_inner = _Postings(), _Postings()
        self._groups = (
            self._name_start,
            self._initials_start,
            self._pinyin_start,
            self._name_inner,
            self._initials_inner,
            self._pinyin_inner,
        )

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
            index._add(
                row["id"], row["household_id"], row["area_code"], name, id_number, sort=False
            )
        for postings in index._groups:
            postings.sort()
        return index

    def upsert(self, person: Person) -> None:
        """Index a new person, or re-index one after an edit."""
        self.remove(person.id)
        if person.id in self.damaged_ids:
            self.damaged_ids.remove(person.id)
        self._add(
            person.id,
            person.household_id,
            person.area_code,
            person.name,
            person.id_number,
            sort=True,
        )

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
        for postings, texts in zip(self._groups, entry.forms.groups, strict=True):
            for text, rarer in texts:
                postings.discard(text, key * 2 + rarer)
        self._id_tails.get(entry.id_last4, set()).discard(key)

    def __len__(self) -> int:
        return len(self._entries)

    def _add(
        self,
        person_id: str,
        household_id: str,
        area_code: str,
        name: str,
        id_number: str | None,
        *,
        sort: bool,
    ) -> None:
        key = self._next_key
        self._next_key += 1
        folded = fold(name)
        forms = self._forms.get(folded)
        if forms is None:
            forms = self._forms[folded] = self._spell(folded)
        entry = _Entry(
            person_id=person_id,
            household_id=household_id,
            name=name,
            area_code=self._household_area.get(household_id, area_code),
            id_last4=fold(id_number)[-4:] if id_number else "",
            order=(forms.primary, name, person_id),
            forms=forms,
        )
        self._entries[key] = entry
        self._by_person[person_id] = key
        if entry.id_last4:
            self._id_tails.setdefault(entry.id_last4, set()).add(key)
        for postings, texts in zip(self._groups, forms.groups, strict=True):
            for text, rarer in texts:
                postings.add(text, key * 2 + rarer, keep_sorted=sort)

    # --- pinyin -----------------------------------------------------------------------

    def _spell(self, folded: str) -> _Forms:
        """The texts a folded name is found by, from all its pinyin spellings."""
        spellings = self._spellings(folded)
        found: list[dict[str, int]] = [{}, {}, {}, {}]  # initials, pinyin; start, inner
        for n, syllables in enumerate(spellings):
            rarer = 0 if n == 0 else 1
            initials = "".join(s[0] for s in syllables)
            for i in range(len(syllables)):
                at = 0 if i == 0 else 2
                for texts, text in (
                    (found[at], initials[i:]),
                    (found[at + 1], "".join(syllables[i:])),
                ):
                    texts[text] = min(texts.get(text, 1), rarer)
        return _Forms(
            primary="".join(spellings[0]) if spellings else folded,
            groups=(
                ((folded, 0),) if folded else (),
                tuple(found[0].items()),
                tuple(found[1].items()),
                tuple((folded[i:], 0) for i in range(1, len(folded))),
                tuple(found[2].items()),
                tuple(found[3].items()),
            ),
        )

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
        entries = self._entries
        best: dict[int, tuple[int, int, str]] = {}
        if _ID_TAIL.fullmatch(q):
            for key in self._id_tails.get(q, ()):
                if area_prefix is None or entries[key].area_code.startswith(area_prefix):
                    best[key] = (_EXACT, 0, "id_last4")
        else:
            worst = _EXACT
            for postings, matched, rank in self._tiers(q):
                if rank > worst and len(best) >= limit:
                    break  # every later hit would rank below `limit` better ones
                worst = rank
                for text, codes in postings.starting_with(q):
                    here = (
                        _EXACT
                        if (matched == "name" and rank == _NAME_PREFIX and text == q)
                        else rank
                    )
                    for code in codes:
                        key = code >> 1
                        if area_prefix is not None and not entries[key].area_code.startswith(
                            area_prefix
                        ):
                            continue
                        held = best.get(key)
                        if held is None or (here, code & 1) < held[:2]:
                            best[key] = (here, code & 1, matched)
        ranked = heapq.nsmallest(
            limit,
            (
                (rank, rarer, entries[key].order, key, matched)
                for key, (rank, rarer, matched) in best.items()
            ),
        )
        return [
            SearchHit(
                person_id=entries[key].person_id,
                household_id=entries[key].household_id,
                name=entries[key].name,
                area_code=entries[key].area_code,
                matched=matched,
            )
            for _, _, _, key, matched in ranked
        ]

    def _tiers(self, q: str) -> list[tuple[_Postings, str, int]]:
        """Where to look for `q`, best rank first."""
        tiers = [(self._name_start, "name", _NAME_PREFIX)]
        letters = _LETTERS.fullmatch(q) is not None
        if letters:
            tiers += [
                (self._initials_start, "initials", _INITIALS_PREFIX),
                (self._pinyin_start, "pinyin", _PINYIN_PREFIX),
            ]
        tiers.append((self._name_inner, "name", _SUBSTRING))
        if letters:
            tiers.append((self._pinyin_inner, "pinyin", _SUBSTRING))
            # One letter inside the initials is no search anyone means.
            if len(q) >= 2:
                tiers.append((self._initials_inner, "initials", _SUBSTRING))
        return tiers


def _first(reading: str, readings: tuple[str, ...]) -> tuple[str, ...]:
    return (reading, *(r for r in readings if r != reading))
