"""Name search after unlock (姓名检索): an in-memory index of names, pinyin, initials, ID tails.

Built from the decrypted names and ID numbers only, it lives in memory while the sandbox is
unlocked and is dropped with it. A query is matched, case- and whitespace-insensitively, as
a Chinese substring of the name, full pinyin without tones (prefix, or from any syllable on),
initials ("zs" for 张三) or the last four characters of the ID number ("1234", "123X").
Hits rank: exact name, name prefix, initials prefix, pinyin prefix, substring; within a rank
matches through the likeliest spelling first, then by pinyin and name. Every reading of a
polyphonic character is indexed, so either spelling finds the person; a surname's own
reading counts as its likeliest (曾 zeng, 单 shan, 尉迟 yuchi).
"""

from __future__ import annotations

import heapq
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

MAX_VARIANTS = 16  # spellings indexed per name; past it, those with fewest rarer readings

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
# A hit is scored as one int, smaller is better: rank, rarer reading, the person's place in
# the pinyin order, and (lowest bits) how it matched.
_KINDS = ("name", "initials", "pinyin", "id_last4")
_NAME, _INITIALS, _PINYIN, _ID_LAST4 = range(4)
_PLACE_BITS = 32
_PLACE_MASK = (1 << _PLACE_BITS) - 1

Spelling = tuple[str, str, int]  # pinyin, initials, how many rarer readings it uses
Texts = tuple[tuple[str, int], ...]  # (text, 1 if only a rarer reading spells it else 0)


@dataclass(slots=True)
class _Form:
    """A whole folded name, and the persons (entry keys) who bear it."""

    number: int
    primary: str  # its likeliest pinyin: the order within a rank
    members: list[int]


@dataclass(slots=True)
class _Tail:
    """What follows the first character of names (建国 of 陈建国): a name searched from
    its middle matches a tail, and through it every name form that ends with it."""

    number: int
    spellings: list[Spelling]
    parents: list[int]


@dataclass(slots=True)
class _Entry:
    person_id: str
    household_id: str
    name: str
    area_code: str
    id_last4: str
    order: tuple[str, str, str]
    form: _Form


class _Postings:
    """Distinct texts kept sorted, each with the codes (number * 2 + rarer reading) of
    the forms or tails indexed under it: a prefix query is a bisect and a short walk."""

    __slots__ = ("codes", "texts")

    def __init__(self) -> None:
        self.codes: dict[str, list[int]] = {}
        self.texts: list[str] = []

    def add(self, texts: Texts, number: int, *, keep_sorted: bool) -> None:
        own = self.codes
        for text, rarer in texts:
            codes = own.get(text)
            if codes is not None:
                codes.append(number * 2 + rarer)
                continue
            own[text] = [number * 2 + rarer]
            if keep_sorted:
                insort(self.texts, text)

    def sort(self) -> None:
        self.texts = sorted(self.codes)

    def starting_with(self, prefix: str) -> Iterator[tuple[str, list[int]]]:
        texts, at = self.texts, bisect_left(self.texts, prefix)
        while at < len(texts) and texts[at].startswith(prefix):
            yield texts[at], self.codes[texts[at]]
            at += 1


