"""The patterns of classical prose that mark persons and places without a lexicon: courtesy and given
names (诸葛亮字孔明, 程钜夫，名文海), authors cited before a work (扬雄《校猎》云), rulers and posthumous names
(宋公, 汉武帝), states (伐宋, 秦军, 韩、魏), places by their unit (信州) or in a list before their count
(博、冀二州), speakers (子罕曰：), names listed beside a known person (卢杞、赵赞等) and names written after an
office (太守陈登。).

Each function reads text in the lexicons' script (:func:`~entities.vocabulary.name_form` of the simplified
text) and returns :class:`~entities.spans.Span` candidates that may overlap; :mod:`entities.finder` decides
which are kept.
"""

from __future__ import annotations

import re

from entities.lexicons import lexicon_kind
from entities.spans import Span
from entities.vocabulary import (
    DETERMINERS,
    DIRECTIONS,
    GENERIC_UNIT_SECOND,
    NOT_NAME_END,
    TITLE_OR_KIN,
    could_be_speaker,
    given_name,
    has_surname,
)
from wenyuan.chars import HAN, is_han_text


def _plain_given_name(name: str) -> bool:
    given = given_name(name)
    return given is not None and not set(given) & TITLE_OR_KIN


#: A name and its courtesy name (诸葛亮字孔明), the way punctuated biographies open too (陈桷，字季壬).
_STYLE = re.compile(f"([{HAN}]{{2,3}})(，?)字([{HAN}]{{2}})")


def style_pattern(simple: str) -> list[Span]:
    """Persons named with their courtesy name (诸葛亮字孔明, 陈桷，字季壬): both names, when the first has a
    surname; after a comma it must also read as a name, not a place of origin (南武城人，字子舆)."""
    spans = []
    for m in _STYLE.finditer(simple):
        name, comma = m.group(1), m.group(2)
        # The match may have taken a character before the name (曰张飞字益德): the longest tail that
        # begins with a surname is the name. Where a place ends inside the match, the name is what follows
        # the place, known surname or not (咸阳茅盈: 阳 of 咸阳 is no surname, 茅 is one the list lacks).
        place_end = next((k for k in range(len(name) - 2) if _ends_place(simple, m.start(1) + k)), None)
        if place_end is not None:
            k = place_end + 1
        else:
            k = next((k for k in range(len(name) - 1) if has_surname(name[k:])), None)
        if k is None or (comma and not (could_be_speaker(name[k:]) and _plain_given_name(name[k:]))):
            continue
        spans.append(Span("person", m.start(1) + k, m.end(1), "", "style-pattern"))
        spans.append(Span("person", m.start(3), m.end(3), "", "style-pattern"))
    return spans


#: A person known by the courtesy name and the given name after it, as biographies open (程钜夫，名文海，以字行):
#: a clause of two or three characters, then ，名 and one or two characters. Over all of cm_train it matched 23
#: times; the 20 whose name part does not begin with 曰 (卫气和，名曰缓 is medicine) and that hold no 姓 (余姓张，名…)
#: were all persons.
_GIVEN_NAME = re.compile(f"(?:^|(?<=[，。；：！？、\\s]))([{HAN}]{{2,3}})，名([{HAN}]{{1,2}})(?=[，。；])")


def given_name_pattern(simple: str) -> list[Span]:
    """Persons opened with their given name (程钜夫，名文海; 杨士奇，名寓): the first name when it reads as a
    person's, and the given name after 名 when it has two characters, as courtesy names have."""
    spans = []
    for m in _GIVEN_NAME.finditer(simple):
        name, given = m.group(1), m.group(2)
        if given.startswith("曰") or "姓" in name or not could_be_speaker(name):
            continue
        spans.append(Span("person", m.start(1), m.end(1), "", "given-name-pattern"))
        if len(given) == 2:
            spans.append(Span("person", m.start(2), m.end(2), "", "given-name-pattern"))
    return spans


