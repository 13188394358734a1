"""Mine person names from what translators copy; ``python -m entities.mining.names`` runs this too.

A name is not translated: when a classical sentence says 杨炎, its modern translation says 杨炎 as well, while
most other words are rendered in modern wording (陈兵 becomes 布兵, 王师 becomes 君王的军队). Over the
964k pairs of ``cm_train.tsv.gz`` (NiuTrans Classical-Modern, MIT) this finds far more names than the
biographical patterns alone. A candidate is kept when

- it begins with a known surname (two or three characters, or a compound surname and one or two more);
  a rarer surname (``RARE_SURNAMES``: 荀, 郗, 扬) needs the stricter person test and no place suffix inside
  (扬州总 is Yangzhou's governor-general);
- it occurs in enough sentences, and the translation repeats it in nearly all of them (the copy rate);
- it is shaped like a name: no numeral or date, no office inside it, not ending in a rank, office or place
  suffix (王元年, 许节度, 徐州刺 are not names);
- it is seldom in a place's contexts (至X "reached X", X人 "a man of X") and either often in a person's
  (X曰 "X said", 遣X "sent X", X卒 "X died") or copied so often that it can hardly be a common word;
- it is not a kept name with a word glued on (赵葵为, 马王莽), nor mostly a piece of longer names (刘建 in
  刘建锋), nor mostly the tail of a compound surname's name (马光 of 司马光, 侯惇 of 夏侯惇).

The translators spell some rare characters in two pieces (朱泚 is 朱氵此 in the translation); those are joined
first (``corpora.split_characters``), so such a name counts as copied. Characters their input method lacked
(outside GB2312: 瑊, 璟, 彧) they dropped or replaced, so the part of a name they could type counts as its copy
(浑瑊 as 浑, 宋璟 as 宋景): :func:`is_copied`.

Places are left to the suffix patterns: copied strings in places' contexts are too often persons too.
Given names used alone after the first mention (怀光 for 李怀光, 炽磐 for 乞伏炽磐) are taken from the persons
kept whose given name is two characters, when the given name is itself copied and mostly used in a person's
contexts. A surname that is a common word too (石 "stone" of 石敬瑭) begins no candidate; it is read before a
given name known already (:func:`mine_wordlike_surnamed`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from corpora.parallel import iter_pairs
from corpora.split_characters import join_split_characters
from entities.dates import era_names
from entities.lexicons import common_words, read_lexicon
from entities.vocabulary import (
    GLUE,
    PERSON_AFTER,
    PERSON_BEFORE,
    PLACE_AFTER,
    PLACE_BEFORE,
    RARE_SURNAMES,
    SURNAMES_1,
    SURNAMES_2,
    WORDLIKE_SURNAMES,
    name_form,
)
from wenyuan.chars import is_han_text


@dataclass(slots=True)
class Stats:
    """What the corpus says about one candidate string."""

    sentences: int = 0  # source sentences containing it
    copied: int = 0  # ... whose translation contains it too
    occurrences: int = 0
    person_context: int = 0
    place_context: int = 0
    in_targets: int = 0  # translations containing it (filled by corpus_stats only)
    # occurrences copied together with the character before it, or after it (not a suffix); corpus_stats only
    glued_before: int = 0
    glued_after: int = 0
    era_context: int = 0  # occurrences before a year or 初/中/末 (建康元年, 长安中), as an era is written
    # occurrences whose first character ends a compound surname there (马光 of 司马光, 侯惇 of 夏侯惇)
    in_compound_surname: int = 0
    # sentences whose translation holds it, or what of it the translators could type however short (州 of 邠州);
    # corpus_stats only
    typed_copied: int = 0

    @property
    def copy_rate(self) -> float:
        return self.copied / max(self.sentences, 1)


#: The single surnames a candidate may begin with (the rarer ones meet a stricter test in ``mine_copied``).
_MINED_SURNAMES = frozenset(SURNAMES_1 | RARE_SURNAMES)


def surname_grams(text: str) -> Iterable[tuple[int, str]]:
    """(offset, candidate) for every run of two or three characters after a single surname and one or two
    after a compound surname."""
    for i, ch in enumerate(text):
        if ch in _MINED_SURNAMES:
            for n in (2, 3):
                if i + n <= len(text):
                    yield i, text[i : i + n]
        if text[i : i + 2] in SURNAMES_2:
            for n in (3, 4):
                if i + n <= len(text):
                    yield i, text[i : i + n]


@cache
def untypable(ch: str) -> bool:
    """Whether the translators could not type ``ch``: a Han character outside GB2312, in its models' simplified
    form too (爲 is typed 为). Over every 5th ``cm_train`` pair, such a character of the source is in the
    translation 13-18 % of the time, and a GB2312 one of the same frequency 48-69 %: the translators dropped it
    (浑瑊 is 浑), replaced it (浑蠨) or spelled it in two pieces."""
    from wenyuan.script import simplified_chars

    try:
        simplified_chars(ch).encode("gb2312")
    except UnicodeEncodeError:
        return is_han_text(ch)
    return False


def is_copied(name: str, translation: str, min_typed: int = 2) -> bool:
    """Whether ``translation`` repeats ``name``: whole, or what of it the translators could type when it has a
    character they could not (:func:`untypable`) and that part is ``min_typed`` characters or more (张守 of
    张守珪). One character typed is evidence only where the caller knows it is a surname (朱 of 朱泚, 浑 of 浑瑊),
    and never where it is a rank: any translation may hold 笑 of 珪笑 "Gui laughed", 州 of 邠州 or 王 of 齐王冏."""
    if name in translation:
        return True
    typed = "".join(ch for ch in name if not untypable(ch))
    if len(typed) == 1 and typed in RANKS_INSIDE:
        return False  # 王 of 齐王冏 is in any translation as the rank
    return len(typed) >= min_typed and typed != name and typed in translation


def _pairs(path: Path) -> Iterable[tuple[str, str]]:
    """(source, translation) of each cleaned pair, streamed; the translation's split characters joined
    (朱氵此 is 朱泚 copied)."""
    return ((name_form(p.src), name_form(join_split_characters(p.tgt, p.src))) for p in iter_pairs(path))


#: What follows an era name: its year (元年, 三年) or 初/中/末/时/间 (建中初).
ERA_AFTER = frozenset("元一二三四五六七八九十廿卅初中末时间")
#: What follows the 等 of a list of places (辽阳等处, 博、冀等州).
_PLACES_AFTER_A_LIST = frozenset("处州郡县路道府地")


def _count(pairs: Iterable[tuple[str, str]], grams, table: dict[str, Stats], min_typed: int = 2) -> None:
    """Fill ``table`` from (source, translation) pairs; ``grams(src)`` gives (offset, candidate); ``min_typed``
    as for :func:`is_copied`."""
    for src, tgt in pairs:
        seen: set[str] = set()
        for i, g in grams(src):
            if not is_han_text(g):
                continue
            s = table.setdefault(g, Stats())
            s.occurrences += 1
            before = src[i - 1] if i else ""
            after = src[i + len(g)] if i + len(g) < len(src) else ""
            # X等处, X等州 lists places (辽阳等处行中书省), X等 otherwise persons (卢杞等)
            listed_places = after == "等" and src[i + len(g) + 1 : i + len(g) + 2] in _PLACES_AFTER_A_LIST
            s.person_context += (before in PERSON_BEFORE or after in PERSON_AFTER) and not listed_places
            s.place_context += before in PLACE_BEFORE or after in PLACE_AFTER or listed_places
            s.era_context += after in ERA_AFTER
            s.in_compound_surname += before + g[0] in SURNAMES_2
            if g not in seen:
                seen.add(g)
                s.sentences += 1
                s.copied += is_copied(g, tgt, min_typed)


#: What a place name may end in (units, natural features, 寺, 国, 军 ...): no person's name ends in one.
PLACE_SUFFIXES = frozenset("州郡县山江河水关城寺府国路军镇朝")
#: A name holds no numeral or date (王元年 is 王 + 元年), and does not end in a rank or office (许节度): the last
#: characters of ranks and offices.
NUMERALS = frozenset("一二三四五六七八九十百千万年月")
TITLE_LAST_CHARS = frozenset("王公侯伯帝后妃主宗祖守郎史尉射侍卿相令丞事使将军度撰监司徒空马刺节太阁院卫骑士君")
#: Ranks inside a string make it a ruler plus a name (吴王夫 of 吴王夫差), and offices' buildings an office.
RANKS_INSIDE = frozenset("王公侯帝阁院省")
#: Copied often and said by persons' contexts, yet not names: titles of foreign rulers, peoples, states,
#: pieces of longer names that begin without a surname (吐谷浑, 孟尝君), books and common nouns; picked by
#: hand from the miner's most frequent output. The last six are from the names with a character the translators
#: could not type (:func:`untypable`), checked for one character always before or after them: pieces of 韩侂胄,
#: 秃发傉檀 and 朱禩孙, a king's title and name (吴越国王钱俶), and a place (黄堌口).
NOT_PERSONS = frozenset(
    "单于 可汗 高丽 高句 谷浑 韩邪 尝君 阳君 马都 章政 关内 游击 宁朔 廉访 银青光 黄龙 黄钟 黄道 黄巾 家奴 大夏 和尚"
    " 菩萨 罗汉 江浙 周易 童谣 泉宫 忠臣 莫陈 顾仆 伊训 班固赞 韩侂 秃发傉 朱禩 王钱俶 王隆祐 黄堌".split()
)
#: Surname characters that begin office titles far more often than names (左仆射, 左金吾).
NOT_NAME_START = frozenset("左右")


def could_be_name(g: str, offices: frozenset[str]) -> bool:
    """Whether ``g`` is shaped like a personal name rather than a title, a date or an office phrase."""
    if (
        g in NOT_PERSONS
        or NUMERALS.intersection(g)
        or g[0] in NOT_NAME_START
        or g[-1] in TITLE_LAST_CHARS
        or g[-1] in PLACE_SUFFIXES
        or (g[-1] in GLUE and g[-1] != "之")  # 康等 "Kang and the others"; but 王羲之 is a name
        or RANKS_INSIDE.intersection(g[1:-1])
    ):
        return False
    return not any(o in g or g in o for o in offices)


def is_person(s: Stats, min_share: float = 0.02, sure_sentences: int = 20) -> bool:
    """Whether a copied candidate reads as a person: rarely in a place's contexts, and either often in a
    person's contexts or copied so consistently and often that it can hardly be a common word."""
    if s.place_context > max(s.person_context, 0.1 * s.occurrences):
        return False
    if s.person_context >= min_share * s.occurrences:
        return True
    return s.person_context > 0 and s.copy_rate >= 0.95 and s.sentences >= sure_sentences


