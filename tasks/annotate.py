"""Annotation stage: reign-era dates (resolved with the DILA tables), persons, places, book titles and
official titles (from mined lexicons and patterns of classical prose) as entities over the reading text.

Entities are searched sentence by sentence, in each sentence's own characters (a main-text sentence skips the
commentary printed inside it), so an entity never crosses a sentence boundary and never alters the text.
The book's dynasty from the manifest chooses among eras that several regimes used. A person named in full
anywhere in the book (李怀光) is also found by the given name alone (怀光) everywhere in it; books are
annotated a section (``section_pages``) at a time, so "the book" here is the section.
"""

from __future__ import annotations

from tasks.dates import find_dates
from tasks.entities import METHODS as ENTITY_METHODS
from tasks.entities import find_entities, given_names
from wenyuan.document import Book, Entity

METHOD = "dila-era-pattern"


def _units(book: Book) -> list[list[int]]:
    """Global character offsets of each sentence's own characters (or of each stream, unpunctuated books)."""
    kinds = [region.kind == "main" for _p, region, _l, _c in book.chars()]
    if book.sentences:
        return [[k for k in range(s.start, s.end) if kinds[k] == (s.stream == "main")] for s in book.sentences]
    return [[k for k, main in enumerate(kinds) if main], [k for k, main in enumerate(kinds) if not main]]


def annotate_book(book: Book) -> Book:
    """Add date, book-title and office entities to ``book`` (in place; replaces what earlier runs added)."""
    chars = [ch.text for *_, ch in book.chars()]
    regime = book.metadata.dynasty
    entities = [e for e in book.entities if e.method != METHOD and e.method not in ENTITY_METHODS]
    units = _units(book)
    texts = ["".join(chars[k] for k in offsets) for offsets in units]
    extra = document_given_names(texts)
    for offsets, text in zip(units, texts, strict=True):
        for found in annotate_text(text, regime, extra):
            kind, text, start, end = found.pop("kind"), found.pop("text"), found.pop("start"), found.pop("end")
            if kind == "date":
                certain = found["valid"] and not found["alternatives"]
                confidence, method, attributes = (1.0 if certain else 0.6), METHOD, found
            else:
                confidence, method, attributes = 0.8, found["method"], {}
            entities.append(
                Entity(
                    id=f"e{len(entities) + 1:05d}",
                    kind=kind,
                    start=offsets[start],
                    end=offsets[end - 1] + 1,
                    text=text,
                    confidence=confidence,
                    method=method,
                    attributes=attributes,
                )
            )
    book.entities = sorted(entities, key=lambda e: e.start)
    book.add_step("annotate", "wenyuan.annotate", "1", regime=regime or "")
    return book


def document_given_names(texts: list[str]) -> dict[str, tuple[str, str]]:
    """Extra lexicon entries for the given names of the persons found anywhere in ``texts`` (one document)."""
    from models.punctuator import to_model_script

    full_names = {
        "".join(map(to_model_script, s.text)) for text in texts for s in find_entities(text) if s.kind == "person"
    }
    return given_names(sorted(full_names))


def annotate_text(text: str, regime: str | None = None, extra: dict[str, tuple[str, str]] | None = None) -> list[dict]:
    """Entities of one passage as JSON-ready dicts (``kind``, ``text``, ``start``, ``end``, details), in order.

    ``extra``: lexicon entries for this passage only (see :func:`tasks.entities.given_names`).
    """
    found = [{"kind": "date", **m.as_dict()} for m in find_dates(text, regime=regime)]
    taken = {k for d in found for k in range(d["start"], d["end"])}
    found += [
        {"kind": s.kind, "text": s.text, "start": s.start, "end": s.end, "method": s.method}
        for s in find_entities(text, extra)
        if not taken.intersection(range(s.start, s.end))
    ]
    return sorted(found, key=lambda d: d["start"])