def _ends_place(simple: str, i: int) -> bool:
    """Whether a lexicon place of two to four characters ends with ``simple[i]``."""
    return any(lexicon_kind(simple[j : i + 1]) == "place" for j in range(max(0, i - 3), i))


#: An author cited before a work's title and 曰 or 云 (扬雄《校猎》云, 司马彪《郡国志》曰). The match may take the
#: characters before the name (故徐广, 晋郭太仪) and a verb after it (崔瑗作《草书势》曰, 郑注《仪礼》云).
_CITATION = re.compile(f"([{HAN}]{{2,4}})(?=《[^》]{{1,15}}》[云曰])")
_CITING_VERBS = "作引注撰著述叙按"


def citation_pattern(simple: str) -> list[Span]:
    """Authors cited by the title of a work (:data:`_CITATION`): the first tail of the match that begins with
    a surname, has a given name of one or two characters with no verb or function word in it (晋又改《昭武舞》曰
    is none), and could be a name (not 梁帝, "the Liang emperor")."""
    not_in_given = NOT_NAME_END | set(_CITING_VERBS)
    spans = []
    for m in _CITATION.finditer(simple):
        name = m.group(1).rstrip(_CITING_VERBS)
        for k in range(len(name) - 1):
            given = given_name(name[k:])
            if given is None or not 1 <= len(given) <= 2 or set(given) & not_in_given:
                continue
            if could_be_speaker(name[k:]):
                spans.append(Span("person", m.start(1) + k, m.start(1) + len(name), "", "citation-pattern"))
                break
    return spans


#: States of the Spring and Autumn and Warring States periods, named by one character.
STATES = set("秦齐楚燕韩赵魏宋卫郑鲁晋吴越陈蔡曹许邾莒滕薛")
_STATE_CLASS = f"[{''.join(sorted(STATES))}]"
#: A state's ruler by rank (宋公, 郑伯, 秦王) is a person.
_RULER = re.compile(f"({_STATE_CLASS})[公侯伯子男王]")
#: A state named after a verb of going or fighting (伐宋, 告于晋) or before 人, 国, 军 ... (宋人, 秦军).
_STATE = re.compile(
    f"(?<=[伐攻于入至如奔侵救围灭适聘讨过与予事朝背倍助合畏叛附归结使])({_STATE_CLASS})"
    f"|({_STATE_CLASS})(?=[人国军兵师地境患交使相将界臣民])"
)
#: States listed together (韩、魏; 秦楚之兵): each is a place.
_MAJOR_STATES = "[秦齐楚燕韩赵魏晋]"
_STATE_LIST = re.compile(f"(?=({_STATE_CLASS})、({_STATE_CLASS})|({_MAJOR_STATES})({_MAJOR_STATES}))")
#: The Jurchen state 金 as the Song, Yuan and Ming histories name it (金人犯…, 败金人于…, 金兵): 金 is also
#: "gold" and "metal", and 金人 the bronze statues of the older books (铸金人十二, 祭天金人), so it counts only
#: before 人, 兵, 军 or 营 after a verb of fighting or dealing (败金人于, 与金人战), or at the start of a clause
#: before 兵, 军, 营, or 人 and a verb of war or of coming and going (金人犯…, 金人遣…).
_JIN = re.compile(
    "(?<=[伐攻入侵救围灭讨与事朝背助畏叛附归使败击及拒御降])金(?=[人兵军营])"
    "|(?<![^，。；：！？])金(?=人[犯陷攻破围遣入渡退来归追侵掠据取复再大自遂果立闻既去]|[兵军营])"
)