def is_surely_person(s: Stats) -> bool:
    """The stricter test for given names and their full names: often in a person's contexts, with no
    allowance for being merely copied often (that would admit words such as 太守)."""
    return is_person(s, min_share=0.05, sure_sentences=10**9)


def _has_rare_surname(g: str) -> bool:
    return g[0] in RARE_SURNAMES and g[:2] not in SURNAMES_2


def _reads_as_person(g: str, s: Stats) -> bool:
    """``is_person``; for a candidate whose surname is one of ``RARE_SURNAMES``, the stricter
    ``is_surely_person`` and no place suffix after the surname (扬州总, 濮州团)."""
    if _has_rare_surname(g):
        return is_surely_person(s) and not PLACE_SUFFIXES.intersection(g[1:-1])
    return is_person(s)


def is_compound_tail(s: Stats) -> bool:
    """Mostly standing after a compound surname's first character: that name's tail (马光 of 司马光)."""
    return s.in_compound_surname >= 0.5 * s.occurrences


def _given_of_two(name: str) -> str:
    """The given name of a full name whose given name is two characters, or ``""``."""
    surname = 2 if name[:2] in SURNAMES_2 else 1
    return name[surname:] if len(name) == surname + 2 else ""


def _pieces_of_longer(table: dict[str, Stats], keep: set[str]) -> set[str]:
    """Candidates that are a kept one with a word glued on (赵葵为 = 赵葵 + 为, 马王莽 = 马 + 王莽), and
    ones that mostly occur inside longer names (刘文 in 刘文静, 刘文秀, ...)."""
    drop = set()
    inside: Counter[str] = Counter()
    for g, s in table.items():  # copied together, the longer string is a name too (高彦询 around 高彦)
        if g[-1] not in GLUE and s.sentences >= 2 and s.copy_rate >= 0.75:
            inside[g[:-1]] += s.occurrences
    for g in keep:
        # A rarer surname's candidate is often a given name (祖禹 of 范祖禹), so it does not outweigh one.
        if (g[:-1] in keep and g[-1] in GLUE) or (
            g[1:] in keep and not _has_rare_surname(g[1:]) and table[g].occurrences < 0.5 * table[g[1:]].occurrences
        ):
            drop.add(g)
        if inside[g] >= 0.5 * table[g].occurrences:
            drop.add(g)
    return drop


