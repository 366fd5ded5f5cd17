"""Chinese personal names for demo data (姓名): Jinhua surnames and given names by generation.

Surname weights follow their frequency in Jinhua (陈 王 张 李 吴 徐 金 胡 朱 lead, with the
local 楼 傅 应 吕 方); given names follow the fashions of the decade a person was born in.
"""

from __future__ import annotations

import random
from itertools import accumulate

# Weights per ten thousand people, rounded.
SURNAMES: dict[str, int] = {
    "陈": 700, "王": 650, "张": 450, "李": 380, "吴": 380, "徐": 320, "金": 300, "胡": 280,
    "朱": 260, "周": 250, "楼": 220, "黄": 200, "杨": 200, "何": 180, "方": 180, "傅": 170,
    "应": 160, "叶": 150, "刘": 150, "郑": 140, "吕": 140, "蒋": 130, "童": 110, "俞": 100,
    "赵": 100, "施": 90, "邵": 90, "卢": 90, "潘": 80, "章": 80, "林": 60, "杜": 70,
    "葛": 70, "许": 70, "孙": 70, "盛": 60, "毛": 60, "汪": 60, "丁": 60, "钱": 50,
    "倪": 50, "虞": 50, "骆": 50, "严": 50, "龚": 50, "洪": 50, "陆": 50, "宋": 50,
    "郭": 50, "马": 40, "鲍": 40, "厉": 40, "程": 40, "姜": 40, "戴": 40, "范": 40,
    "曹": 40, "唐": 40, "余": 40, "贾": 30, "韩": 30, "冯": 30, "舒": 30, "项": 30,
    "包": 30, "斯": 20, "诸葛": 15, "欧阳": 5,
}  # fmt: skip

_SURNAME_LIST = list(SURNAMES)
_SURNAME_CUM = list(accumulate(SURNAMES.values()))


class _Era:
    """Given-name fashions of people born in one span of years."""

    def __init__(self, single: float, whole: str, first: str, second: str) -> None:
        self.single = single  # share of one-character given names
        self.whole = whole.split()
        self.first = first
        self.second = second

    def given(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < self.single:
            return rng.choice(self.second)
        if roll < self.single + 0.4:
            return rng.choice(self.whole)
        first = rng.choice(self.first)
        second = rng.choice(self.second)
        while second == first:
            second = rng.choice(self.second)
        return first + second


# (last birth year of the era, male fashions, female fashions)
_ERAS: tuple[tuple[int, _Era, _Era], ...] = (
    (
        1949,
        _Era(0.08, "根土 金水 福生 有才 德明 阿毛 荣根 寿昌 樟松 炳奎 长春 仁富",
             "根金水土福有德荣寿财富贵长春炳樟松海仁", "根生土水福林发才明荣宝堂法清财旺松富"),
        _Era(0.06, "秀英 桂英 凤英 玉兰 秀兰 菊花 彩娥 月娥 金花 桂香 翠英 素珍 爱珍 兰英 杏花 小妹",
             "秀桂凤玉菊彩月金翠素美爱兰杏银巧", "英兰花娥香珍仙妹娟凤琴娣芝莲梅"),
    ),
    (
        1969,
        _Era(0.12, "建国 建华 国强 国华 卫东 志强 振华 文明 德华 红军 伟民 立新 建军 胜利 跃进",
             "建国卫志振文德伟立跃红胜新永学继家明", "国华东强军民明平林荣生忠良新进伟斌"),
        _Era(0.1, "红英 丽华 美华 桂芳 秀珍 建英 彩霞 春燕 爱华 雪芳 月芳 丽萍",
             "红丽美桂秀建彩春爱雪月惠素玲凤金菊巧", "英华芳珍霞燕萍琴娟红云梅兰仙"),
    ),
    (
        1989,
        _Era(0.3, "建伟 海军 晓东 志刚 利民 国平 永强 春雷 晓峰 俊杰 宏伟 剑锋",
             "建海晓志国利永春伟文俊宏剑军", "伟军东刚民平峰华强明斌勇杰飞龙磊涛超"),
        _Era(0.3, "丽娟 海燕 晓燕 素芳 巧玲 秀芬 红霞 雪萍 美玲 春燕 金燕 彩芬",
             "丽海晓素小巧秀红雪美春金彩燕琴", "娟燕芳红萍霞丽玲琴英君芬敏静慧"),
    ),
    (
        2004,
        _Era(0.22, "浩然 家豪 俊杰 子豪 明轩 宇航 振宇 博文 天宇 佳豪 嘉伟 晨阳",
             "浩家俊子明宇振博天志佳嘉晨一", "然豪杰轩宇航文涛鹏翔晨阳伟辉鑫凯"),
        _Era(0.22, "静怡 佳怡 思雨 梦婷 雨婷 欣怡 晓雯 雅琪 诗雨 婷婷 梦瑶 佳琪",
             "静佳思梦雨欣晓婷雅诗慧", "怡雨婷琪雯洁颖婕瑶倩丹妍"),
    ),
    (
        9999,
        _Era(0.1, "子轩 浩宇 宇轩 梓豪 俊熙 一鸣 皓轩 子墨 沐阳 奕辰 宇泽 梓睿 嘉乐",
             "子浩宇梓俊一皓睿沐奕嘉泽铭博昊晨锦宸", "轩宇豪熙鸣辰泽睿阳航然乐霖铭琛川"),
        _Era(0.1, "梓涵 一诺 子涵 欣妍 诗涵 梓萱 雨桐 可馨 语汐 若汐 依诺 思彤 安琪 芷若",
             "梓一子欣诗雨可语若依思安芷沐梦佳心", "涵诺妍萱桐馨汐琪彤然怡宁瑶悦菲"),
    ),
)  # fmt: skip


def surname(rng: random.Random) -> str:
    """A surname drawn by its frequency in Jinhua."""
    return rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, gender: str, birth_year: int) -> str:
    """A given name (名) in the fashion of the birth year; gender is "M" or "F"."""
    for last_year, male, female in _ERAS:
        if birth_year <= last_year:
            return (male if gender == "M" else female).given(rng)
    raise AssertionError("the last era covers every year")


def full_name(rng: random.Random, gender: str, birth_year: int, family: str | None = None) -> str:
    """Surname (the family's, or a fresh one) plus a given name: two to four characters."""
    return (family or surname(rng)) + given_name(rng, gender, birth_year)
