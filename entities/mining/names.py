"""Mine person and place lexicons from the corpora: ``python -m entities.mining.names``.

No openly licensed gazetteer or prosopography is available offline, so the names come from the patterns
classical biography and narrative use, run over ``punct_train.jsonl.gz`` (NiuTrans Classical-Modern, MIT),
and from the names translators copy unchanged in ``cm_train.tsv.gz`` (``entities/mining/copied_names.py``):

- ``X，字Y`` / ``X字Y``: X is a person and Y their courtesy name (X must begin with a known surname);
- ``X者，Y人也`` / ``X，Y人也``: X is a person, Y their place of origin;
- ``X曰`` / ``X谓`` / ``X对曰`` after a clause boundary: X (surname + one or two characters) is a speaker,
  kept when it speaks often enough and is not a common word;
- places named by their administrative or geographic suffix (``X州``, ``X郡``, ``X县``, ``X山``, ...), kept
  when frequent and not a determiner plus suffix (本州, 诸郡, ...).

Every entry carries its count and the pattern that found it. Written (simplified script) to
``corpora/lexicons/persons.tsv`` and ``corpora/lexicons/places.tsv``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from entities.lexicons import LEXICONS, common_words, lexicon
from entities.mining.copied_names import (
    corpus_stats,
    is_fragment,
    is_modern_word,
    mine_bare_names,
    mine_copied,
    mine_copied_places,
    mine_wordlike_surnamed,
)
from entities.vocabulary import DETERMINERS, SURNAMES_2, TITLES_AFTER_SURNAME, could_be_speaker, has_surname, name_form
from wenyuan.chars import HAN

ROOT = Path(__file__).resolve().parents[2]

#: Further first characters that make "X + natural feature" a phrase (以水 "with water", 登山 "climb a hill",
#: 壬水 a five-phases term) rather than the name of a river or mountain.
_NOT_FEATURE_START = set("以而则若如注筑登封师壬癸庚辛甲乙丙丁戊己高青海山水江河深浅名见临望渡涉循沿过经出越逾度无弃")
_SPEECH = "(?:对曰|曰|谓|问|答|道(?=：))"
_CJK = f"[{HAN}]"
_STYLE = re.compile(rf"(?:^|[，。；：！？、\s])({_CJK}{{2,3}})，?字({_CJK}{{2}})[，。；]")
_ORIGIN = re.compile(rf"(?:^|[。\s])({_CJK}{{2,3}})(?:者)?，(?:字{_CJK}{{1,2}}，)?({_CJK}{{2,6}})人也")
_SPEAKER = re.compile(rf"(?:^|[，。；：！？\s“])({_CJK}{{2,3}}){_SPEECH}")
#: What makes "X人也" a description rather than a man's origin, though the man before it is named all the same:
#: 非 or a numeral first (非常人也 "no ordinary man", 一妇人也 "a woman"), or 之 inside (天下之贤人也).
_NOT_AN_ORIGIN = re.compile("^[非一]|之")
_SUFFIXED = re.compile(rf"({_CJK}{{1,2}}(?:州|郡|县|山|江|河|水|关|城))")
# ``府`` is left out: most X府 are offices (知府, 开府, 都督府), not places.
_PLACE_SUFFIX_MIN = {"州": 5, "郡": 5, "县": 5, "山": 8, "江": 8, "河": 8, "水": 10, "关": 8, "城": 8}


def mine(path: Path, min_speaker: int = 5) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    """Person and place entries (simplified) with (count, method)."""
    persons: dict[str, Counter] = defaultdict(Counter)
    places: dict[str, Counter] = defaultdict(Counter)
    speakers: Counter[str] = Counter()
    suffixed: Counter[str] = Counter()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = name_form(json.loads(line)["text"])
            for m in _STYLE.finditer(text):
                if has_surname(m.group(1)):
                    persons[m.group(1)]["style-pattern"] += 1
                    persons[m.group(2)]["courtesy-name"] += 1
            for m in _ORIGIN.finditer(text):
                if has_surname(m.group(1)) and not m.group(2).startswith(("不", "何", "此", "其")):
                    persons[m.group(1)]["origin-pattern"] += 1
                    if not _NOT_AN_ORIGIN.search(m.group(2)):
                        places[m.group(2)]["origin-pattern"] += 1
            speakers.update(m.group(1) for m in _SPEAKER.finditer(text))
            suffixed.update(m.group(1) for m in _SUFFIXED.finditer(text))
    for name, n in speakers.items():
        if n >= min_speaker and name not in SURNAMES_2 and could_be_speaker(name):
            persons[name]["speaker-pattern"] += n
    for name, n in suffixed.items():
        if name[0] in DETERMINERS or n < _PLACE_SUFFIX_MIN[name[-1]] or name in persons:
            continue
        if len(name) == 3 and name[1] in DETERMINERS:  # 冀二州 "the two prefectures Ji and ..."
            continue
        if name[-1] in "山水江河城关" and name[0] in _NOT_FEATURE_START:
            continue
        places[name]["suffix-pattern"] += n
    # A courtesy name that is also a place (or a one-off) is too ambiguous to match in running text.
    for name in [n for n, c in persons.items() if set(c) == {"courtesy-name"} and (n in places or c.total() < 2)]:
        del persons[name]
    for name in set(persons) & set(places):
        if places[name].total() >= persons[name].total():
            del persons[name]
        else:
            del places[name]

    def flatten(table: dict[str, Counter]) -> dict[str, tuple[int, str]]:
        return {name: (c.total(), "+".join(sorted(c))) for name, c in table.items()}

    return flatten(persons), flatten(places)


#: Patterns whose finds the parallel corpus may overrule (the others are biographical formulas).
_WEAK = {"speaker-pattern", "courtesy-name", "suffix-pattern"}


def drop_unlikely(persons: dict, places: dict, stats: dict) -> None:
    """Remove, in place, entries the parallel corpus contradicts: words of the modern language (他的, 凡是),
    finds of the weaker patterns that translators reword (何必 "why must", 次河 "camped by the river"), and
    two-character places that are mostly pieces of longer names (远军 of 宁远军:
    :func:`~entities.mining.copied_names.is_fragment`), and suffix finds that the corpus reads as persons (禄山 of
    安禄山, moved to the persons when the translators copy them). A piece matches only where the longer name
    is unknown, and is then wrong; a longer place is left alone, as most are a two-character place and its
    unit."""
    for table in (persons, places):
        for name, (_count, methods) in list(table.items()):
            s = stats.get(name)
            if s is None:
                continue
            found_by = set(methods.split("+"))
            # What the translators could type of a name is what they could copy (州 of 邠州; but 虡宫县, a ritual
            # "bell racks hung on four sides", is 宫悬 in translation).
            reworded = found_by <= _WEAK and s.sentences >= 3 and s.typed_copied < 0.5 * s.sentences
            # A place known only from being copied needs the stricter test (控制, 灭亡 pass the looser one).
            factor = 10 if table is places and found_by == {"copy-through"} else 30
            if is_modern_word(s, factor) or reworded or (table is places and len(name) == 2 and is_fragment(s)):
                del table[name]
            elif table is places and found_by == {"suffix-pattern"} and _in_persons_contexts(s):
                del table[name]  # 禄山 and 安禄山 are An Lushan, not hills: persons, if copied as names are
                if s.copy_rate >= 0.9:
                    _add_find(persons, name, s.sentences, "copy-through")


def drop_pattern_words(persons: dict[str, tuple[int, str]]) -> list[str]:
    """Remove, in place, persons that only the patterns found (no translator copied them as a name) and that
    are words: frequent words of a modern dictionary that it does not tag as names (千里, 公孙, 何必, 自然:
    :mod:`entities.lexicons`), and a place's people (鲁人, 江阴人). Returns the names removed, sorted."""
    words = common_words()
    dropped = sorted(
        name
        for name, (_count, methods) in persons.items()
        if "copy-through" not in methods.split("+")
        and (name in words or (name.endswith("人") and not name.endswith(TITLES_AFTER_SURNAME)))
    )
    for name in dropped:
        del persons[name]
    return dropped