def mine_copied(
    path: Path,
    min_sentences: int = 5,
    min_copy_rate: float = 0.9,
) -> dict[str, int]:
    """Persons (simplified) with their sentence counts, from a ``cm_*.tsv.gz`` corpus (read twice, streamed)."""
    table: dict[str, Stats] = {}
    _count(_pairs(path), surname_grams, table, min_typed=1)  # a candidate begins with its surname
    frequent = {g for g, s in table.items() if s.sentences >= min_sentences and s.copy_rate >= min_copy_rate}
    offices = frozenset(_offices())
    frequent = {g for g in frequent if could_be_name(g, offices) and _reads_as_person(g, table[g])}
    frequent = {g for g in frequent if not is_compound_tail(table[g])}
    frequent -= _pieces_of_longer(table, frequent)
    persons = {g: table[g].sentences for g in frequent}

    # Given names alone: the two characters after a single surname (怀光 of 李怀光) or a compound one (炽磐 of
    # 乞伏炽磐), the full name and the given name both seen in a person's contexts.
    given = {_given_of_two(g) for g in persons if _given_of_two(g) and is_surely_person(table[g])}
    given_table: dict[str, Stats] = {}
    _count(_pairs(path), _grams_of(given), given_table)
    for g, s in given_table.items():
        frequent_copied = s.sentences >= min_sentences and s.copy_rate >= min_copy_rate
        # a given name does not begin with a rank (公楚 is the tail of 申公楚-like titles, not a name)
        if g not in persons and frequent_copied and could_be_name(g, offices) and g[0] not in TITLE_LAST_CHARS:
            if is_surely_person(s):
                persons[g] = s.sentences
    return persons


