"""A fixed gazetteer of Jinhua for demo data (演示用区划): counties, townships, villages.

Counties carry their real codes. Township names are the real 街道 / 镇 / 乡 of each county;
the DOMAIN.md examples (安地镇 330702102, 孝顺镇 330703101, 佛堂镇 330782100, 横店镇
330783123) keep their official codes and the others are numbered in the national ranges,
so their codes may differ from the official list. Villages and communities are generated
from the township code alone (岩头村 330702102201 is real): the same code always has the
same name, whatever the seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from functools import cache

from app.demo.texts import words
from app.domain.areas import COUNTIES, township_kind, village_kind

TOWNSHIPS: dict[str, str] = {
    # 婺城区
    "330702001": "城东街道",
    "330702002": "城中街道",
    "330702003": "城西街道",
    "330702004": "城北街道",
    "330702005": "江南街道",
    "330702006": "西关街道",
    "330702007": "秋滨街道",
    "330702008": "新狮街道",
    "330702009": "三江街道",
    "330702100": "罗店镇",
    "330702101": "雅畈镇",
    "330702102": "安地镇",
    "330702103": "白龙桥镇",
    "330702104": "琅琊镇",
    "330702105": "蒋堂镇",
    "330702106": "汤溪镇",
    "330702107": "罗埠镇",
    "330702108": "洋埠镇",
    "330702200": "苏孟乡",
    "330702201": "竹马乡",
    "330702202": "长山乡",
    "330702203": "乾西乡",
    "330702204": "莘畈乡",
    "330702205": "塔石乡",
    "330702206": "沙畈乡",
    "330702207": "岭上乡",
    "330702208": "箬阳乡",
    # 金东区
    "330703001": "多湖街道",
    "330703002": "东孝街道",
    "330703101": "孝顺镇",
    "330703102": "傅村镇",
    "330703103": "曹宅镇",
    "330703104": "澧浦镇",
    "330703105": "岭下镇",
    "330703106": "江东镇",
    "330703107": "塘雅镇",
    "330703108": "赤松镇",
    "330703200": "源东乡",
    # 武义县
    "330723001": "白洋街道",
    "330723002": "武阳街道",
    "330723003": "壶山街道",
    "330723004": "熟溪街道",
    "330723100": "履坦镇",
    "330723101": "桐琴镇",
    "330723102": "泉溪镇",
    "330723103": "宣平镇",
    "330723104": "柳城畲族镇",
    "330723105": "王宅镇",
    "330723106": "桃溪镇",
    "330723107": "茭道镇",
    "330723108": "新宅镇",
    "330723200": "大田乡",
    "330723201": "白姆乡",
    "330723202": "俞源乡",
    "330723203": "坦洪乡",
    "330723204": "西联乡",
    "330723205": "三港乡",
    "330723206": "大溪口乡",
    # 浦江县
    "330726001": "浦阳街道",
    "330726002": "仙华街道",
    "330726003": "浦南街道",
    "330726100": "岩头镇",
    "330726101": "黄宅镇",
    "330726102": "郑宅镇",
    "330726103": "檀溪镇",
    "330726104": "杭坪镇",
    "330726105": "白马镇",
    "330726106": "郑家坞镇",
    "330726107": "潘宅镇",
    "330726200": "大畈乡",
    "330726201": "虞宅乡",
    "330726202": "中余乡",
    "330726203": "花桥乡",
    "330726204": "前吴乡",
    # 磐安县
    "330727001": "安文街道",
    "330727002": "新渥街道",
    "330727100": "尚湖镇",
    "330727101": "方前镇",
    "330727102": "玉山镇",
    "330727103": "尖山镇",
    "330727104": "仁川镇",
    "330727105": "大盘镇",
    "330727106": "冷水镇",
    "330727200": "双峰乡",
    "330727201": "双溪乡",
    "330727202": "窈川乡",
    "330727203": "九和乡",
    "330727204": "维新乡",
    "330727205": "胡宅乡",
    "330727206": "万苍乡",
    "330727207": "盘峰乡",
    # 兰溪市
    "330781001": "兰江街道",
    "330781002": "云山街道",
    "330781003": "上华街道",
    "330781004": "永昌街道",
    "330781005": "赤溪街道",
    "330781006": "女埠街道",
    "330781100": "游埠镇",
    "330781101": "诸葛镇",
    "330781102": "马涧镇",
    "330781103": "香溪镇",
    "330781104": "黄店镇",
    "330781105": "梅江镇",
    "330781106": "横溪镇",
    "330781200": "灵洞乡",
    "330781201": "柏社乡",
    "330781202": "水亭畲族乡",
    # 义乌市
    "330782001": "稠城街道",
    "330782002": "北苑街道",
    "330782003": "稠江街道",
    "330782004": "江东街道",
    "330782005": "后宅街道",
    "330782006": "城西街道",
    "330782007": "廿三里街道",
    "330782008": "福田街道",
    "330782100": "佛堂镇",
    "330782101": "赤岸镇",
    "330782102": "义亭镇",
    "330782103": "上溪镇",
    "330782104": "苏溪镇",
    "330782105": "大陈镇",
    # 东阳市
    "330783001": "吴宁街道",
    "330783002": "南市街道",
    "330783003": "白云街道",
    "330783004": "江北街道",
    "330783005": "城东街道",
    "330783006": "六石街道",
    "330783101": "巍山镇",
    "330783102": "虎鹿镇",
    "330783103": "歌山镇",
    "330783104": "佐村镇",
    "330783105": "东阳江镇",
    "330783106": "湖溪镇",
    "330783107": "马宅镇",
    "330783108": "千祥镇",
    "330783109": "南马镇",
    "330783110": "画水镇",
    "330783123": "横店镇",
    "330783200": "三单乡",
    # 永康市
    "330784001": "东城街道",
    "330784002": "西城街道",
    "330784003": "江南街道",
    "330784100": "石柱镇",
    "330784101": "前仓镇",
    "330784102": "舟山镇",
    "330784103": "古山镇",
    "330784104": "方岩镇",
    "330784105": "龙山镇",
    "330784106": "西溪镇",
    "330784107": "象珠镇",
    "330784108": "唐先镇",
    "330784109": "花街镇",
    "330784110": "芝英镇",
}

# The DOMAIN.md examples lead their county, so a small demo shows the places people know.
FEATURED_TOWNSHIPS = ("330702102", "330703101", "330782100", "330783123")
REAL_VILLAGES: dict[str, str] = {"330702102201": "岩头村"}

# County seats (lat, lon): demo households are placed around them.
COUNTY_CENTRES: dict[str, tuple[float, float]] = {
    "330702": (29.079, 119.652),
    "330703": (29.099, 119.703),
    "330723": (28.893, 119.816),
    "330726": (29.452, 119.892),
    "330727": (29.054, 120.450),
    "330781": (29.208, 119.460),
    "330782": (29.306, 120.075),
    "330783": (29.289, 120.241),
    "330784": (28.888, 120.047),
}

_SURNAME_PLACES = "王陈吴金楼傅朱胡周徐方应叶何蒋郑吕童俞施邵卢潘章"
_POSITIONS = "前后上下东西南北大小里外新"
_PLACE_SUFFIXES = ("宅", "店", "坞", "塘", "家", "村", "山", "畈", "溪", "桥", "岙", "源", "庄")
_LANDSCAPES = words(
    "岩头 溪口 石门 山下 塘下 桥头 樟树 竹园 坑口 岭脚 上田 下湖 新屋 松山 桃源 梅溪 清溪 "
    "龙潭 凤凰 白沙 青山 石塔 荷塘 水碓 岭下 里塘 古楼 杨梅 枫林 茶山 石坑 双溪 高塘 安基 "
    "塘头 后垄 黄泥 牌楼 长林 坑边 官田 湖头 曹村 罗源 山坑 岩后 环溪 马岭 金竹 楂林"
)
_COMMUNITY_NAMES = words(
    "江滨 新华 东苑 丹溪 八一 人民 望江 和平 春江 胜利 幸福 清风 东湖 兴华 宾虹 五一 "
    "三江 光明 金山 桂苑 明月 湖海 稠州 宾王 雪峰 中山 文昌 惠民 青春 南苑 北门 康乐 "
    "新城 锦绣 柳湖 荷花 紫金 通济 双龙 百花 白沙 花园 商城 春华 丽景 湖畔"
)
_TOWNSHIP_STEMS = words("新安 长乐 清源 龙泉 石湖 凤山 梅林 高峰 松溪 竹溪 云峰 白石")


class UnknownCounty(ValueError):
    """The scope names a county outside Jinhua."""


def _gazetteer_rng(code: str) -> random.Random:
    """A generator that depends on the code only: a village keeps its name under any seed."""
    digest = hashlib.blake2b(code.encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def county_name(county: str) -> str:
    if county not in COUNTIES:
        raise UnknownCounty(f"演示数据只覆盖金华市的九个县（市、区），没有 {county}")
    return COUNTIES[county]


def townships_of(county: str) -> list[str]:
    """The township codes of a county, the DOMAIN.md example first."""
    county_name(county)
    codes = [code for code in TOWNSHIPS if code.startswith(county)]
    return sorted(codes, key=lambda code: (code not in FEATURED_TOWNSHIPS, code))


def township_name(township: str) -> str:
    """The real name, or for a code outside the table a plausible one of the right kind."""
    if township in TOWNSHIPS:
        return TOWNSHIPS[township]
    county_name(township[:6])
    stem = _gazetteer_rng(township).choice(_TOWNSHIP_STEMS)
    return stem + township_kind(township + "000")


@cache
def villages_of(township: str) -> dict[str, str]:
    """The villages (村, 201–) and communities (社区, 001–) of a township, in code order.

    街道 are mostly communities, 镇 a few communities and many villages, 乡 villages only.
    """
    rng = _gazetteer_rng(township)
    kind = township_kind(township + "000")
    if kind == "街道":
        communities, villages = rng.randint(5, 10), rng.randint(0, 5)
    elif kind == "镇":
        communities, villages = rng.randint(1, 3), rng.randint(10, 24)
    else:
        communities, villages = 0, rng.randint(6, 14)
    codes = [f"{township}{n:03d}" for n in range(1, communities + 1)]
    codes += [f"{township}{n:03d}" for n in range(201, 201 + villages)]
    taken = {name for code, name in REAL_VILLAGES.items() if code.startswith(township)}
    names: dict[str, str] = {}
    for code in codes:
        if code in REAL_VILLAGES:
            names[code] = REAL_VILLAGES[code]
            continue
        name = _new_village_name(rng, village_kind(code))
        while name in taken:
            name = _new_village_name(rng, village_kind(code))
        taken.add(name)
        names[code] = name
    return names


def village_name(village: str) -> str:
    """A village's name from the gazetteer, or a generated one for a code outside it."""
    known = villages_of(village[:9])
    if village in known:
        return known[village]
    if village in REAL_VILLAGES:
        return REAL_VILLAGES[village]
    return _new_village_name(_gazetteer_rng(village), village_kind(village))


