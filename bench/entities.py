"""Entity recognition: persons, places and offices against hand-checked sets, book titles against 《》 marks.

    python bench/entities.py --paragraphs 3000

Persons and places: two hand-annotated samples of ``cm_dev.tsv.gz`` (see ``corpora/eval/README.md``):
``entities_dev.jsonl`` (160 sentences, the rules were tuned on it) and ``entities_heldout.jsonl`` (140 other
sentences, annotated before the copy-through miner was built); exact span match, precision/recall/F1 per type.
Offices were added to both sets later (before the office miner was written; see that README).
Titles: the dev text marks many titles with 《》 but not all, so unmarked true titles count as false
positives: precision there is a lower bound. Prints the scores and samples of the disagreements.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpora.punct import extract_labels, iter_paragraphs  # noqa: E402
from entities.evaluation import HAND_SETS, chapter_texts, read_hand_set, score_finder  # noqa: E402
from entities.finder import find_entities  # noqa: E402


def gold_titles(paragraph: str) -> tuple[str, set[tuple[int, int]]]:
    """The paragraph without punctuation and the spans its 《》 marks enclose, in that text's offsets."""
    chars: list[str] = []
    spans: set[tuple[int, int]] = set()
    opened = None
    for ch in paragraph:
        if ch == "《":
            opened = len(chars)
        elif ch == "》":
            if opened is not None and len(chars) > opened:
                spans.add((opened, len(chars)))
            opened = None
        elif extract_labels(ch).chars:
            chars.append(ch)
    return "".join(chars), spans


def hand_checked(path: Path, tagger=None, corpus: Path | None = None, translations: list[str] | None = None) -> dict:
    """Per-type precision/recall/F1 of persons, places and offices on the hand-annotated sentences: the
    annotator's lexicons and patterns, with ``tagger`` (an EntityTagger) filling what they leave when given.
    Each sentence is read alone, or with ``corpus`` (the ``cm_dev.tsv.gz`` the sets were drawn from) in its
    chapter as the annotate stage reads a document: the given names of the persons named in full anywhere in
    the chapter are found alone too (孟頫 after 赵孟頫). ``translations``: one per sentence, by the pipeline's
    translator (:func:`translate_hand_set`), as the translate stage gives them to annotation; the names they
    write in full are projected (the corpus's own translations are never used: a new book has none)."""
    from flows.train_entity_tagger import with_rules

    contexts = chapter_texts(path, corpus) if corpus is not None else None

    def find(texts: list[str]) -> list[set]:
        from entities.document_names import document_given_names

        found = tagger.find(texts) if tagger is not None else [[] for _ in texts]
        extras = [document_given_names(c) for c in contexts] if contexts else [None] * len(texts)
        translated = translations if translations is not None else [None] * len(texts)
        return [with_rules(t, spans, e, tr) for t, spans, e, tr in zip(texts, found, extras, translated, strict=True)]

    return score_finder(path, find, ("person", "place", "office"))


def translate_hand_set(path: Path, translator) -> list[str]:
    """The sentences of a hand-checked set, translated by ``translator`` (a Translator), in order."""
    return translator.translate([text for text, _ in read_hand_set(path)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "corpora" / "punct_dev.jsonl.gz")
    ap.add_argument("--paragraphs", type=int, default=3000)
    ap.add_argument("--hand", type=Path, nargs="+", default=list(HAND_SETS.values()))
    ap.add_argument("--tagger", type=Path, default=ROOT / "models" / "entity_tagger", help="Entity tagger folder.")
    ap.add_argument(
        "--context",
        type=Path,
        default=ROOT.parent / "shared" / "corpora" / "cm_dev.tsv.gz",
        help="The corpus the hand sets were drawn from, to score them read in their chapters as well.",
    )
    ap.add_argument(
        "--translator",
        default=str(ROOT / "models" / "translator"),
        help="Translator folder, to score the annotator with each sentence's translation too ('' for none).",
    )
    args = ap.parse_args()
    for path in [args.data, args.context, *args.hand]:
        if not path.is_file():
            ap.error(f"no such file: {path}")
    from tasks.annotate import load_entity_tagger
    from tasks.translate import load_translator

    tagger = load_entity_tagger(str(args.tagger), "cpu")
    translator = load_translator(args.translator, "cpu") if args.translator else None
    systems = [
        ("lexicons and patterns", None, None, None),
        (f"with tagger {tagger.version}", tagger, None, None),
        (f"with tagger {tagger.version}, in its chapter", tagger, args.context, None),
    ]
    if translator is not None:
        label = f"translator {translator.version}, {translator.beams} beams"
        systems += [
            (f"lexicons and patterns, with {label}", None, None, True),
            (f"with tagger {tagger.version} and {label}", tagger, None, True),
            # What the digitise flow does: each sentence in its chapter, with its translation.
            (
                f"with tagger {tagger.version} and {label}, in its chapter (as the pipeline reads)",
                tagger,
                args.context,
                True,
            ),
        ]
    for path in args.hand:
        translations = translate_hand_set(path, translator) if translator is not None else None  # once per set
        for name, with_tagger, corpus, translated in systems:
            scores = hand_checked(path, with_tagger, corpus, translations if translated else None)
            print(path.name, name, json.dumps(scores, ensure_ascii=False, indent=1))
    gold_n = pred_n = tp = 0
    disagreements = []
    for _book, para in itertools.islice(iter_paragraphs(args.data), args.paragraphs):
        text, gold = gold_titles(para)
        pred = {(s.start, s.end) for s in find_entities(text) if s.kind == "title"}
        gold_n, pred_n, tp = gold_n + len(gold), pred_n + len(pred), tp + len(gold & pred)
        disagreements += [f"+{text[a:b]}" for a, b in pred - gold] + [f"-{text[a:b]}" for a, b in gold - pred]
    p, r = tp / max(pred_n, 1), tp / max(gold_n, 1)
    result = {
        "gold": gold_n,
        "predicted": pred_n,
        "precision_lower_bound": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / max(p + r, 1e-9), 3),
        "sample": disagreements[:40],
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