#: Characters no two-character place name holds: function words, and pieces of offices (部郎, 副将).
NOT_IN_PLACE = frozenset(
    "在等将郎副参舍率为之于以其也者而所与及曰谓使令即乃遂又行号称时守领犯救抄入夫败衣多近的个是凡了们这那"
)
#: Copied often and in places' contexts, yet no place's name: guards, armies and offices (羽林, 神策, 宣徽, 提督),
#: asterisms (太微, 紫微, 北斗), common nouns the modern language keeps (山顶, 故乡, 宫女, 科举, 地狱, 文明), pieces
#: (太皇 of 太皇太后, 虞世 of 虞世南), and words of cosmology and rule (太极, 天德 "heavenly virtue", 大安 "great
#: peace"); picked by hand from the miner's 600 most frequent copied places (the last four from the era names
#: it now lets through).
NOT_PLACES = frozenset(
    "羽林 太皇 太微 神策 山谷 宣徽 虎贲 从西 大官 中护 提督 南斗 内地 府中 大路 北斗 水从 子家 司礼 内府 宫女 舆鬼"
    " 天皇 江府 紫微 牵牛 山顶 山麓 本部 深山 巡官 山峡 洞中 险要 科举 虞世 天市 故乡 小城 桥南 怨言 深宫 乱流 路从"
    " 仲举 国上 星西 晋书 长兼 地狱 大郡 武举 峰顶 东厂 太乐 内库 紫宫 洞口 大城 青山 小溪 都城 西汉 太极 文明"
    " 大安 天德".split()
)
#: Rooms and halls (后堂, 寝殿) are where things happen, not named places.
ROOMS = frozenset("堂殿室屋房宅舍")
#: What makes X门 or X方 a gate or quarter rather than a named place (雁门, 朔方, 剑门, 端门): a direction, size or
#: building before it (西门, 小门, 宫门; 西方 "the west").
_GENERIC_GATE_FIRST = frozenset("东西南北中上下左右内外前后大小侧便宫殿庙府营山城寺院仓篱军辕牙掖")
#: Further such words, picked by hand from the miner's output: 药方 "a prescription", 扫门 "sweep the gate", 师门
#: "a teacher's school", 隘门 and 皋门 (kinds of gate), and pieces of longer gate names (宣仁门, 文昌门, 定鼎门).
_NOT_PLACE_GATES = frozenset({"药方", "扫门", "师门", "隘门", "皋门", "仁门", "昌门", "鼎门"})
#: Rank and office endings that are not also place suffixes (a place may end in 军 or 州, not in 郎).
_TITLE_NOT_PLACE_ENDS = TITLE_LAST_CHARS - PLACE_SUFFIXES