def _new_village_name(rng: random.Random, kind: str) -> str:
    if kind == "社区":
        return rng.choice(_COMMUNITY_NAMES) + "社区"
    pattern = rng.random()
    if pattern < 0.3:
        stem = rng.choice(_POSITIONS) + rng.choice(_SURNAME_PLACES)
    elif pattern < 0.55:
        stem = rng.choice(_SURNAME_PLACES) + rng.choice(_PLACE_SUFFIXES)
    else:
        stem = rng.choice(_LANDSCAPES)
    return stem.removesuffix("村") + "村"


def area_centre(code: str) -> tuple[float, float]:
    """A point for a township or village: its county seat moved by an offset fixed by the code."""
    lat, lon = COUNTY_CENTRES[code[:6]]
    if len(code) >= 9:
        rng = _gazetteer_rng("centre" + code[:9])
        lat, lon = lat + rng.uniform(-0.12, 0.12), lon + rng.uniform(-0.14, 0.14)
    if len(code) == 12:
        rng = _gazetteer_rng("centre" + code)
        lat, lon = lat + rng.uniform(-0.025, 0.025), lon + rng.uniform(-0.03, 0.03)
    return lat, lon


def candidate_villages(scope: str, rng: random.Random) -> Iterator[str]:
    """Villages of one scope code in the order demo households fill them.

    A county's townships are taken in turn (the DOMAIN.md example first), a few villages
    each, so a small demo still spans several townships and a large one fills them all.
    """
    if len(scope) == 12:
        yield scope
        return
    townships = [scope] if len(scope) == 9 else townships_of(scope)
    queues: list[list[str]] = []
    for township in townships:
        villages = list(villages_of(township))
        real = [code for code in villages if code in REAL_VILLAGES]
        rest = [code for code in villages if code not in REAL_VILLAGES]
        rng.shuffle(rest)
        queues.append(real + rest)
    while any(queues):
        for queue in queues:
            take = rng.randint(2, 4)
            for _ in range(min(take, len(queue))):
                yield queue.pop(0)
