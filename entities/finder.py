"""Find the entities of a text: the patterns of :mod:`entities.patterns`, the lexicons of
:mod:`entities.lexicons` (persons and places mined by ``entities/mining/names.py``, offices by
``entities/mining/offices.py`` and a hand list, book titles from the corpus's 《》 marks, and hand lists of
foreign states and peoples, historical regions and legendary figures), the names a document carries
(:mod:`entities.document_names`), those its translation shows (:mod:`entities.name_projection`,
:mod:`entities.copied_places`) and a learned tagger's, combined in one order of precedence.

Matching runs on a per-character simplified form of the text, so offsets stay those of the original. Spans
never overlap: each pass of :data:`PASSES` adds its candidates, in order, where no span found before holds
any of their characters, so an earlier pass wins. Only the copied-landmark and tagger passes take back a span
found before, and only one they overlap alone (``_yield_to_landmark``, ``_yield_to_full_name``,
``_yield_to_longer_place``). Whichever pass finds it, no person or place is read inside a title's 《》, an era
named without a year (康末 of 靖康末) or an era and its year (延光 of 延光四年), and a place takes the
administrative unit written right after it (顺昌 + 府). Last, an office prefix (检校 "acting") is joined to the
office written after it.

The passes, surest evidence first:

==  ========================  ================================================================================
 1  sure patterns             a courtesy name (诸葛亮字孔明), a given name after 名 (程钜夫，名文海), an author
                              before a cited work (扬雄《校猎》云), and a posthumous name that no place, title or
                              office of the lexicons runs into (汉高祖): a formula marks where the name ends
 2  lexicons                  the shipped lexicons, then the document's names of two characters or more
                              (``extra``); the longest entry first at each position, the shipped lexicon winning
                              for the same string
 3  weaker patterns           the rest of :func:`~entities.patterns.rule_spans` in its order (rulers, states,
                              units, lists before a count, speakers), where no lexicon entry stands
 4  lists                     names listed beside a person found so far (卢杞、赵赞等)
 5  names after offices       a name right after an office found so far (太守陈登。)
 -  credit                    adds nothing: a document's name that a pattern marks here is credited to it
 6  translation projection    short forms the translation writes in full (仪 of 张仪, 燕 of 燕国)
 7  copied landmarks          landmarks the translation copies (龙虎台); one may replace the place its name
                              begins with (洛阳 of 洛阳宫)
 8  copied locatives          what 于 puts at the end of a clause, copied after 在 (战于长桥 as 在长桥交战)
 9  tagger                    the learned tagger's persons and places, where the rules left room; a person may
                              replace a part of its name found alone, a place the place it extends by one
                              character
10  given names alone         a document's one-character given names, where a clause opens with one or a verb
                              that takes a person precedes it
==  ========================  ================================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from corpora.punct import PUNCT_LABELS
from entities import copied_places, name_projection
from entities.dates import dated_eras, era_mentions
from entities.lexicons import common_words, lexicon, lexicon_kind
from entities.patterns import listed_with_persons, named_after_office, rule_spans
from entities.spans import Span, TaggedTuple
from entities.vocabulary import ADMIN_UNITS, GENERIC_UNIT_SECOND, SURNAMES_1, name_form
from wenyuan.chars import is_han_text
from wenyuan.script import simplified_chars

#: How the spans of :func:`find_entities` were found (recorded as each entity's ``method``).
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


_TITLE_MARKS = re.compile("《[^《》]*》")
#: Patterns whose spans go before the lexicons': a formula naming a person or a cited work marks where a name ends.
_SURE_PATTERNS = frozenset({"style-pattern", "given-name-pattern", "citation-pattern"})


def find_entities(
    text: str,
    extra: dict[str, tuple[str, str]] | None = None,
    tagged: list[TaggedTuple] | None = None,
    translation: str | None = None,
) -> list[Span]:
    """Non-overlapping entities in ``text``, found by the passes of :data:`PASSES` in their order.

    ``extra`` adds entries (simplified entry -> (kind, method)) to the lexicon for this call, such as
    :func:`~entities.document_names.given_names` of the persons found earlier in the same book; the lexicon
    wins where both have one. A one-character entry is read last, and only where it opens a clause or follows a
    verb that takes a person.
    ``tagged``: persons and places a learned tagger found in ``text`` (kind, start, end, confidence); they
    fill what the lexicons and patterns left, and a tagged person of two or more characters replaces the
    parts of its name that they found alone (:func:`_yield_to_full_name`).
    ``translation``: a modern translation of ``text``; the persons and places it names in full that ``text``
    abbreviates (仪 of 张仪, 燕 of 燕国: :func:`entities.name_projection.projected_spans`), and the places it copies
    unchanged (龙虎台, 战于长桥 as 在长桥交战: :mod:`entities.copied_places`), come before the tagger's, being surer.
    """
    search = _Search(text, extra, tagged, translation)
    for _name, run in PASSES:
        run(search)
    return join_office_prefixes(sorted(search.spans, key=lambda s: s.start), text, search.simple)


class _Search:
    """One call of :func:`find_entities`: the text, the spans found so far and the characters they take."""

    def __init__(
        self,
        text: str,
        extra: dict[str, tuple[str, str]] | None,
        tagged: Iterable[TaggedTuple] | None,
        translation: str | None,
    ):
        self.text = text
        self.simple = name_form(simplified_chars(text))
        self.extra = extra or {}
        self.tagged = tagged or ()
        # The translation in the lexicons' script; None without one.
        self.modern = name_form(translation) if translation else None
        self.taken: set[int] = set()
        self.spans: list[Span] = []
        # A name inside a title's marks is part of the title (《成宗实录》, 《西京》赋), no person or place of its own;
        # nor is one inside an era named without a year (康末 of 靖康末, mined from translations that copy it).
        marks = _TITLE_MARKS.finditer(self.simple)
        self.not_names = {i for m in marks for i in range(m.start() + 1, m.end() - 1)}
        self.not_names.update(i for start, end in era_mentions(text) for i in range(start, end))
        # Nothing inside an era and its year is a name either (延光 of 延光四年, 龙三 of 黄龙三年), though a longer
        # name may hold the era (窦建德六年).
        self.eras = dated_eras(text)
        self.rules = rule_spans(self.simple)

    def add(self, span: Span) -> bool:
        """Keep ``span`` (with its text) unless a span found before holds one of its characters, or it is a
        person or place where none may be; a place takes the unit after it. Whether it was kept."""
        start, end = span.start, span.end
        if self.taken.intersection(range(start, end)):
            return False
        if span.kind in ("person", "place") and (
            self.not_names.intersection(range(start, end)) or any(a <= start and end <= b for a, b in self.eras)
        ):
            return False
        if span.kind == "place" and _unit_follows(self.simple, end) and end not in self.taken:
            end += 1  # 德安 + 府: the unit belongs to the place's name
        self.spans.append(Span(span.kind, start, end, self.text[start:end], span.method, span.confidence))
        self.taken.update(range(start, end))
        return True


# ---------------------------------------------------------------------------------------------------- passes


def _sure_patterns(search: _Search) -> None:
    """A courtesy name or a cited work marks where a name ends: the surest evidence there is."""
    for span in search.rules:
        if span.method in _SURE_PATTERNS or _sure_posthumous(search.simple, span):
            search.add(span)


def _lexicon_entries(search: _Search) -> None:
    """The lexicons' entries, longest first at each position, then the document's names (``extra``)."""
    simple, entries, extra = search.simple, lexicon(), search.extra
    lengths = sorted({len(k) for k in entries} | {len(k) for k in extra}, reverse=True)
    i = 0
    while i < len(simple):
        for n in lengths:
            key = simple[i : i + n] if i + n <= len(simple) else None
            # The mined lexicon has the last word; a one-character given name only where it opens a clause.
            hit = (entries.get(key) or (extra.get(key) if n > 1 else None)) if key else None
            if hit and search.add(Span(hit[0], i, i + n, "", hit[1])):
                i = search.spans[-1].end
                break
        else:
            i += 1


def _weaker_patterns(search: _Search) -> None:
    """The other patterns, where the lexicon found nothing."""
    for span in search.rules:
        search.add(span)


def _listed_persons(search: _Search) -> None:
    for span in listed_with_persons(search.simple, search.spans):
        search.add(span)


def _names_after_offices(search: _Search) -> None:
    for span in named_after_office(search.simple, search.spans):
        search.add(span)


def _credit(search: _Search) -> None:
    search.spans = _credit_patterns(search.simple, search.spans, search.rules)


def _projected(search: _Search) -> None:
    if not search.modern:
        return
    found = [(s.kind, s.start, s.end) for s in search.spans]
    for kind, start, end in name_projection.projected_spans(search.simple, search.modern, found):
        search.add(Span(kind, start, end, "", name_projection.METHOD))


def _copied_landmarks(search: _Search) -> None:
    if not search.modern:
        return
    for kind, start, end in copied_places.copied_landmarks(search.simple, search.modern):
        landmark = Span(kind, start, end, "", copied_places.METHOD)
        search.spans = _yield_to_landmark(search.spans, landmark, search.taken, search.simple)
        search.add(landmark)


def _copied_locatives(search: _Search) -> None:
    if not search.modern:
        return
    for kind, start, end in copied_places.copied_locatives(search.simple, search.modern):
        search.add(Span(kind, start, end, "", copied_places.LOCATIVE_METHOD))


def _tagged(search: _Search) -> None:
    simple = search.simple
    for kind, start, end, confidence in search.tagged:
        if kind == "person" and end - start < 2:
            continue  # the tagger's one-character persons are names cut short (孟 of 孟頫: 頫 is rare)
        if kind == "person" and simple[start:end] in common_words():
            continue  # 千里, 自然, 夫人: words; a given name that is one too (明亮 of 钟明亮) comes from ``extra``
        if kind == "place" and set(simple[start:end]) <= ADMIN_UNITS:
            continue  # a unit alone (州 of 所经州郡) names no place
        tagger_span = Span(kind, start, end, "", "entity-tagger", confidence)
        if kind == "person":
            search.spans = _yield_to_full_name(search.spans, tagger_span, search.taken, simple)
        else:
            search.spans = _yield_to_longer_place(search.spans, tagger_span, search.taken, simple)
        search.add(tagger_span)


def _one_character_given_names(search: _Search) -> None:
    """The weakest evidence: where nothing else found a name."""
    for span in _short_given_names(search.simple, search.extra):
        search.add(span)


#: The passes of :func:`find_entities`, in order of precedence (the table in the module's docstring): a span a
#: pass adds holds its characters against every pass after it.
PASSES: tuple[tuple[str, Callable[[_Search], None]], ...] = (
    ("sure patterns", _sure_patterns),
    ("lexicons", _lexicon_entries),
    ("weaker patterns", _weaker_patterns),
    ("lists", _listed_persons),
    ("names after offices", _names_after_offices),
    ("credit", _credit),
    ("translation projection", _projected),
    ("copied landmarks", _copied_landmarks),
    ("copied locatives", _copied_locatives),
    ("tagger", _tagged),
    ("given names alone", _one_character_given_names),
)


# ------------------------------------------------------------------------------------------- what wins where


def _unit_follows(simple: str, end: int) -> bool:
    """Whether a unit of the place ending at ``end`` follows it: not one of 州郡/州县/郡县 ("the prefectures and
    counties": 所经州郡 is no 经州), nor a second unit after one (益州郡)."""
    return (
        end < len(simple)
        and simple[end] in ADMIN_UNITS
        and simple[end - 1] not in ADMIN_UNITS
        and simple[end + 1 : end + 2] not in GENERIC_UNIT_SECOND
    )


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
            kind = lexicon_kind(simple[start:end])
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
_EXTENDING_SUFFIXES = frozenset("城山口道路军桥仓陵京都关津国")
_EXTENDING_PREFIXES = frozenset("东西南北大小")
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
        longer = part.method == "suffix-pattern" or added in _EXTENDING_PREFIXES
    else:
        added = simple[place.end - 1]
        longer = part.method != "suffix-pattern" and simple[part.end - 1] not in "州郡县"
        longer = longer and added in _EXTENDING_SUFFIXES
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