def _bigrams(src: str) -> Iterable[tuple[int, str]]:
    for i in range(len(src) - 1):
        yield i, src[i : i + 2]


def _generic_gate(g: str) -> bool:
    return g[1] in "门方" and (g[0] in _GENERIC_GATE_FIRST or g in _NOT_PLACE_GATES)


def mine_copied_places(
    path: Path,
    persons: set[str],
    min_sentences: int = 10,
    min_copy_rate: float = 0.75,
    min_share: float = 0.15,
    max_era_share: float = 0.25,
) -> dict[str, int]:
    """Two-character places with no suffix (河北, 陇右, 朔方), from the same evidence as persons: copied by
    the translators and mostly in a place's contexts. Era names (显庆, 升明: 至X "until X") are left out,
    unless the corpus writes one as an era (before its year, or 初/中/末) in under ``max_era_share`` of its
    occurrences: 长安, 建康 and 兴元 are cities first. The ``persons`` already mined are left out; so is a
    surname-initial string unless places' contexts are overwhelming, since rare names share them (杜松 in
    至杜松营)."""
    table: dict[str, Stats] = {}
    _count(_pairs(path), _bigrams, table)
    eras, offices = era_names(), frozenset(_offices())
    places = {}
    for g, s in table.items():
        as_era = g in eras and s.era_context >= max_era_share * s.occurrences
        if s.sentences < min_sentences or s.copy_rate < min_copy_rate or g in persons or as_era or g in NOT_PLACES:
            continue
        if NOT_IN_PLACE.intersection(g) or NUMERALS.intersection(g) or g[-1] in _TITLE_NOT_PLACE_ENDS:
            continue
        # a suffix then a direction (城西 "west of the city"), a gate or quarter (西门, 西方), an office (中书)
        if g[0] in "城县州郡" or _generic_gate(g) or g[-1] in ROOMS or any(g in o for o in offices):
            continue
        share = min_share * 2 if g[0] in SURNAMES_1 else min_share
        if s.place_context >= max(2 * s.person_context, share * s.occurrences):
            places[g] = s.sentences
    return places


#: What a name without a surname does not end in, beyond ranks, place suffixes and glue: 又 ("again", 太后又), and
#: the last characters of offices and bureaus (供奉官, 御史台, 行省, 总管, 州牧, 近侍局, 文林馆, 少宰, 太卜) and of
#: a place's people (凉州人), and wells (冰井).
_BARE_NOT_END = TITLE_LAST_CHARS | PLACE_SUFFIXES | GLUE | frozenset("又官台省管牧局馆宰卜人井")
#: Copied in persons' contexts, yet no person: the historian's voice (史臣曰), books and poems (易传, 小雅, 绝句),
#: offices, titles and ranks (典签, 总把, 惕隐, 赞普, 淑仪, 虎威), ritual roles (佐食), tombs (祖陵, 怀陵), deities'
#: epithets and things (海神, 金天, 多宝, 神剑, 玉印, 盐酒); picked by hand from the 400 most frequent finds, with
#: two common nouns seen in a sample of the annotator's output (巫师 "shaman", 智臣 "a wise minister").
_NOT_BARE_NAMES = frozenset(
    "史臣 易传 典签 赞普 惕隐 佐食 祖陵 海神 金天 玉印 神剑 小雅 绝句 仙师 轻红 两街 文舞 志铭 总把 盐酒 怀陵 淑仪 虎威"
    " 多宝 巫师 智臣".split()
)


