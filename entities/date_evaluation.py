"""The hand-checked date sets (``corpora/eval/dates_*.jsonl``) and how the date finder is scored on them.

Both sets are built around candidates: every ``<numeral>年/載`` in the text (a date names its year, so any
date the finder could give contains one). ``dates_dev`` covers every row of ``cm_dev.tsv.gz`` with a
candidate (the whole file's dates); ``dates_heldout`` is a random sample of candidates in
``punct_dev.jsonl.gz`` (other books). Each gold date has a ``kind``: ``era-year`` (the era is written:
至元十九年), ``carried-year`` (a year counted on in an era named before it: 二十年，…) or ``ruler-year``
(a ruler's year, no era: 鲁 僖公 十五年). Era and carried years are what the finder is meant to find; a
ruler year it reads as an era date counts as a false find.

The finder reads each text with its context, as the annotate stage does: a dev row after the rows of its
chapter before it, a held-out candidate within its whole paragraph.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from entities.dates import find_dates, find_dates_in_sequence
from entities.evaluation import EVAL, cm_rows, read_jsonl
from wenyuan.errors import CorpusError

HAND_SETS = {name: EVAL / f"dates_{name}.jsonl" for name in ("dev", "heldout")}
#: The kinds of date the finder is meant to find.
IN_SCOPE = ("era-year", "carried-year")


@dataclass(frozen=True)
class Dated:
    """A date span and the era it is read in (None: a ruler's year, or an era the annotator could not tell)."""

    start: int
    end: int
    era: str | None
    kind: str = ""


#: What the scorer calls: texts of one document in reading order -> the dates of each.
FindInSequence = Callable[[list[str]], list[list[Dated]]]


def wenyuan_finder(in_sequence: bool = True) -> FindInSequence:
    """wenyuan's date finder as the scorer calls it: each text read alone (:func:`entities.dates.find_dates`) or
    in sequence (:func:`entities.dates.find_dates_in_sequence`, bare years carried)."""

    def dated(dates) -> list[Dated]:
        return [Dated(d.start, d.end, d.chosen.era) for d in dates]

    if in_sequence:
        return lambda texts: [dated(dates) for dates in find_dates_in_sequence(texts)]
    return lambda texts: [dated(find_dates(text)) for text in texts]


def same_era(found: str, gold: str) -> bool:
    """Era names compared across scripts (DILA writes them traditional, the hand-checked sets simplified)."""
    from wenyuan.script import to_simplified

    return to_simplified(found) == to_simplified(gold)


def _dated(d: dict) -> Dated:
    return Dated(d["start"], d["end"], d["era"], d["kind"])


def _overlaps(a: Dated, b: Dated) -> bool:
    return a.start < b.end and b.start < a.end


def dev_units(find: FindInSequence, hand: Path, corpus: Path) -> list[tuple[list[Dated], list[Dated]]]:
    """``(gold, found)`` per hand-checked row of ``dates_dev``, each chapter of ``corpus`` (``cm_dev``) read
    in order so bare years see the era named before them."""
    try:
        wanted = {row["row"]: [_dated(d) for d in row["dates"]] for row in read_jsonl(hand)}
        rows = cm_rows(corpus)
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"{hand}: not a hand-checked date row ({exc})") from exc
    found: dict[int, list[Dated]] = {}
    numbered = list(enumerate(rows))
    for _chapter, group in itertools.groupby(numbered, key=lambda item: (item[1][0], item[1][1])):
        group = list(group)
        if not any(i in wanted for i, _ in group):
            continue
        for (i, _row), dates in zip(group, find([row[2] for _, row in group]), strict=True):
            found[i] = dates
    return [(gold, found.get(i, [])) for i, gold in sorted(wanted.items())]


def heldout_units(find: FindInSequence, hand: Path, corpus: Path) -> list[tuple[list[Dated], list[Dated]]]:
    """``(gold, found)`` per sampled candidate of ``dates_heldout``: the gold date covering it (if any) and
    the dates found over it, each paragraph of ``corpus`` (``punct_dev``) read whole."""
    try:
        sample = read_jsonl(hand)
        paragraphs = {p: None for p in (row["paragraph"] for row in sample)}
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"{hand}: not a hand-checked date candidate ({exc})") from exc
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for p, line in enumerate(fh):
            if p in paragraphs:
                paragraphs[p] = find([json.loads(line)["text"]])[0]
    units = []
    for row in sample:
        a, b = row["candidate"]
        gold = [_dated(row["date"])] if row["date"] else []
        span = gold[0] if gold else Dated(a, b, None)
        found = [d for d in paragraphs[row["paragraph"]] or [] if _overlaps(d, span)]
        units.append((gold, found))
    return units


def score_dates(
    units: Iterable[tuple[list[Dated], list[Dated]]], same_era: Callable[[str | None, str], bool] = str.__eq__
) -> dict:
    """Precision, recall and F1 of the dates found, per kind of gold date and overall.

    A found date is right when it overlaps a gold era or carried year (``found``); ``exact`` also needs the
    same span, and ``era_right`` counts the right ones read in the gold era (where the annotator knew it).
    A found date that overlaps nothing in scope (a duration, a ruler's year) is a false find.
    """
    kinds = {k: {"gold": 0, "found": 0, "exact": 0, "era_known": 0, "era_right": 0} for k in IN_SCOPE}
    predicted = wrong = 0
    for gold, found in units:
        in_scope = [g for g in gold if g.kind in IN_SCOPE]
        predicted += len(found)
        wrong += sum(1 for f in found if not any(_overlaps(f, g) for g in in_scope))
        for g in in_scope:
            c = kinds[g.kind]
            c["gold"] += 1
            hits = [f for f in found if _overlaps(f, g)]
            if not hits:
                continue
            c["found"] += 1
            c["exact"] += any((f.start, f.end) == (g.start, g.end) for f in hits)
            if g.era is not None:
                c["era_known"] += 1
                c["era_right"] += any(f.era is not None and same_era(f.era, g.era) for f in hits)
    total = {key: sum(c[key] for c in kinds.values()) for key in ("gold", "found", "exact", "era_known", "era_right")}
    precision = (predicted - wrong) / max(predicted, 1)
    recall = total["found"] / max(total["gold"], 1)
    return {
        "predicted": predicted,
        "false_finds": wrong,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 3),
        "exact_span_recall": round(total["exact"] / max(total["gold"], 1), 3),
        "era_right": round(total["era_right"] / max(total["era_known"], 1), 3),
        "kinds": kinds,
    }
