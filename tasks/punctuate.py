"""Punctuation stage: insert editorial marks into the reading text and segment it into sentences.

Main text and each double-column commentary block are punctuated as separate streams: a gloss interrupts
the main text without ending its sentence, so the main text is read across it. Marks go to
``Char.punct_after`` (never into ``Char.text``) and sentences to ``Book.sentences``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from wenyuan.document import Book, Char, Sentence

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "punctuator"
SENTENCE_END = set("。？！")


@lru_cache(maxsize=2)
def load_punctuator(model_dir: str, device: str = "auto"):
    """Load (once per process) the punctuator folder ``model_dir``."""
    from models.punctuator import Punctuator

    return Punctuator.from_pretrained(model_dir, device=device)


def _streams(book: Book) -> list[tuple[str, list[tuple[int, Char]]]]:
    """Character streams with global offsets: the main text, then each commentary block (margin text is in
    none: it is never punctuated, translated or annotated)."""
    main: list[tuple[int, Char]] = []
    notes: list[list[tuple[int, Char]]] = []
    offset = 0
    for page in book.pages:
        for region in page.regions:
            if region.kind == "marginalia":  # fold strip and margin text: printed, but no part of the text
                offset += sum(len(line.chars) for line in region.lines)
                continue
            target = main if region.kind == "main" else []
            if region.kind != "main":
                notes.append(target)
            for line in region.lines:
                for ch in line.chars:
                    target.append((offset, ch))
                    offset += 1
    return [("main", main)] + [("commentary", n) for n in notes if n]


def punctuate_book(book: Book, punctuator) -> Book:
    """Predict marks for every stream of ``book`` and derive its sentences (in place)."""
    streams = _streams(book)
    texts = ["".join(ch.text for _, ch in chars) for _, chars in streams]
    labels = punctuator.predict_labels(texts)
    sentences: list[Sentence] = []
    for (kind, chars), labs in zip(streams, labels, strict=True):
        start = None
        for k, ((offset, ch), lab) in enumerate(zip(chars, labs, strict=True)):
            ch.punct_after = None if lab == "O" else lab
            if start is None:
                start = offset
            last = k == len(chars) - 1
            if lab in SENTENCE_END or last:
                sentences.append(Sentence(id="", start=start, end=offset + 1, stream=kind))
                start = None
    sentences.sort(key=lambda s: s.start)
    for i, s in enumerate(sentences, 1):
        s.id = f"s{i:05d}"
    book.sentences = sentences
    book.add_step(
        "punctuate", punctuator.name, punctuator.version, getattr(punctuator, "checksum", ""), window=punctuator.window
    )
    return book