def _persons_context_bigrams(src: str, tgt: str) -> Iterable[str]:
    """The two characters after a word that takes a person (遣X) and before one a person does (X曰), when the
    translation copies them and they do not begin with a known surname (those are ``mine_copied``'s)."""
    for i, ch in enumerate(src):
        for start in (i - 2 if ch in PERSON_AFTER else -1, i + 1 if ch in PERSON_BEFORE else -1):
            g = src[start : start + 2] if start >= 0 else ""
            if (
                len(g) == 2
                and g[0] not in _MINED_SURNAMES
                and g[:2] not in SURNAMES_2
                and is_han_text(g)
                and is_copied(g, tgt)
            ):
                yield g


def mine_bare_names(
    path: Path,
    known: set[str],
    min_sentences: int = 3,
    min_copy_rate: float = 0.9,
    min_person_share: float = 0.1,
    max_place_share: float = 0.05,
) -> dict[str, int]:
    """Two-character persons that begin with no known surname, with their sentence counts: given names used
    alone (世隆, 重诲), names of antiquity (叔向, 目夷, 子驷) and names transcribed from other languages (冒顿,
    察罕). The surname-initial miner cannot see them. Evidence as for ``mine_copied``: the translators copy
    them (``min_copy_rate``), a person's contexts hold at least ``min_person_share`` of their occurrences and a
    place's at most ``max_place_share``; not a common modern word, not in ``known`` (every entry known already:
    persons, places, offices, titles), shaped like a name (``could_be_name``: no office, numeral, rank ending),
    no suffix or glue at either end, not far more frequent in the translations than in the sources, and not
    mostly a piece of a longer copied string.
    Read twice: candidates where a person's context copies them, then the corpus statistics of those."""
    hits: Counter[str] = Counter()
    for src, tgt in _pairs(path):
        hits.update(_persons_context_bigrams(src, tgt))
    table = corpus_stats(path, {g for g, n in hits.items() if n >= 2})
    words, offices = common_words(), frozenset(_offices())
    names = set()
    for g, s in table.items():
        if s.sentences < min_sentences or s.copy_rate < min_copy_rate or g in words or g in known:
            continue
        if g in _NOT_BARE_NAMES or not could_be_name(g, offices):
            continue
        if s.person_context < min_person_share * s.occurrences or s.place_context > max_place_share * s.occurrences:
            continue
        if g[0] in GLUE or g[0] in "军又" or g[-1] in _BARE_NOT_END:  # stricter at the ends than a surnamed name
            continue
        if is_modern_word(s) or is_fragment(s, min_occurrences=min_sentences):
            continue
        names.add(g)
    names -= _pieces_of_longer(table, names)
    return {g: table[g].sentences for g in names}