class SearchIndex:
    """The name index of one unlocked sandbox; `damaged_ids` lists persons it skipped.

    Pinyin is worked out once per distinct character, once per distinct name and once
    per distinct name ending, so 30,000 persons index in a fraction of a second."""

    def __init__(self) -> None:
        self.damaged_ids: list[str] = []
        self._entries: dict[int, _Entry] = {}
        self._by_person: dict[str, int] = {}
        self._id_tails: dict[str, set[int]] = {}
        self._household_area: dict[str, str] = {}
        self._readings: dict[str, tuple[str, ...]] = {}
        self._forms: dict[str, _Form] = {}
        self._form_list: list[_Form] = []
        self._tails: dict[str, _Tail] = {}
        self._tail_list: list[_Tail] = []
        # Keys index `_place`; `_ordered` sorts (order, key) and gives each key its place.
        self._place: list[int] = []
        self._ordered: list[tuple[tuple[str, str, str], int]] = []
        self._by_place: list[int] = []
        self._placed = True
        # Whole names: by name, initials and pinyin from their start; tails: the same.
        self._name_start, self._name_inner = _Postings(), _Postings()
        self._initials_start, self._initials_inner = _Postings(), _Postings()
        self._pinyin_start, self._pinyin_inner = _Postings(), _Postings()
        self._building = False

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
        index._building = True
        for row in rows:
            name, id_number = row["name"], row["id_number"]
            if isinstance(name, Damaged) or isinstance(id_number, Damaged) or not name:
                index.damaged_ids.append(row["id"])
                continue
            index._add(row["id"], row["household_id"], row["area_code"], name, id_number)
        index._building = False
        for postings in index._all_postings():
            postings.sort()
        index._ordered.sort()
        index._place_all()
        return index

    def upsert(self, person: Person) -> None:
        """Index a new person, or re-index one after an edit."""
        self.remove(person.id)
        if person.id in self.damaged_ids:
            self.damaged_ids.remove(person.id)
        self._add(person.id, person.household_id, person.area_code, person.name, person.id_number)

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
        entry.form.members.remove(key)
        at = bisect_left(self._ordered, (entry.order, key))
        if at < len(self._ordered) and self._ordered[at][1] == key:
            del self._ordered[at]
        self._id_tails.get(entry.id_last4, set()).discard(key)

    def __len__(self) -> int:
        return len(self._entries)

    def pinyin_place(self, person_id: str) -> int | None:
        """Where the person's name comes in the index's pinyin order (None: not indexed)."""
        key = self._by_person.get(person_id)
        if key is None:
            return None
        if not self._placed:
            self._place_all()
        return self._place[key]

    def _all_postings(self) -> tuple[_Postings, ...]:
        return (
            self._name_start,
            self._initials_start,
            self._pinyin_start,
            self._name_inner,
            self._initials_inner,
            self._pinyin_inner,
        )

    def _add(
        self, person_id: str, household_id: str, area_code: str, name: str, id_number: str | None
    ) -> None:
        key = len(self._place)
        self._place.append(0)
        form = self._form(fold(name))
        entry = _Entry(
            person_id=person_id,
            household_id=household_id,
            name=name,
            area_code=self._household_area.get(household_id, area_code),
            id_last4=id_number[-4:].lower() if id_number else "",
            order=(form.primary, name, person_id),
            form=form,
        )
        form.members.append(key)
        self._entries[key] = entry
        self._by_person[person_id] = key
        if entry.id_last4:
            self._id_tails.setdefault(entry.id_last4, set()).add(key)
        if self._building:
            self._ordered.append((entry.order, key))
        else:
            insort(self._ordered, (entry.order, key))
            self._placed = False

    def _place_all(self) -> None:
        """Give every person its place in the pinyin order (after a build or new persons)."""
        place = self._place
        for at, (_, key) in enumerate(self._ordered):
            place[key] = at
        self._by_place = [key for _, key in self._ordered]
        self._placed = True

    def _form(self, folded: str) -> _Form:
        """The form of a whole name, indexed (with its tails) the first time it is seen."""
        form = self._forms.get(folded)
        if form is not None:
            return form
        heads: list[tuple[str, ...]] = []
        rest = folded
        compound = COMPOUND_SURNAMES.get(folded[:2])
        if compound is not None:
            heads = [
                _first(r, self._char_readings(ch))
                for ch, r in zip(folded[:2], compound, strict=True)
            ]
            rest = folded[2:]
        elif folded[:1] in SURNAME_READINGS:
            heads = [_first(SURNAME_READINGS[folded[0]], self._char_readings(folded[0]))]
            rest = folded[1:]
        elif folded:
            head, rest = self._first_syllable(folded)
            heads = [head]
        spellings = self._tail(rest).spellings if rest else _nothing()
        for head in reversed(heads):
            spellings = _combine(head, spellings)
        form = _Form(
            number=len(self._form_list),
            primary=spellings[0][0] or folded,
            members=[],
        )
        self._forms[folded] = form
        self._form_list.append(form)
        pinyin_texts, initials_texts = _texts(spellings)
        sort = not self._building
        self._name_start.add(((folded, 0),) if folded else (), form.number, keep_sorted=sort)
        self._initials_start.add(initials_texts, form.number, keep_sorted=sort)
        self._pinyin_start.add(pinyin_texts, form.number, keep_sorted=sort)
        for i in range(1, len(folded)):
            self._tail(folded[i:]).parents.append(form.number)
        return form

    def _tail(self, text: str) -> _Tail:
        """The tail `text`, read without surname rules; built from its own tail."""
        tail = self._tails.get(text)
        if tail is not None:
            return tail
        head, rest = self._first_syllable(text)
        # Spell the rest first: it may add tails, and so take numbers, itself.
        spellings = _combine(head, self._tail(rest).spellings if rest else _nothing())
        tail = _Tail(number=len(self._tail_list), spellings=spellings, parents=[])
        self._tails[text] = tail
        self._tail_list.append(tail)
        pinyin_texts, initials_texts = _texts(tail.spellings)
        sort = not self._building
        self._name_inner.add(((text, 0),), tail.number, keep_sorted=sort)
        self._initials_inner.add(initials_texts, tail.number, keep_sorted=sort)
        self._pinyin_inner.add(pinyin_texts, tail.number, keep_sorted=sort)
        return tail

    # --- pinyin -----------------------------------------------------------------------

    def _first_syllable(self, text: str) -> tuple[tuple[str, ...], str]:
        """The readings of the syllable `text` starts with, and the text after it."""
        ch = text[0]
        if _is_han(ch):
            return self._char_readings(ch), text[1:]
        run = _ASCII_RUN.match(text)
        if run is not None:
            return (run.group(),), text[run.end() :]
        return (), text[1:]

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

    # --- searching --------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 50, area_prefix: str | None = None
    ) -> list[SearchHit]:
        """The best `limit` persons for `query`, optionally only within an area code prefix."""
        q = fold(query).replace("ü", "v").replace("u:", "v")
        if not q or limit <= 0:
            return []
        if not self._placed:
            self._place_all()
        entries, place = self._entries, self._place
        best: dict[int, int] = {}  # key -> score
        if _ID_TAIL.fullmatch(q):
            for key in self._id_tails.get(q, ()):
                if area_prefix is None or entries[key].area_code.startswith(area_prefix):
                    best[key] = place[key] << 2 | _ID_LAST4
        else:
            forms, tails = self._form_list, self._tail_list
            worst = _EXACT
            for postings, kind, rank, inner in self._tiers(q):
                if rank > worst and len(best) >= limit:
                    break  # every later hit would rank below `limit` better ones
                worst = rank
                for text, codes in postings.starting_with(q):
                    here = _EXACT if (rank == _NAME_PREFIX and text == q) else rank
                    for code in codes:
                        base = (here * 2 + (code & 1)) << (_PLACE_BITS + 2) | kind
                        groups = (
                            [forms[parent].members for parent in tails[code >> 1].parents]
                            if inner
                            else [forms[code >> 1].members]
                        )
                        for members in groups:
                            for key in members:
                                if area_prefix is not None and not entries[
                                    key
                                ].area_code.startswith(area_prefix):
                                    continue
                                score = base | place[key] << 2
                                held = best.get(key)
                                if held is None or score < held:
                                    best[key] = score
        hits = []
        for score in heapq.nsmallest(limit, best.values()):
            entry = entries[self._by_place[score >> 2 & _PLACE_MASK]]
            hits.append(
                SearchHit(
                    person_id=entry.person_id,
                    household_id=entry.household_id,
                    name=entry.name,
                    area_code=entry.area_code,
                    matched=_KINDS[score & 3],
                )
            )
        return hits

    def _tiers(self, q: str) -> list[tuple[_Postings, int, int, bool]]:
        """Where to look for `q`, best rank first: (postings, kind, rank, on tails)."""
        tiers = [(self._name_start, _NAME, _NAME_PREFIX, False)]
        letters = _LETTERS.fullmatch(q) is not None
        if letters:
            tiers += [
                (self._initials_start, _INITIALS, _INITIALS_PREFIX, False),
                (self._pinyin_start, _PINYIN, _PINYIN_PREFIX, False),
            ]
        tiers.append((self._name_inner, _NAME, _SUBSTRING, True))
        if letters:
            tiers.append((self._pinyin_inner, _PINYIN, _SUBSTRING, True))
            # One letter inside the initials is no search anyone means.
            if len(q) >= 2:
                tiers.append((self._initials_inner, _INITIALS, _SUBSTRING, True))
        return tiers