#: Posthumous and temple names of a particular ruler (太宗, 汉武帝, 晋悼公, 韩义王, 文宣王): the characters
#: each ending takes. 明王/明公 ("an enlightened king", "Your Excellency") and 圣王 are titles, so 明 and 圣 are
#: left out of those two.
_RULER_PREFIX = "[汉唐隋周梁陈晋宋齐魏金元明辽秦楚燕韩赵吴越鲁郑卫蔡曹许]?"
_POSTHUMOUS = re.compile(
    f"{_RULER_PREFIX}(?:"
    "[孝光]?[文武景昭宣元成哀平明章和安顺冲质桓灵献惠炀恭少废孝]帝"
    "|[太高中睿玄肃代德顺宪穆敬文武宣懿僖昭哀世仁英神哲徽钦孝光宁理度圣兴道熙章成明庄闵]宗"
    "|[太高世烈圣]祖"
    "|[文武成康昭穆宣幽平桓庄僖襄惠定哀悼灵景简厉献孝怀威顷元闵隐共烈义永]?"
    "[文武成康昭穆宣幽平桓庄僖襄惠定哀悼灵景简厉献孝怀威顷元闵隐共烈义][王公]"
    "|始皇帝?)"
)
_SPEAKER = re.compile(f"([{HAN}]{{2}})(?=对曰|曰|谓)")
#: A speaker named without a surname (子罕曰：, 有功曰：, 仲尼曰：): two characters heading a clause, before 曰 and
#: the colon or space of quoted speech; 曰 with no colon after it is mostly "is called" (冰井曰崇光).
_BARE_SPEAKER = re.compile(f"(?:^|(?<=[，。；：！？\\s]))([{HAN}]{{2}})(?=曰[：\\s])")
#: What heads such a clause and is no name: pronouns, adverbs and verbs first (其母, 因贺, 语翁 "told the old
#: man"), a verb, a word of writing or a calling second (纮谏, 坚惊, 上疏, 其辞, 馆师), and common nouns (先生, 道士).
#: Read off samples of the training corpus: about 7 in 10 of the matches left are names.
_NOT_BARE_FIRST = frozenset("其上下又因乃故谓赠谥改帝予赋遗手宣追更岁自大良病必还厉诏语问授白使应空在立臣骂遽长即固")
_NOT_BARE_SECOND = frozenset(
    "谏叱惊谢独常辞泣报奏诏书笑怒叹答问对谓白疏表名元谥制赦语说序文诗词略次骂恚启望声荒进入师法尝恳呼"
)
_NOT_BARE_SPEAKERS = frozenset(
    "君子 夫子 先生 道士 天子 女子 少年 书生 沙门 老父 青衣 矮子 兵法 西方 南方 东方 北方 有司 老人 丈人 客人 小儿 "
    "妇人 使者 群臣 百官 宗周 上皇 先主 汉主 女巫 亭长 奴婢 慨然 从容 叹息 流涕 叩头 举手 父母 新妇 儒生 术士 东北 "
    "东南 西北 西南 太子 父老 公卿 婢仆 山獠 闲汉 道流".split()
)
#: Places listed before their count and unit (博、冀二州; 随、郢、复等州; 荆、雍等七州; 山东、大名、东平三路):
#: every item is a place. Items of one length only, as such lists are written, which also finds where the
#: first one begins. Numbers are no places, nor are directions standing alone (东、西两路; 浙西 is one); leading
#: items that end an office (大将军、梁、益二州) are no part of the list, and a list with an office in it
#: (骠骑、司空二府) is no list of places.
_NUMERALS = "一二三四五六七八九十百千万两"
_COUNT = "[二三四五六七八九十两]"
_LIST_CHAR = f"[^\\W\\d_、等数{_NUMERALS}]"
_ONE_CHAR_ITEM = f"[^\\W\\d_、等数{_NUMERALS}{DIRECTIONS}]"
_UNIT_LISTS = [
    re.compile(f"(?:{item}、)+{item}(?=(?:等{_COUNT}?|{_COUNT})[州郡县府路道])")
    for item in (_ONE_CHAR_ITEM, _LIST_CHAR * 2)
]
#: Commissions written without their 使 (宣武军节度、汴宋等州观察使) and 持节 (of 使持节): titles, never places.
_SHORT_TITLES = frozenset({"节度", "观察", "防御", "团练", "经略", "安抚", "招讨", "转运", "持节"})
#: Verbs that govern a list of places (为梁、南秦二州刺史; 知浚、太康 …), never its first item.
_LIST_VERBS = frozenset("为知领督取攻陷克犯赦以于至及与")


