"""What every catalog export needs from a book: where its images live, its dates, an incipit, subjects."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wenyuan.document import Book, Page
from wenyuan.script import to_simplified
from wenyuan.years import astronomical_from_historical, iso8601_year

LEXICONS = Path(__file__).resolve().parent.parent / "corpora" / "lexicons"


@dataclass
class CatalogConfig:
    """Settings shared by the IIIF, LIDO and Dublin Core exports.

    Attributes:
        base_url: public URL under which the export folder is served; manifests, canvases and images get
            absolute URLs beneath it (IIIF requires HTTP(S) identifiers).
        image_service: base URL of a IIIF Image API 3 server that serves the pages by page id; when empty,
            static image files under ``base_url`` are referenced instead.
        incipit_chars: characters of the reading text quoted in descriptions.
        subject_min_confidence: an annotated entity becomes a catalog subject only when the annotator is at
            least this sure of it, or a person confirmed it (``docs/catalog.md``): a published record carries
            no unchecked machine guess.
    """

    base_url: str = "http://localhost:8000"
    image_service: str = ""
    incipit_chars: int = 200
    subject_min_confidence: float = 0.9

    def book_url(self, book: Book) -> str:
        return f"{self.base_url.rstrip('/')}/{book.id}"

    def manifest_url(self, book: Book) -> str:
        return f"{self.book_url(book)}/manifest.json"

    def image_url(self, book: Book, page: Page) -> str:
        if self.image_service:
            return f"{self.image_service.rstrip('/')}/{page.id}/full/max/0/default.jpg"
        return f"{self.book_url(book)}/images/{Path(page.image).name}"


@lru_cache(maxsize=1)
def _dynasties() -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    with open(LEXICONS / "dynasties.tsv", encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        for row in rows:
            span = (int(row["from"]), int(row["to"]))
            out.setdefault(row["name"], span)
            out.setdefault(row["simplified"], span)
    return out


def dynasty_span(name: str | None) -> tuple[int, int] | None:
    """Conventional first and last year of a dynasty or period (negative = BCE), or None if unknown."""
    key = (name or "").strip()
    for candidate in (key, key.removesuffix("朝"), key.removesuffix("代")):
        if candidate in _dynasties():
            return _dynasties()[candidate]
    # A reign or a named regime: 明萬曆 is within 明, 曹魏 is 魏.
    known = sorted(_dynasties(), key=len, reverse=True)
    for candidate in known:
        if key.startswith(candidate) or key.endswith(candidate):
            return _dynasties()[candidate]
    return None


def iso_year(year: int) -> str:
    """A year of the dynasty table (historians' numbering: -770 is 770 BCE) as ISO 8601 text, which counts
    1 BCE as 0000 (LIDO and Dublin Core recommend ISO 8601): -770 -> -0769."""
    return iso8601_year(astronomical_from_historical(year))


def simplified(text: str) -> str:
    """The text in simplified characters (titles in both scripts help catalog search)."""
    return to_simplified(text)


def incipit(book: Book, limit: int) -> str:
    """The opening of the main text, with editorial punctuation, up to ``limit`` characters."""
    out: list[str] = []
    for _page, region, _line, ch in book.chars():
        if region.kind != "main":
            continue
        out.append(ch.text + (ch.punct_after or ""))
        if len(out) >= limit:
            return "".join(out) + "…"
    return "".join(out)


def subjects(book: Book, min_confidence: float = CatalogConfig.subject_min_confidence) -> list[tuple[str, str]]:
    """Distinct ``(kind, text)`` of the book's entities fit to publish as subjects, in first-seen order: those
    confirmed by a person (an entity an editor marked in the TEI carries no machine certainty) and those the
    annotator found with at least ``min_confidence``."""
    return list(
        dict.fromkeys((e.kind, e.text) for e in book.entities if e.confidence is None or e.confidence >= min_confidence)
    )
