"""The hand-checked person, place and office sets (``corpora/eval/entities_*.jsonl``), exact-span scoring,
and the calibration of the entity tagger's O bias on them."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import corpora
from entities.spans import SpanTuple
from models.char_classifier import sweep_bias
from models.entity_tagger import EntityTagger, TaggedSpan
from wenyuan.errors import CorpusError

#: The hand-checked sets: data, so they stay with the corpora.
EVAL = Path(corpora.__file__).resolve().parent / "eval"
HAND_SETS = {name: EVAL / f"entities_{name}.jsonl" for name in ("dev", "heldout")}
Spans = set[SpanTuple]


def read_jsonl(path: str | Path) -> list[dict]:
    """The rows of a hand-checked JSON-lines file; a line that is not JSON is an error naming file and line."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not a JSON line ({exc.msg})") from exc
    return rows


def read_hand_set(path: str | Path) -> list[tuple[str, Spans]]:
    """``(text, {(kind, start, end)})`` per sentence of a hand-checked file."""
    out = []
    for n, row in enumerate(read_jsonl(path), 1):
        try:
            out.append((row["text"], {(e["kind"], e["start"], e["end"]) for e in row["entities"]}))
        except (KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{n}: not a hand-checked entity row ({exc})") from exc
    return out


def cm_rows(path: str | Path) -> list[list[str]]:
    """Raw rows of a ``cm_*.tsv.gz`` file (book, chapter, src, tgt), header excluded, none dropped: the
    hand-checked rows are numbered in this order."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return list(reader)


def chapter_texts(path: str | Path, corpus: str | Path) -> list[list[str]]:
    """For each sentence of a hand-checked file, the sources of its whole chapter in ``corpus`` (the
    ``cm_dev.tsv.gz`` its ``row`` numbers, see :func:`cm_rows`), itself included: the document the annotate
    stage would read it in. A row whose text is not the corpus's at that number is an error."""
    rows = cm_rows(corpus)
    chapters: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        chapters.setdefault((row[0], row[1]), []).append(row[2])
    out = []
    for n, entry in enumerate(read_jsonl(path), 1):
        row = rows[entry["row"]] if 0 <= entry["row"] < len(rows) else None
        if row is None or row[2] != entry["text"]:
            raise CorpusError(f"{path}:{n}: row {entry['row']} of {corpus} is not this sentence")
        out.append(chapters[(row[0], row[1])])
    return out


def score_spans(
    pairs: Iterable[tuple[str, Spans, Spans]], kinds: tuple[str, ...] = ("person", "place")
) -> dict[str, dict]:
    """Per-kind precision, recall and F1 of exact spans over ``(text, gold, predicted)`` triples, with the
    first misses and false finds as text."""
    counts = {k: {"gold": 0, "predicted": 0, "right": 0, "missed": [], "wrong": []} for k in kinds}
    for text, gold, pred in pairs:
        for kind in kinds:
            g = {(a, b) for k, a, b in gold if k == kind}
            p = {(a, b) for k, a, b in pred if k == kind}
            c = counts[kind]
            c["gold"] += len(g)
            c["predicted"] += len(p)
            c["right"] += len(g & p)
            c["missed"] += [text[a:b] for a, b in sorted(g - p)]
            c["wrong"] += [text[a:b] for a, b in sorted(p - g)]
    for c in counts.values():
        p, r = c["right"] / max(c["predicted"], 1), c["right"] / max(c["gold"], 1)
        c.update(precision=round(p, 3), recall=round(r, 3), f1=round(2 * p * r / max(p + r, 1e-9), 3))
        c["missed"], c["wrong"] = c["missed"][:30], c["wrong"][:30]
    return counts


def score_finder(
    path: str | Path, find: Callable[[list[str]], list[Spans]], kinds: tuple[str, ...] = ("person", "place")
) -> dict[str, dict]:
    """Score ``find`` (texts -> predicted spans per text) on a hand-checked file, per kind of ``kinds``."""
    rows = read_hand_set(path)
    predicted = find([text for text, _ in rows])
    triples = ((text, gold, pred) for (text, gold), pred in zip(rows, predicted, strict=True))
    return score_spans(triples, kinds)


def mean_f1(scores: dict[str, dict]) -> float:
    """The mean F1 over the kinds scored (the number training selects checkpoints by)."""
    return round(sum(c["f1"] for c in scores.values()) / len(scores), 4)


def spans_alone(text: str, spans: list[TaggedSpan]) -> Spans:
    """The tagger's spans as a scorer takes them (the default of :func:`calibrate_o_bias`)."""
    return {(s.kind, s.start, s.end) for s in spans}


def calibrate_o_bias(
    tagger: EntityTagger,
    hand_set: str | Path,
    combine: Callable[[str, list[TaggedSpan]], Spans] = spans_alone,
    grid: tuple[float, ...] = tuple(x / 2 for x in range(-8, 3)),
) -> tuple[float, dict]:
    """The O-logit bias from ``grid`` with the best mean person/place F1 on a hand-checked file, and its
    scores. ``combine`` turns a text and the tagger's spans into the predicted spans: the tagger alone, or
    the tagger inside the annotator, so the bias suits the use. The model runs once; only decoding is
    repeated per bias. Ties go to the bias nearest zero."""
    rows = read_hand_set(hand_set)
    logits = tagger.predict_logits([text for text, _ in rows])

    def scores(bias: float) -> dict:
        predicted = [combine(text, tagger.decode(text, lg, bias)) for (text, _), lg in zip(rows, logits, strict=True)]
        return score_spans((text, gold, pred) for (text, gold), pred in zip(rows, predicted, strict=True))

    return sweep_bias(grid, scores, key=mean_f1)
