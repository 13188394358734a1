"""Named landmarks that a modern translation copies unchanged: hills, peaks, caves, temples, halls, terraces,
villages and forts (龙虎台, 双鳌峰, 水帘洞, 帝释寺, 上驷村).

Travel diaries and local histories name hundreds of such places once each, so no lexicon mined from other books
holds them. Their shape is plain (a name and a landmark word), but so is that of common words (宗庙 "the
ancestral temple", 登台 "climb the terrace"). Translators render the common words in modern words (祖庙, 登上高台)
and copy the names, so the translation tells them apart.
"""

from __future__ import annotations

import re

from corpora.mine_copied_names import GLUE, PERSON_BEFORE, PLACE_BEFORE
from wenyuan.chars import HAN

METHOD = "copied-landmark"

#: Landmark words that end names of places (石, 阁 and 观 are left out: 韦安石 is a person, 秘阁 an office's
#: building and 可观 "worth seeing" a word).
LANDMARK_SUFFIXES = "台峰洞庙村寨寺殿岭坪堡驿庵桥亭泉池湖潭宫楼岩溪涧坞峡岛园苑山城"
#: Characters that are no part of a landmark's name: pronouns, function words, numerals, words of size
#: (此山, 其城, 二台, 高台), units (潞州山 "the hills of Luzhou"), and the verbs and prepositions classical
#: prose writes before a place (在东宫, 入都城, 围州城, 立宗庙).
_NOT_IN_NAME = (
    frozenset("之其此彼于以而与及则乃也者所诸众群我吾汝尔是某何每各本他别同旧故今有用在为至入出加得过还归去到")
    | frozenset("一二三四五六七八九十百千万两数半个高深长州郡县")
    | frozenset("临守攻围领知治属等行将又亦皆遂即焚烧追逼立盗坏饰筑修灌烹注面兼驾坐登宿迎送奉祀祭谒拜葬赐幸")
    | frozenset("不从封退住指近宜食时弃汲直复更再仍尚犹已既")
    | GLUE
    | PLACE_BEFORE
    | PERSON_BEFORE
)
_DIRECTIONS = frozenset("东西南北中上下左右内外前后")
#: Landmark words after a unit or a palace: the city or palace itself, no name (州城 "the prefecture's city");
#: and the courts of the central government (大理寺, 鸿胪寺), offices rather than temples.
_GENERIC_TAILS = frozenset(
    "州城 郡城 县城 府城 都城 京城 宫城 皇城 王城 外城 内城 郭城 宗庙 寝庙 家庙 后宫 东宫 中宫"
    " 宫殿 寝殿 正殿 前殿 后殿 便殿 行台 理寺 常寺 禄寺 胪寺 正寺 仆寺 农寺 尉寺 府寺".split()
)
#: Buildings, which begin no name of a building (宫殿楼 "palaces and towers", 寺观庙).
_BUILDINGS = frozenset("宫殿城寺庙楼台观邑")
#: Characters of Mongol and Jurchen names, which end in 台 as often as terraces do (速不台, 阿鲁台, 囊加台).
_TRANSCRIPTION = frozenset("不儿剌哈赤帖木忽撒答兀阿脱鲁罗加乞察孛斡秃")
_CANDIDATE = re.compile(f"(?=([{HAN}]{{2}}[{LANDMARK_SUFFIXES}]))")


def copied_landmarks(source: str, translation: str) -> list[tuple[str, int, int]]:
    """``("place", start, end)`` spans of ``source``: two characters and a landmark word
    (:data:`LANDMARK_SUFFIXES`) that ``translation`` writes unchanged. Neither of the two may be a pronoun,
    function word, numeral or word of size (:data:`_NOT_IN_NAME`), and they may not both be directions (西南山
    is "the hills to the south-west"). Overlapping candidates are left to the caller's order of trust."""
    spans = []
    for m in _CANDIDATE.finditer(source):
        name = m.group(1)
        if _NOT_IN_NAME.intersection(name[:2]) or set(name[:2]) <= _DIRECTIONS or name[1:] in _GENERIC_TAILS:
            continue
        if name[0] in _BUILDINGS or name[1] in "大小" or (name[2] == "台" and _TRANSCRIPTION.intersection(name[:2])):
            continue
        if name not in translation:
            continue
        spans.append(("place", m.start(), m.start() + 3))
    return spans
