"""Annotation stage: reign-era dates (resolved with the DILA tables) as entities over the reading text.

Dates are searched sentence by sentence, in each sentence's own characters (a main-text sentence skips the
commentary printed inside it), so an entity never crosses a sentence boundary and never alters the text.
The book's dynasty from the manifest chooses among eras that several regimes used.
"""

from __future__ import annotations

from tasks.dates import find_dates
from wenyuan.document import Book, Entity

METHOD = "dila-era-pattern"


def _units(book: Book) -> list[list[int]]:
    """Global character offsets of each sentence's own characters (or of each stream, unpunctuated books)."""
    kinds = [region.kind == "main" for _p, region, _l, _c in book.chars()]
    if book.sentences:
        return [[k for k in range(s.start, s.end) if kinds[k] == (s.stream == "main")] for s in book.sentences]
    return [[k for k, main in enumerate(kinds) if main], [k for k, main in enumerate(kinds) if not main]]


def annotate_book(book: Book) -> Book:
    """Add a date entity for every resolvable reign-era date in ``book`` (in place; replaces earlier dates)."""
    chars = [ch.text for *_, ch in book.chars()]
    regime = book.metadata.dynasty
    entities = [e for e in book.entities if e.method != METHOD]
    n = 0
    for offsets in _units(book):
        text = "".join(chars[k] for k in offsets)
        for match in find_dates(text, regime=regime):
            n += 1
            attrs = match.as_dict()
            for key in ("text", "start", "end"):
                attrs.pop(key)
            entities.append(
                Entity(
                    id=f"d{n:05d}",
                    kind="date",
                    start=offsets[match.start],
                    end=offsets[match.end - 1] + 1,
                    text=match.text,
                    confidence=1.0 if match.chosen.valid and not match.alternatives else 0.6,
                    method=METHOD,
                    attributes=attrs,
                )
            )
    book.entities = sorted(entities, key=lambda e: e.start)
    book.add_step("annotate", "wenyuan.dates", "1", regime=regime or "")
    return book