def mine_wordlike_surnamed(
    path: Path,
    persons: set[str],
    known: set[str],
    min_sentences: int = 3,
    min_copy_rate: float = 0.9,
) -> dict[str, int]:
    """Three-character persons whose surname is also a common word (``WORDLIKE_SURNAMES``: 石敬瑭, 白居易,
    史弘肇, 留梦炎), with their sentence counts. No miner starts a name from such a character; here the two
    characters after it must be one of ``persons`` already, two characters that begin with no surname the
    miners start from (敬瑭, 居易), and the three must pass
    ``mine_copied``'s tests: copied in ≥ ``min_copy_rate`` of ≥ ``min_sentences`` sentences, shaped like a name,
    read as a person, mostly not a piece of a longer copied string (相安童 of 丞相安童) nor a compound surname's
    tail (容彦超 of 慕容彦超), and no entry of ``known``."""
    given = {name for name in persons if len(name) == 2 and name[0] not in _MINED_SURNAMES}
    hits: Counter[str] = Counter()
    for src, _tgt in _pairs(path):
        for i in range(1, len(src) - 1):
            if src[i - 1] in WORDLIKE_SURNAMES and src[i : i + 2] in given:
                hits[src[i - 1 : i + 2]] += 1
    table = corpus_stats(path, {g for g, n in hits.items() if n >= min_sentences and g not in known})
    offices = frozenset(_offices())
    return {
        g: s.sentences
        for g, s in table.items()
        if s.sentences >= min_sentences
        and s.copy_rate >= min_copy_rate
        and could_be_name(g, offices)
        and not is_fragment(s, min_occurrences=min_sentences)
        and not is_compound_tail(s)
        and is_person(s)
    }


def _grams_of(names: set[str]):
    """A gram finder for ``_count`` that yields the occurrences of ``names``."""
    lengths = sorted({len(n) for n in names})

    def grams(src: str) -> Iterable[tuple[int, str]]:
        for i in range(len(src)):
            for n in lengths:
                if src[i : i + n] in names:
                    yield i, src[i : i + n]

    return grams


#: What may stand before or after a place in a string the translators copy whole without making it a longer
#: name: verbs and prepositions modern Chinese keeps (封为安定郡公, 封清河郡王, 在洛阳), suffixes (洛阳城, 洛阳人),
#: and the offices and ranks held over a place (扬州刺史, 清河郡王).
_BEFORE_A_PLACE = PLACE_BEFORE | GLUE | frozenset("封在从向往袭爵知补命")
_AFTER_A_PLACE = PLACE_SUFFIXES | PLACE_AFTER | frozenset("公王侯伯")


def corpus_stats(path: Path, names: set[str]) -> dict[str, Stats]:
    """How often each of ``names`` occurs in the sources of a ``cm_*.tsv.gz`` corpus, is copied (whole, or in
    any part the translators could type: ``typed_copied``), is copied together with a neighbouring character
    (``glued_before``, ``glued_after``), and occurs in the translations at all (``in_targets``)."""
    table: dict[str, Stats] = {}
    grams = _grams_of(names)
    for src, tgt in _pairs(path):
        found = list(grams(src))  # the source is scanned once for both counts
        _count([(src, tgt)], lambda _src, found=found: found, table)
        for i, g in found:
            s, end = table[g], i + len(g)
            before = src[i - 1 : i] if i else ""
            s.glued_before += is_han_text(before) and before not in _BEFORE_A_PLACE and src[i - 1 : end] in tgt
            after = src[end : end + 1]
            s.glued_after += is_han_text(after) and after not in _AFTER_A_PLACE and src[i : end + 1] in tgt
        for g in {g for _i, g in found}:
            table[g].typed_copied += is_copied(g, tgt, min_typed=1)
        for g in {g for _i, g in grams(tgt)}:
            table.setdefault(g, Stats()).in_targets += 1
    return table


def is_modern_word(s: Stats, factor: float = 30) -> bool:
    """Far more frequent in the modern translations than in the sources (他的, 凡是, 何况): a word of the
    modern language, not a name. Translators add names too (刘秀 for 光武, 黄河 for 河), up to some 20 times
    as often as the source has them, hence the default factor."""
    return s.in_targets > factor * s.sentences + 20


def is_fragment(s: Stats, min_occurrences: int = 10) -> bool:
    """Mostly a piece of longer strings that translators copy whole: the tail of names they know (远军 of
    宁远军, 阳县 of 南阳县, 宁县 of 初宁县) or their head (东渭 of 东渭桥, 演武 of 演武场). Read off the mined places:
    a real place is copied with the character before it about one time in four (至洛阳 is 到洛阳), and written
    before an office (扬州刺史) at most about half the time."""
    n = s.occurrences
    return n >= min_occurrences and (s.glued_before >= 0.6 * n or s.glued_after >= 0.8 * n)


def _offices() -> list[str]:
    return sorted(read_lexicon("offices.tsv", "office"))