def _not_a_listed_place(simple: str, start: int, end: int) -> bool:
    """Whether ``simple[start:end]`` is no place of a list: a title without its 使, an office of the lexicon
    that ends there (将军, or 军 of 大将军), or directions only (西北、西南)."""
    if simple[start:end] in _SHORT_TITLES or set(simple[start:end]) <= set(DIRECTIONS):
        return True
    return any(lexicon_kind(simple[k:end]) == "office" for k in range(max(0, end - 8), end))


def _verb_led(simple: str, start: int, end: int) -> bool:
    """Whether a list item of two characters starts with a verb of :data:`_LIST_VERBS` and is no place of the
    lexicon (the match took the verb before the list)."""
    return end - start == 2 and simple[start] in _LIST_VERBS and lexicon_kind(simple[start:end]) != "place"


def unit_list_spans(simple: str) -> list[Span]:
    """The places of lists written before their count and unit (:data:`_UNIT_LISTS`)."""
    spans = []
    for pattern in _UNIT_LISTS:
        for m in pattern.finditer(simple):
            items, start = [], m.start()
            for item in m.group().split("、"):
                items.append((start, start + len(item)))
                start += len(item) + 1
            # The match may begin with the verb before the list (为梁、南秦, 知浚、太康、任丘 …).
            while items and (_not_a_listed_place(simple, *items[0]) or _verb_led(simple, *items[0])):
                items.pop(0)
            if len(items) >= 2 and not any(_not_a_listed_place(simple, *item) for item in items):
                spans += [Span("place", s, e, "", "unit-list-pattern") for s, e in items]
    return spans


#: A unit that ends a place name (信州), not where a second unit follows: 州郡, 州县 and 郡县 are "the prefectures and
#: counties" (所经州郡, 掠州县); over every 10th cm_train row, all of a random 40 of the 303 such units outside the
#: place lexicon were that word.
_UNIT_SUFFIX = re.compile(f"[州郡县](?![{''.join(sorted(GENERIC_UNIT_SECOND))}])")


def rule_spans(simple: str) -> list[Span]:
    """Entities that patterns of classical prose mark without a lexicon, in order of trust."""
    spans = style_pattern(simple) + given_name_pattern(simple)
    spans += [Span("person", m.start(), m.end(), "", "posthumous-pattern") for m in _POSTHUMOUS.finditer(simple)]
    spans += [Span("person", m.start(), m.end(), "", "ruler-pattern") for m in _RULER.finditer(simple)]
    for m in _STATE.finditer(simple):
        start = m.start(1) if m.group(1) else m.start(2)
        end = start + 2 if simple[start + 1 : start + 2] == "国" else start + 1  # 郑国 is the state, whole
        spans.append(Span("place", start, end, "", "state-pattern"))
    spans += [Span("place", m.start(), m.end(), "", "state-pattern") for m in _JIN.finditer(simple)]
    for m in _STATE_LIST.finditer(simple):
        first = 1 if m.group(1) else 3
        spans.append(Span("place", m.start(first), m.start(first) + 1, "", "state-pattern"))
        spans.append(Span("place", m.start(first + 1), m.start(first + 1) + 1, "", "state-pattern"))
    for m in _UNIT_SUFFIX.finditer(simple):
        before = simple[m.start() - 1] if m.start() > 0 else ""
        if is_han_text(before) and before not in DETERMINERS:
            spans.append(Span("place", m.start() - 1, m.end(), "", "suffix-pattern"))
    spans += unit_list_spans(simple)
    spans += citation_pattern(simple)
    for m in _SPEAKER.finditer(simple):
        if could_be_speaker(m.group(1)):
            spans.append(Span("person", m.start(1), m.end(1), "", "speaker-pattern"))
    # About 7 in 10 of these are names (see _NOT_BARE_FIRST), against 0.8 for the patterns in general.
    spans += [Span("person", m.start(1), m.end(1), "", "speaker-pattern", 0.7) for m in bare_speakers(simple)]
    return spans


