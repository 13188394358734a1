"""Lexicon and pattern entities: book titles (mined from the corpus's 《》 marks), official titles (mined from
the objects of appointment verbs by ``corpora/mine_offices.py``, and a hand list), persons and places (mined
by ``entities/mining/names.py`` from biographical patterns, place suffixes and the names translators copy
unchanged; foreign states and peoples, historical regions, and legendary figures, from hand lists), and
patterns for posthumous names, rulers and states. An office prefix (检校 "acting") is joined to the office
written after it.

Matching runs on a per-character simplified form of the text, so offsets stay those of the original. The
courtesy-name pattern (X字Y: a surname-initial name, 字, a two-character style) and the citation pattern (an
author before a cited work's title and 曰) are applied first, so unseen people in biographies and commentaries
are found too; lexicon matches fill the rest, longest entry first at each position. A place takes the
administrative unit written right after it (顺昌 + 府). No person or place is read inside a title's 《》 or an
era named without a year.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from corpora.punct import PUNCT_LABELS
from entities.lexicons import common_words
from wenyuan.chars import HAN, is_han_text
from wenyuan.script import simplified_chars

LEXICONS = Path(__file__).resolve().parent.parent / "corpora" / "lexicons"


#: How the spans of this module were found (recorded as each entity's ``method``).
METHODS = frozenset(
    {
        "title-lexicon",
        "office-lexicon",
        "person-lexicon",
        "place-lexicon",
        "polity-lexicon",
        "region-lexicon",
        "legend-lexicon",
        "style-pattern",
        "given-name-pattern",
        "ruler-pattern",
        "posthumous-pattern",
        "state-pattern",
        "suffix-pattern",
        "unit-list-pattern",
        "speaker-pattern",
        "citation-pattern",
        "list-pattern",
        "office-name-pattern",
        "name-propagation",
        "document-name",
        "translation-projection",
        "copied-landmark",
        "copied-locative",
        "entity-tagger",
    }
)


#: Variant characters the corpora write in names (硃 for the surname 朱: 硃泚, 硃全忠, while the translators
#: write 朱泚); names are mined and matched in the usual form.
_NAME_VARIANTS = str.maketrans({"硃": "朱"})


def name_form(text: str) -> str:
    """``text`` (simplified) with name variants in their usual form; same length, so offsets hold."""
    return text.translate(_NAME_VARIANTS)


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str
    method: str
    confidence: float = 0.8


def lexicons_checksum() -> str:
    """SHA-256 over the shipped lexicons (names, offices, titles, eras): the annotate stage's cache keys on it,
    so a regenerated lexicon re-runs annotation."""
    digest = hashlib.sha256()
    for f in sorted(p for p in LEXICONS.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(LEXICONS)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


def read_lexicon(name: str, column: str) -> set[str]:
    """The entries of one shipped lexicon file (``column`` of ``corpora/lexicons/NAME``)."""
    with open(LEXICONS / name, encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {row[column] for row in rows if row[column]}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[str, str]]:
    """Simplified entry -> (kind, method)."""
    entries = {p: ("place", "place-lexicon") for p in read_lexicon("places.tsv", "place")}
    entries.update({p: ("place", "polity-lexicon") for p in read_lexicon("polities.tsv", "polity")})
    entries.update({r: ("place", "region-lexicon") for r in read_lexicon("regions.tsv", "region")})
    entries.update({p: ("person", "person-lexicon") for p in read_lexicon("persons.tsv", "person")})
    entries.update({p: ("person", "legend-lexicon") for p in read_lexicon("legendary.tsv", "person")})
    entries.update({t: ("title", "title-lexicon") for t in read_lexicon("titles.tsv", "title")})
    entries.update({o: ("office", "office-lexicon") for o in read_lexicon("offices_mined.tsv", "office")})
    entries.update({o: ("office", "office-lexicon") for o in read_lexicon("offices.tsv", "office")})
    from entities.mining.names import DETERMINERS

    # Text is matched in the models' script, where a traditional character the corpus kept is simplified
    # (刘鄩 is read 刘𬩽, 李勣 李𪟝): each entry is matched in that form too, unless the form is an entry already
    # or its first character became a determiner the miner did not know in its traditional form (於南山 is
    # 于 "at" + 南山); a determiner kept as it was is the entry's own (知罃, read 知䓨).
    for entry, hit in list(entries.items()):
        form = simplified_chars(entry)
        if form not in entries and (form[0] == entry[0] or form[0] not in DETERMINERS):
            entries[form] = hit
    return entries


#: Titles and kin words that, after a surname, show a match to be no plain name (简王绩 is 简王 + 绩, 曾孙轨 a
#: great-grandson 轨, 樊重女 the daughter of 樊重): a title or kin word read as part of a name.
_TITLE_OR_KIN = frozenset("王侯公孙弟兄女")


def _plain_given_name(name: str) -> bool:
    from entities.mining.names import given_name

    given = given_name(name)
    return given is not None and not set(given) & _TITLE_OR_KIN


#: A name and its courtesy name (诸葛亮字孔明), the way punctuated biographies open too (陈桷，字季壬).
_STYLE = re.compile(f"([{HAN}]{{2,3}})(，?)字([{HAN}]{{2}})")


def style_pattern(simple: str) -> list[Span]:
    """Persons named with their courtesy name (诸葛亮字孔明, 陈桷，字季壬): both names, when the first has a
    surname; after a comma it must also read as a name, not a place of origin (南武城人，字子舆)."""
    from entities.mining.names import could_be_speaker, has_surname

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
    from entities.mining.names import could_be_speaker

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
    return any(_lexicon_kind(simple[j : i + 1]) == "place" for j in range(max(0, i - 3), i))


#: An author cited before a work's title and 曰 or 云 (扬雄《校猎》云, 司马彪《郡国志》曰). The match may take the
#: characters before the name (故徐广, 晋郭太仪) and a verb after it (崔瑗作《草书势》曰, 郑注《仪礼》云).
_CITATION = re.compile(f"([{HAN}]{{2,4}})(?=《[^》]{{1,15}}》[云曰])")
_CITING_VERBS = "作引注撰著述叙按"


def citation_pattern(simple: str) -> list[Span]:
    """Authors cited by the title of a work (:data:`_CITATION`): the first tail of the match that begins with
    a surname, has a given name of one or two characters with no verb or function word in it (晋又改《昭武舞》曰
    is none), and could be a name (not 梁帝, "the Liang emperor")."""
    from entities.mining.names import NOT_NAME_END, could_be_speaker, given_name

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
DIRECTIONS = "东西南北中上下左右内外前后"
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


def _lexicon_kind(entry: str) -> str:
    """The kind the lexicon gives ``entry`` (simplified), or "" when it has none."""
    return lexicon().get(entry, ("",))[0]


def _not_a_listed_place(simple: str, start: int, end: int) -> bool:
    """Whether ``simple[start:end]`` is no place of a list: a title without its 使, an office of the lexicon
    that ends there (将军, or 军 of 大将军), or directions only (西北、西南)."""
    if simple[start:end] in _SHORT_TITLES or set(simple[start:end]) <= set(DIRECTIONS):
        return True
    return any(_lexicon_kind(simple[k:end]) == "office" for k in range(max(0, end - 8), end))


def _verb_led(simple: str, start: int, end: int) -> bool:
    """Whether a list item of two characters starts with a verb of :data:`_LIST_VERBS` and is no place of the
    lexicon (the match took the verb before the list)."""
    return end - start == 2 and simple[start] in _LIST_VERBS and _lexicon_kind(simple[start:end]) != "place"


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


def rule_spans(simple: str) -> list[Span]:
    """Entities that patterns of classical prose mark without a lexicon, in order of trust."""
    from entities.mining.names import DETERMINERS, could_be_speaker

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
    from entities.mining.names import NOT_NAME_END, has_surname

    return [
        m
        for m in _BARE_SPEAKER.finditer(simple)
        if not has_surname(name := m.group(1))
        and not _lexicon_kind(name)
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
    from entities.mining.names import has_surname

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
    from entities.mining.names import could_be_speaker

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


def given_names(persons: list[str]) -> dict[str, tuple[str, str]]:
    """Given names of full names found in a text (怀光 of 李怀光, 桷 of 陈桷), as extra lexicon entries for the
    rest of that text: histories name a person in full once and by given name after. A one-character given
    name is kept only when it is no common word (``common_chars.tsv``), title, kin word or verb of appointment
    (充 of 李充 is "serve as" in 充五军都统制), and :func:`find_entities` reads it only where a clause begins or
    after a verb that takes a person."""
    from entities.mining.names import TITLES_AFTER_SURNAME, given_name
    from entities.mining.offices import APPOINTMENT_VERBS

    # 王夫人 is "Lady Wang": 夫人 after it is any lady, not her name.
    given = {given_name(name) for name in persons} - {None, *TITLES_AFTER_SURNAME}
    common = common_characters() | set(APPOINTMENT_VERBS)
    return {
        g: ("person", "name-propagation")
        for g in given
        if len(g) == 2 or (len(g) == 1 and g not in common and g not in _TITLE_OR_KIN)
    }


@lru_cache(maxsize=1)
def common_characters() -> frozenset[str]:
    """Characters too common to be a one-character given name (``entities/mining/common_chars.py``)."""
    return frozenset(read_lexicon("common_chars.tsv", "char"))


#: Where a one-character given name stands as a name: a clause begins with it (桷入乱兵中), or it follows a
#: verb that takes a person (召飞父子, 谓骃曰, 与擒合军). Elsewhere the character is most often a word.
_CLAUSE_BREAKS = frozenset(PUNCT_LABELS[1:])  # the marks the punctuator puts between clauses
_VERBS_OF_PERSONS = frozenset("召命遣请邀执谓与使诏问见杀斩擒")


def _short_given_names(simple: str, extra: dict[str, tuple[str, str]]) -> list[Span]:
    """The one-character given names of ``extra`` where they stand as names in ``simple``."""
    names = {k: hit for k, hit in extra.items() if len(k) == 1 and hit[0] == "person"}
    out = []
    for i, ch in enumerate(simple):
        if ch not in names:
            continue
        before = simple[i - 1] if i else ""
        after = simple[i + 1 : i + 2]
        opens = (not before or before in _CLAUSE_BREAKS or before.isspace()) and is_han_text(after)
        if opens or before in _VERBS_OF_PERSONS:
            out.append(Span("person", i, i + 1, "", names[ch][1]))
    return out


#: Administrative units written after a place name (德安府), circuits too (福建路, 河北道: over every 25th
#: ``cm_train`` row about 85 % of a place + 路/道 are circuits, the rest roads, 井陉路); lexicons and the tagger
#: often stop before them.
ADMIN_UNITS = frozenset("府州郡县路道")
#: The second unit of the words for "prefectures and counties" (州郡, 州县, 郡县).
_GENERIC_UNIT_SECOND = frozenset("郡县")
#: A unit that ends a place name (信州), not where a second unit follows: 州郡, 州县 and 郡县 are "the prefectures and
#: counties" (所经州郡, 掠州县); over every 10th cm_train row, all of a random 40 of the 303 such units outside the
#: place lexicon were that word.
_UNIT_SUFFIX = re.compile(f"[州郡县](?![{''.join(sorted(_GENERIC_UNIT_SECOND))}])")


def _unit_follows(simple: str, end: int) -> bool:
    """Whether a unit of the place ending at ``end`` follows it: not one of 州郡/州县/郡县 ("the prefectures and
    counties": 所经州郡 is no 经州), nor a second unit after one (益州郡)."""
    return (
        end < len(simple)
        and simple[end] in ADMIN_UNITS
        and simple[end - 1] not in ADMIN_UNITS
        and simple[end + 1 : end + 2] not in _GENERIC_UNIT_SECOND
    )


_TITLE_MARKS = re.compile("《[^《》]*》")


#: Patterns whose spans go before the lexicons': a formula naming a person or a cited work marks where a name ends.
_SURE_PATTERNS = frozenset({"style-pattern", "given-name-pattern", "citation-pattern"})


def find_entities(
    text: str,
    extra: dict[str, tuple[str, str]] | None = None,
    tagged: list[tuple[str, int, int, float]] | None = None,
    translation: str | None = None,
) -> list[Span]:
    """Non-overlapping entities in ``text``: pattern matches first, then lexicon matches, longest first.

    ``extra`` adds entries (simplified entry -> (kind, method)) to the lexicon for this call, such as
    :func:`given_names` of the persons found earlier in the same book; the lexicon wins where both have one.
    A one-character entry is read last, and only where it opens a clause or follows a verb that takes a person.
    ``tagged``: persons and places a learned tagger found in ``text`` (kind, start, end, confidence); they
    fill what the lexicons and patterns left, and a tagged person of two or more characters replaces the
    parts of its name that they found alone (:func:`_yield_to_full_name`).
    ``translation``: a modern translation of ``text``; the persons and places it names in full that ``text``
    abbreviates (仪 of 张仪, 燕 of 燕国: :func:`entities.name_projection.projected_spans`), and the places it copies
    unchanged (龙虎台, 战于长桥 as 在长桥交战: :mod:`entities.copied_places`), come before the tagger's, being surer.
    """
    from entities.dates import dated_eras, era_mentions

    simple = name_form(simplified_chars(text))
    taken: set[int] = set()
    spans: list[Span] = []
    # A name inside a title's marks is part of the title (《成宗实录》, 《西京》赋), no person or place of its own;
    # nor is one inside an era named without a year (康末 of 靖康末, mined from translations that copy it).
    not_names = {i for m in _TITLE_MARKS.finditer(simple) for i in range(m.start() + 1, m.end() - 1)}
    not_names.update(i for start, end in era_mentions(text) for i in range(start, end))
    # Nothing inside an era and its year is a name either (延光 of 延光四年, 龙三 of 黄龙三年), though a longer name
    # may hold the era (窦建德六年).
    eras = dated_eras(text)

    def add(span: Span) -> bool:
        start, end = span.start, span.end
        if taken.intersection(range(start, end)):
            return False
        if span.kind in ("person", "place") and (
            not_names.intersection(range(start, end)) or any(a <= start and end <= b for a, b in eras)
        ):
            return False
        if span.kind == "place" and _unit_follows(simple, end) and end not in taken:
            end += 1  # 德安 + 府: the unit belongs to the place's name
        spans.append(Span(span.kind, start, end, text[start:end], span.method, span.confidence))
        taken.update(range(start, end))
        return True

    rules = rule_spans(simple)
    for span in rules:  # a courtesy name or a cited work marks where a name ends: the surest evidence there is
        if span.method in _SURE_PATTERNS or _sure_posthumous(simple, span):
            add(span)
    entries, extra = lexicon(), extra or {}
    lengths = sorted({len(k) for k in entries} | {len(k) for k in extra}, reverse=True)
    i = 0
    while i < len(simple):
        for n in lengths:
            key = simple[i : i + n] if i + n <= len(simple) else None
            # The mined lexicon has the last word; a one-character given name only where it opens a clause.
            hit = (entries.get(key) or (extra.get(key) if n > 1 else None)) if key else None
            if hit and add(Span(hit[0], i, i + n, "", hit[1])):
                i = spans[-1].end
                break
        else:
            i += 1
    for span in rules:  # then the weaker patterns, where the lexicon found nothing
        add(span)
    for span in listed_with_persons(simple, spans):
        add(span)
    for span in named_after_office(simple, spans):
        add(span)
    spans = _credit_patterns(simple, spans, rules)
    if translation:
        from entities.name_projection import METHOD, projected_spans

        modern = name_form(translation)
        found = [(s.kind, s.start, s.end) for s in spans]
        for kind, start, end in projected_spans(simple, modern, found):
            add(Span(kind, start, end, "", METHOD))
        from entities import copied_places

        for kind, start, end in copied_places.copied_landmarks(simple, modern):
            landmark = Span(kind, start, end, "", copied_places.METHOD)
            spans = _yield_to_landmark(spans, landmark, taken, simple)
            add(landmark)
        for kind, start, end in copied_places.copied_locatives(simple, modern):
            add(Span(kind, start, end, "", copied_places.LOCATIVE_METHOD))
    for kind, start, end, confidence in tagged or ():
        if kind == "person" and end - start < 2:
            continue  # the tagger's one-character persons are names cut short (孟 of 孟頫: 頫 is rare)
        if kind == "person" and simple[start:end] in common_words():
            continue  # 千里, 自然, 夫人: words; a given name that is one too (明亮 of 钟明亮) comes from ``extra``
        if kind == "place" and set(simple[start:end]) <= ADMIN_UNITS:
            continue  # a unit alone (州 of 所经州郡) names no place
        tagger_span = Span(kind, start, end, "", "entity-tagger", confidence)
        if kind == "person":
            spans = _yield_to_full_name(spans, tagger_span, taken, simple)
        else:
            spans = _yield_to_longer_place(spans, tagger_span, taken, simple)
        add(tagger_span)
    for span in _short_given_names(simple, extra):  # the weakest evidence: where nothing else found a name
        add(span)
    return join_office_prefixes(sorted(spans, key=lambda s: s.start), text, simple)


def _sure_posthumous(simple: str, span: Span) -> bool:
    """Whether ``span`` is a posthumous name that should go before the lexicon: a whole 汉高祖 or 周文王 over the
    高祖 or 周文 inside it, 昭宗 over a junk place 宗心 after it.

    Not when a place or title of the lexicon (two characters or more) begins at or before it and runs into it,
    a prince's fief (平王 of 广平王, 定襄公) or a title (世宗纪); nor when an office begins before it (中宗 of
    侍中宗敞), or a person of three characters or more inside it (平王思政 is 平 "put down" 王思政); nor before
    主, a princess (鲁元公主)."""
    if span.method != "posthumous-pattern" or simple[span.end : span.end + 1] == "主":
        return False
    for start in range(max(0, span.start - 6), span.end):
        for end in range(max(start + 2, span.start + 1), min(len(simple), start + 10) + 1):
            kind = _lexicon_kind(simple[start:end])
            if (kind in ("place", "title") and start <= span.start) or (kind == "office" and start < span.start):
                return False
            if kind == "person" and start > span.start and end - start >= 3:
                return False
    return True


def _credit_patterns(simple: str, spans: list[Span], rules: list[Span]) -> list[Span]:
    """``spans`` with each full name taken from elsewhere in the document (``document-name``) credited to the
    pattern that marks it here too, if one does: it was found in this text, not only carried into it."""
    carried = [s for s in spans if s.method == "document-name"]
    if not carried:
        return spans
    others = [s for s in spans if s.method != "document-name"]
    by_pattern = {(s.kind, s.start, s.end): s.method for s in rules + listed_with_persons(simple, others)}
    return [replace(s, method=by_pattern.get((s.kind, s.start, s.end), s.method)) if s in carried else s for s in spans]


def _sole_overlap(spans: list[Span], span: Span) -> Span | None:
    """The one span of ``spans`` that ``span`` overlaps; None when it overlaps none or several."""
    inside = [s for s in spans if s.start < span.end and span.start < s.end]
    return inside[0] if len(inside) == 1 else None


def _without(spans: list[Span], part: Span, taken: set[int]) -> list[Span]:
    """``spans`` without ``part``, whose characters ``taken`` frees."""
    taken.difference_update(range(part.start, part.end))
    return [s for s in spans if s is not part]


def _yield_to_full_name(spans: list[Span], person: Span, taken: set[int], simple: str) -> list[Span]:
    """``spans`` without the one that a tagged ``person`` shows to be part of a longer name: a state that is
    the name's surname (赵 of 赵延晖), a two-character name of the lexicon that the tagger reads as a surname
    and a two-character given name (杨仁 of 杨仁美), or a given name of the lexicon that the tagger reads with
    the surname before it (彦询 of 高彦询). A name of three characters or more in the lexicon is taken as whole
    (贾似道 never yields to 贾似道误). Nothing changes if the person overlaps any other span. ``taken`` is
    updated to match."""
    from entities.mining.names import SURNAMES_1

    part = _sole_overlap(spans, person)
    if part is None:
        return spans
    length, part_length, same_start = person.end - person.start, part.end - part.start, part.start == person.start
    surname_state = part.method == "state-pattern" and part_length == 1 and length in (2, 3) and same_start
    two_in_three = part.method == "person-lexicon" and part_length == 2 and length == 3
    short_name = two_in_three and same_start
    given_name = two_in_three and part.end == person.end and simple[person.start] in SURNAMES_1
    return _without(spans, part, taken) if surname_state or short_name or given_name else spans


#: What a tagged place may add after a place of the lexicon to replace it (江陵 + 城, 清河 + 口, 燕 + 京), and
#: before one (东 + 沙州, 小 + 新城); other characters are mostly a verb or a neighbour's name (振京城, 温常州).
_PLACE_SUFFIXES = frozenset("城山口道路军桥仓陵京都关津国")
_PLACE_PREFIXES = frozenset("东西南北大小")
#: Words that end in a place suffix but are no place's: 山河 "mountains and rivers", 城隍 "the city god".
_SUFFIX_WORDS = frozenset({"山河", "山川", "城隍"})


def _yield_to_longer_place(spans: list[Span], place: Span, taken: set[int], simple: str) -> list[Span]:
    """``spans`` without the place that a tagged ``place`` one character longer shows to be cut short, where
    that place is all the tagged one overlaps: a county the suffix pattern took by its last character only
    (汉县 of 临汉县), or a place of the lexicon that the tagged one extends by a place suffix (江陵城) or by a
    direction or size before it (东沙州). ``taken`` is updated to match. (In a sample of ``cm_train``, about a
    third of the other extensions were wrong: 振京城, 宁州山崩, 晋师.)"""
    part = _sole_overlap(spans, place)
    if part is None or part.kind != "place":
        return spans
    inside_place = place.start <= part.start and part.end <= place.end
    if part.end - part.start + 1 != place.end - place.start or not inside_place:
        return spans
    if part.end == place.end:
        added = simple[place.start]
        longer = part.method == "suffix-pattern" or added in _PLACE_PREFIXES
    else:
        added = simple[place.end - 1]
        longer = part.method != "suffix-pattern" and simple[part.end - 1] not in "州郡县" and added in _PLACE_SUFFIXES
        longer = longer and simple[place.end - 1 : place.end + 1] not in _SUFFIX_WORDS
    return _without(spans, part, taken) if longer else spans


def _yield_to_landmark(spans: list[Span], landmark: Span, taken: set[int], simple: str) -> list[Span]:
    """``spans`` without the place that a copied ``landmark`` holds and overlaps alone: a place that begins the
    landmark's name (洛阳 of 洛阳宫, 甘泉 of 甘泉宫), or ends it after a direction (渭桥 of 东渭桥); not a region
    (江南山 is the hills of Jiangnan). ``taken`` is updated. (Other characters before a place are mostly verbs
    the modern language keeps, 伐南山 of 讨伐南山.)"""
    part = _sole_overlap(spans, landmark)
    if part is None or part.kind != "place" or part.method == "region-lexicon":
        return spans
    head = part.start == landmark.start and part.end < landmark.end
    tail = part.end == landmark.end and part.start == landmark.start + 1 and simple[landmark.start] in "东西南北"
    return _without(spans, part, taken) if head or tail else spans


#: Words that qualify the office written right after them (检校 "acting", 检校太子少师): one title with it.
OFFICE_PREFIXES = frozenset({"检校"})


def join_office_prefixes(spans: list[Span], text: str, simple: str) -> list[Span]:
    """``spans`` (sorted, over ``text``) with each office prefix joined to the office that follows it at once;
    ``simple`` is ``text`` in the lexicons' script, same length."""
    out: list[Span] = []
    for span in spans:
        prev = out[-1] if out else None
        prefix = prev is not None and simple[prev.start : prev.end] in OFFICE_PREFIXES
        if prefix and prev.kind == span.kind == "office" and prev.end == span.start:
            out[-1] = Span("office", prev.start, span.end, text[prev.start : span.end], span.method, span.confidence)
        else:
            out.append(span)
    return out
