"""Names a modern translation writes in full where the classical source abbreviates them.

Classical prose names a person by the given name or the surname alone once the person is known (仪 for 张仪,
怀光 for 李怀光, 杜 for 杜甫) and a state or river by one character (燕, 淮); its modern translation writes 张仪,
燕国, 淮河. Read alone, such a character is too ambiguous for any rule (梁 is also "beam", 燕 "swallow"), but
beside its translation it is plain. The translations are the parallel corpus's when silver labels are made
for the entity tagger (``entities.silver``), and the pipeline's own translator's in the annotate stage.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from entities.lexicons import lexicon
from entities.vocabulary import given_name

METHOD = "translation-projection"

#: One-character states and rivers that a translation writes out (燕 as 燕国, 淮 as 淮河): the character alone
#: in the source is then the place. Single characters are far too ambiguous for the rules to tag everywhere
#: (梁 is also "beam", 燕 "swallow"), so the translation is the evidence.
PROJECTED_STATES = frozenset("秦齐楚燕韩赵魏宋卫郑鲁晋吴越陈蔡曹许邾莒滕薛梁蜀巴虞虢杞邢随邓申")
PROJECTED_RIVERS = frozenset("淮渭泾洛汝颍泗沂汾漳湘沅汉济")
#: Parts of names that are words of address, not a name (子 of 孔子 in 子曰 is "the Master").
_NOT_PARTS = frozenset("子公氏生君王帝侯伯叔父兄")


def _written_out(pair: str) -> bool:
    """Whether ``pair`` is a one-character state or river written out (燕国, 淮河, 汉水)."""
    return (pair[1:] == "国" and pair[:1] in PROJECTED_STATES) or (
        pair[1:] in ("河", "水") and pair[:1] in PROJECTED_RIVERS
    )


def _names_in(text: str) -> Counter[str]:
    """How often each lexicon person, and each written-out state or river, stands in ``text``."""
    entries = lexicon()
    found: Counter[str] = Counter()
    for i in range(len(text)):
        for length in (2, 3, 4):
            word = text[i : i + length]
            if len(word) == length and entries.get(word, ("",))[0] == "person":
                found[word] += 1
        if _written_out(text[i : i + 2]):
            found[text[i : i + 2]] += 1
    return found


def projected_spans(
    source: str, translation: str, taken: Iterable[tuple[str, int, int]] = ()
) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` spans in ``source`` that its modern ``translation`` names in full: a person the
    source calls by the given name or the surname alone (仪 of 张仪, 怀光 of 李怀光, 杜 of 杜甫), a state or river
    by its one character (燕 of 燕国, 淮 of 淮河).

    The translators make such references explicit, which the rules, reading the classical text alone, cannot
    do. A part is taken only where the source lacks the full form and holds the part no more often than the
    translation holds the full form, outside the spans already ``taken``, so a common character is not tagged
    everywhere it stands.
    """
    used = [False] * len(source)
    for _kind, start, end in taken:
        used[start:end] = [True] * (end - start)
    spans: list[tuple[str, int, int]] = []
    for full, count in sorted(_names_in(translation).items()):
        if full in source:
            continue
        if _written_out(full):
            kind, parts = "place", [full[0]]
        else:
            given = given_name(full)
            kind, parts = "person", [given, full[: len(full) - len(given)]] if given else []
        for part in parts:
            starts = [m.start() for m in re.finditer(re.escape(part), source)]
            if not starts:
                continue  # the surname is tried only where the given name is not in the source
            free = [s for s in starts if not any(used[s : s + len(part)])]
            if part not in _NOT_PARTS and free and len(free) <= count:
                for s in free:
                    spans.append((kind, s, s + len(part)))
                    used[s : s + len(part)] = [True] * len(part)
            break
    return sorted(spans, key=lambda span: span[1])