def bare_speakers(simple: str) -> list[re.Match]:
    """Matches of :data:`_BARE_SPEAKER` that may be a name: no surname (those the surname pattern reads), no
    entry of the lexicons (太守曰 is an office), and none of the words that head such clauses."""
    return [
        m
        for m in _BARE_SPEAKER.finditer(simple)
        if not has_surname(name := m.group(1))
        and not lexicon_kind(name)
        and name[0] not in _NOT_BARE_FIRST
        and name[1] not in _NOT_BARE_SECOND
        and name[1] not in NOT_NAME_END
        and name not in _NOT_BARE_SPEAKERS
        and not re.search("[一二三四五六七八九十]", name)
    ]


_LIST_END = set("等，。；：！？之及与并皆")


def listed_with_persons(simple: str, spans: list[Span]) -> list[Span]:
    """Names listed beside a known person (卢杞、赵赞、白志贞等): the items a 、 delimits, when one of the
    list is a person found already and the item has a surname and two or three characters."""
    persons = {(s.start, s.end) for s in spans if s.kind == "person"}
    found = []
    for chain in re.finditer(f"[{HAN}]+(?:、[{HAN}]+)+", simple):
        items, pos = [], chain.start()
        for k, piece in enumerate(chain.group().split("、")):
            start, end = pos, pos + len(piece)
            pos = end + 1
            if k == 0:  # the first item's start is unknown: only a known person ending at the 、 counts
                items += [(a, b) for a, b in persons if b == end]
                continue
            cut = next((i for i, c in enumerate(piece) if c in _LIST_END), len(piece))
            items.append((start, start + cut))
        if not any(item in persons for item in items):
            continue
        for a, b in items:
            if (a, b) not in persons and 2 <= b - a <= 3 and has_surname(simple[a:b]):
                found.append(Span("person", a, b, "", "list-pattern"))
    return found


#: Verbs a name is written before with no mark between (贾延免 "贾延 was dismissed", 张凭议 "张凭 proposed").
_VERB_AFTER_NAME = frozenset("免议说等封罢卒薨死奏请降")
#: Kin written after a father's name (纳黄门侍郎殷淳女为妃, "took the daughter of 殷淳 as consort").
_KIN_AFTER_NAME = frozenset("女妻母弟兄")
#: A third character that is no part of the name before it.
_NOT_NAME_THIRD = _VERB_AFTER_NAME | _KIN_AFTER_NAME
#: A name ends at a mark or at the 为 of an appointment (以给事中高铢为浙东观察使).
_NAME_BEFORE_MARK = re.compile(f"[{HAN}]{{2,3}}(?=[，。、；：！？为])")


def named_after_office(simple: str, spans: list[Span]) -> list[Span]:
    """Persons written right after their office and before a mark or the 为 of a new appointment
    (左监门大将军钱九陇，; 太守陈登。; 以给事中高铢为浙东观察使): two or three characters that begin with a surname and
    read as a name; a third character that is a verb of what the person did (免, 议) or a kin word (殷淳女, "the
    daughter of 殷淳") is left out of the name."""
    taken = {i for s in spans for i in range(s.start, s.end)}
    found = []
    for office in (s for s in spans if s.kind == "office"):
        m = _NAME_BEFORE_MARK.match(simple, office.end)
        if m is None:
            continue
        name = m.group()
        if len(name) == 3 and name[-1] in _NOT_NAME_THIRD:
            name = name[:2]
        end = office.end + len(name)
        if could_be_speaker(name) and not taken.intersection(range(office.end, end)):
            found.append(Span("person", office.end, end, "", "office-name-pattern"))
    return found
