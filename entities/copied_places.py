"""Places that a modern translation copies unchanged, told by their shape or their place in the sentence.

Travel diaries, annals and local histories name hundreds of places once each (龙虎台, 水帘洞, 阪泉, 鸡丘), so no
lexicon mined from other books holds them. Two shapes mark them, but common words share both:

- a landmark: a name and a landmark word (双鳌峰, 帝释寺, 上驷村), and also 宗庙 "the ancestral temple", 登台
  "climb the terrace" (:func:`copied_landmarks`);
- a locative: what 于 puts at the end of a clause (战于长桥, "fought at Changqiao"), and also 于朝 "at court",
  于艰难 "in hardship" (:func:`copied_locatives`).

Translators render the common words in modern words (祖庙, 登上高台, 在朝廷) and copy the names (在长桥交战), so the
translation tells them apart.
"""

from __future__ import annotations

import re

from entities.dates import era_names
from entities.vocabulary import DIRECTIONS, GLUE, PERSON_BEFORE, PLACE_BEFORE
from wenyuan.chars import HAN

METHOD = "copied-landmark"
LOCATIVE_METHOD = "copied-locative"

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
    | frozenset("不从封退住指近宜食时弃汲直复更再仍尚犹已既袭逾震")
    | GLUE
    | PLACE_BEFORE
    | PERSON_BEFORE
)
_DIRECTIONS = frozenset(DIRECTIONS)
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
    function word, numeral, unit or verb (:data:`_NOT_IN_NAME`), nor 大/小 second; they may not both be
    directions (西南山 is "the hills to the south-west"), end in a generic tail (:data:`_GENERIC_TAILS`), begin
    with a building (:data:`_BUILDINGS`) or, before 台, be a Mongol name (:data:`_TRANSCRIPTION`). Overlapping
    candidates are left to the caller's order of trust."""
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


#: What 于 puts at the end of a clause: one to three characters (会于盂。, 战于长桥，, 崩于净居殿。). Not after 孛, a
#: comet's "appearing in" an asterism (有星孛于天市).
_LOCATIVE = re.compile(f"(?<!孛)于([{HAN}]{{1,3}})(?=[，。；：！？、]|$)")
#: Last characters that make the locative a position, not a name (城西, 江边, 殿下, 北郊), and first characters
#: that make it a part of a building or camp (殿庭, 府署, 苑中).
_POSITIONS = frozenset("东西南北上下中内外前后边岸庭旁侧里间郊")
_PARTS_OF = frozenset("城殿宫府帐路穴苑")
#: Buildings and grounds every court or city has (于太庙, 于朝堂), and words the modern language keeps (于平地).
_GENERIC_PLACES = _GENERIC_TAILS | frozenset("太庙 朝堂 佛寺 石室 平地 广场 草泽 朝会".split())


def copied_locatives(source: str, translation: str) -> list[tuple[str, int, int]]:
    """``("place", start, end)`` spans of ``source``: what 于 puts at the end of a clause (:data:`_LOCATIVE`), when
    ``translation`` writes it after 在 (战于长桥 as 在长桥交战). A single character only when the translation also
    calls it a state or land (会楚子于息 as 在息地会见, 娶于吴 as 在吴国娶了): alone it is as often a word (于朝, 于此).
    Function words, numerals and verbs (:data:`_NOT_IN_NAME`), positions (城西, 殿下), eras (于太和) and the
    buildings every court has (:data:`_GENERIC_PLACES`) are no names."""
    eras, spans = era_names(), []
    for m in _LOCATIVE.finditer(source):
        name = m.group(1)
        if _NOT_IN_NAME.intersection(name) or name[-1] in _POSITIONS or name in eras:
            continue
        if name in _GENERIC_PLACES or (len(name) == 2 and name[0] in "东西南北"):
            continue  # 东宫, 东堂 and 西省 are parts of the palace, 东方 "the east"
        if len(name) == 1:
            copied = f"在{name}国" in translation or f"在{name}地" in translation
        else:
            copied = name[0] not in _PARTS_OF and f"在{name}" in translation
        if copied:
            spans.append(("place", m.start(1), m.end(1)))
    return spans