def _in_persons_contexts(s) -> bool:
    """Whether the corpus writes a candidate in persons' contexts (禄山反, 遣禄山) at least five times and more
    than twice as often as in places' (至X, X人)."""
    return s.person_context >= 5 and s.person_context > 2 * s.place_context


def _add_find(table: dict[str, tuple[int, str]], name: str, count: int, method: str) -> None:
    """Add ``count`` finds of ``name`` by ``method`` to a flattened (count, "method+method") table."""
    old_count, methods = table.get(name, (0, ""))
    table[name] = (old_count + count, "+".join(sorted({*filter(None, methods.split("+")), method})))


def write(entries: dict[str, tuple[int, str]], path: Path, kind: str, sources: list[Path]) -> None:
    names = " and ".join(s.name for s in sources)
    # Names the miner's path before issue #40, like the shipped file's header: update it at the next re-mining.
    header = (
        f"# {kind.capitalize()} names mined from {names} (NiuTrans Classical-Modern corpus, MIT) by\n"
        "# corpora/mine_names.py and corpora/mine_copied_names.py (methods in their docstrings); simplified.\n"
    )
    rows = sorted(entries.items(), key=lambda kv: (-kv[1][0], kv[0]))
    body = "".join(f"{name}\t{count}\t{method}\n" for name, (count, method) in rows)
    path.write_text(header + f"{kind}\tcount\tmethod\n" + body, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "punct_train.jsonl.gz")
    ap.add_argument("--parallel", type=Path, default=ROOT.parent / "shared" / "corpora" / "cm_train.tsv.gz")
    ap.add_argument("--out", type=Path, default=LEXICONS)
    args = ap.parse_args()
    for corpus in (args.corpus, args.parallel):
        if not corpus.is_file():
            ap.error(f"{corpus}: corpus not found (pass --corpus/--parallel, or put ../shared beside the checkout)")
    persons, places = mine(args.corpus)
    for name, n in mine_copied(args.parallel).items():
        if name not in places:  # a place its patterns found outweighs a name that is merely copied
            _add_find(persons, name, n, "copy-through")
    for name, n in mine_copied_places(args.parallel, set(persons)).items():
        _add_find(places, name, n, "copy-through")
    drop_unlikely(persons, places, corpus_stats(args.parallel, set(persons) | set(places)))
    print("pattern finds that are words, dropped:", " ".join(drop_pattern_words(persons)))
    # Names without a surname last, so that they keep clear of every entry known: persons, places, offices,
    # titles, polities, regions, legends.
    remined = ("person-lexicon", "place-lexicon")  # the two files this run writes
    others = {entry for entry, (_kind, method) in lexicon().items() if method not in remined}
    for name, n in mine_bare_names(args.parallel, set(persons) | set(places) | others).items():
        _add_find(persons, name, n, "copy-through-bare")
    for name, n in mine_wordlike_surnamed(args.parallel, set(persons), set(persons) | set(places) | others).items():
        _add_find(persons, name, n, "copy-through-wordlike-surname")
    write(persons, args.out / "persons.tsv", "person", [args.corpus, args.parallel])
    write(places, args.out / "places.tsv", "place", [args.corpus, args.parallel])
    print(f"{len(persons)} persons, {len(places)} places -> {args.out}")


if __name__ == "__main__":
    main()
