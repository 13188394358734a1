"""Annotation stage: the adapter between a :class:`~wenyuan.document.Book` and the text-level annotator
(:mod:`entities.annotator`), which finds reign-era dates (resolved with the DILA tables), persons, places,
book titles and official titles (mined lexicons and patterns of classical prose, with a learned person/place
tagger filling what they leave).

Entities are searched sentence by sentence, in each sentence's own characters (a main-text sentence skips the
commentary printed inside it) read with the editor's marks after them (patterns such as lists with 、 need
them), so an entity never crosses a sentence boundary, never covers a mark and never alters the text.
The book's dynasty from the manifest chooses among eras that several regimes used, and the sentences are
read in order as one document (what that brings: :mod:`entities.annotator`); a sentence already translated
lends its translation. Books are annotated a section (``section_pages``) at a time, so "the book" here is the
section (and an era is not carried from one section into the next).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from entities.annotator import annotate_document
from entities.finder import METHODS as ENTITY_METHODS
from wenyuan.document import Book, Char, Entity

METHOD = "dila-era-pattern"
DEFAULT_TAGGER = Path(__file__).resolve().parent.parent / "models" / "entity_tagger"


@lru_cache(maxsize=2)
def load_entity_tagger(model_dir: str, device: str = "auto"):
    """Load (once per process) the entity tagger folder ``model_dir``."""
    from models.entity_tagger import EntityTagger

    return EntityTagger.from_pretrained(model_dir, device=device)


def _units(book: Book) -> list[list[int]]:
    """Global character offsets of each sentence's own characters (or of each stream, unpunctuated books)."""
    if book.sentences:
        return book.sentence_offsets()
    regions = [region.kind for _p, region, _l, _c in book.chars()]
    notes = [k for k, kind in enumerate(regions) if kind not in ("main", "marginalia")]
    return [[k for k, kind in enumerate(regions) if kind == "main"], notes]


def _reading(chars: list[Char], offsets: list[int]) -> tuple[str, list[int | None]]:
    """A unit's characters with the editor's marks after them (what the lexicons, patterns and tagger read
    best), and for each position of that text the global character offset (None for a mark)."""
    pieces: list[str] = []
    where: list[int | None] = []
    for k in offsets:
        pieces.append(chars[k].text)
        where.append(k)
        if chars[k].punct_after:
            pieces.append(chars[k].punct_after)
            where += [None] * len(chars[k].punct_after)
    return "".join(pieces), where


def annotate_book(book: Book, tagger=None) -> Book:
    """Add dates, persons, places, book titles and offices to ``book`` as entities (in place; replaces what
    earlier runs added). ``tagger``: an :class:`~models.entity_tagger.EntityTagger`, or None for lexicons
    and patterns alone. Sentences the translate stage has translated lend their translations
    (:func:`entities.name_projection.projected_spans`, :mod:`entities.copied_places`)."""
    chars = [ch for *_, ch in book.chars()]
    regime = book.metadata.dynasty
    entities = [e for e in book.entities if e.method != METHOD and e.method not in ENTITY_METHODS]
    readings = [_reading(chars, offsets) for offsets in _units(book)]
    translations = [s.translation for s in book.sentences] if book.sentences else None
    annotated = annotate_document([text for text, _ in readings], regime, tagger, translations)
    for (_text, where), found_in_text in zip(readings, annotated, strict=True):
        for found in found_in_text:
            kind, start, end, _ = found.pop("kind"), found.pop("start"), found.pop("end"), found.pop("text")
            if where[start] is None or where[end - 1] is None:
                continue  # an entity begins or ends with a mark: not one over page characters
            inside = [k for k in where[start:end] if k is not None]
            if kind == "date":
                # An era read from an earlier date (二十年 after 至元十九年) is an inference, not a reading.
                certain = found["valid"] and not found["alternatives"] and "era_from" not in found
                confidence, method, attributes = (1.0 if certain else 0.6), METHOD, found
            else:
                confidence, method, attributes = found["confidence"], found["method"], {}
            entities.append(
                Entity(
                    id=f"e{len(entities) + 1:05d}",
                    kind=kind,
                    start=inside[0],
                    end=inside[-1] + 1,
                    text="".join(chars[k].text for k in inside),
                    confidence=confidence,
                    method=method,
                    attributes=attributes,
                )
            )
    book.entities = sorted(entities, key=lambda e: e.start)
    tagger_info = {"tagger": f"{tagger.name} {tagger.version}", "tagger_sha256": tagger.checksum} if tagger else {}
    book.add_step("annotate", "wenyuan.annotate", "1", regime=regime or "", **tagger_info)
    return book