def _nothing() -> list[Spelling]:
    """The one spelling of the end of a name: no syllables."""
    return [("", "", 0)]


def _first(reading: str, readings: tuple[str, ...]) -> tuple[str, ...]:
    return (reading, *(r for r in readings if r != reading))


def _combine(head: tuple[str, ...], spellings: list[Spelling]) -> list[Spelling]:
    """Spellings of a syllable followed by `spellings`, the likeliest first, at most
    MAX_VARIANTS (those with the fewest rarer readings are kept)."""
    if not head:
        return spellings
    out = [
        (reading + pinyin_text, reading[0] + initials, rarer + (n > 0))
        for n, reading in enumerate(head)
        for pinyin_text, initials, rarer in spellings
    ]
    if len(out) > MAX_VARIANTS:
        out = sorted(out, key=lambda spelling: spelling[2])[:MAX_VARIANTS]
    return out


def _texts(spellings: list[Spelling]) -> tuple[Texts, Texts]:
    """Full pinyin and initials of spellings, each flagged 1 if no likeliest one has it."""
    pinyin_texts: dict[str, int] = {}
    initials_texts: dict[str, int] = {}
    for pinyin_text, initials, rarer in spellings:
        if not pinyin_text:
            continue
        flag = 1 if rarer else 0
        if pinyin_texts.get(pinyin_text, 2) > flag:
            pinyin_texts[pinyin_text] = flag
        if initials_texts.get(initials, 2) > flag:
            initials_texts[initials] = flag
    return tuple(pinyin_texts.items()), tuple(initials_texts.items())
