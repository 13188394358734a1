"""The one document model every stage reads and writes: batch -> book -> page -> region -> line -> character.

Coordinates are pixels of the page's original image (the facsimile), polygons as ``[[x, y], ...]``.
Everything here is plain pydantic, so a document survives JSON round trips, Prefect result persistence and
test fixtures unchanged. Editorial layers (punctuation, sentences, translations, entities) are kept apart
from what was read on the page: a character's ``text`` is the reading, its ``punct_after`` the editor's mark.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Point = tuple[float, float]
Polygon = list[Point]
RegionKind = Literal["main", "commentary", "marginalia", "heading"]
Direction = Literal["vertical-rl", "horizontal-tb"]


def box_polygon(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """Axis-aligned box as a four-point polygon, clockwise from top-left."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def polygon_bounds(poly: Polygon) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` of a polygon."""
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    return min(xs), min(ys), max(xs), max(ys)


class Step(BaseModel):
    """One processing step, as the TEI header and catalog records report it."""

    stage: str
    tool: str
    version: str = ""
    checksum: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def _unset(value: object) -> bool:
    """Fields a person's corrections fill are left out of the JSON while unset (most characters never are)."""
    return value is None


class Char(BaseModel):
    """A character as read on the page."""

    text: str
    polygon: Polygon | None = None
    confidence: float | None = None
    #: the recogniser's best readings with their probabilities, likeliest first (None when not recorded); the
    #: reading kept may be another one after re-scoring in context, or a regularised form after cleaning
    alternatives: list[tuple[str, float]] | None = None
    #: the OCR reading before cleaning normalised it (None when cleaning left it alone)
    orig: str | None = None
    #: editorial punctuation inserted after this character (not on the page)
    punct_after: str | None = None
    punct_confidence: float | None = None
    #: the machine's reading a person corrected (``text`` then holds the correction; None: not corrected) ...
    sic: str | None = Field(default=None, exclude_if=_unset)
    #: ... and who corrected it (a workbench user name)
    corrected_by: str | None = Field(default=None, exclude_if=_unset)
    #: who set ``punct_after`` when a person did (None: the punctuation model)
    punct_by: str | None = Field(default=None, exclude_if=_unset)


class Line(BaseModel):
    """A text line: a column (vertical books) or a row, or one sub-column of double-column commentary."""

    id: str
    polygon: Polygon
    chars: list[Char] = Field(default_factory=list)
    confidence: float | None = None

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)


class Region(BaseModel):
    """A reading-order unit: a main-text column segment, or a commentary block (right sub-column first)."""

    id: str
    kind: RegionKind = "main"
    polygon: Polygon
    #: which register (上下欄) of the page the region lies in, 0 = top
    register_index: int = 0
    lines: list[Line] = Field(default_factory=list)


class Page(BaseModel):
    """One page image and what was read on it, regions in reading order."""

    id: str
    index: int
    source: str
    source_page: int = 0
    sha256: str
    width: int
    height: int
    image: str
    direction: Direction = "vertical-rl"
    preprocessing: list[dict[str, Any]] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)

    def lines(self) -> Iterator[Line]:
        for region in self.regions:
            yield from region.lines

    def transcription_lines(self) -> Iterator[Line]:
        """The lines of the text, in reading order: margin text (fold strip, page numbers) left out."""
        for region in self.regions:
            if region.kind != "marginalia":
                yield from region.lines

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines())


class Edit(BaseModel):
    """A change a cleaning step made to the reading (the original is kept)."""

    page: str
    line: str
    index: int
    before: str
    after: str
    reason: str


class Sentence(BaseModel):
    """An editorial sentence over the book's reading text (``start``/``end`` are character offsets)."""

    id: str
    start: int
    end: int
    #: "main" text or a "commentary" block (each punctuated as its own stream)
    stream: Literal["main", "commentary"] = "main"
    translation: str | None = None
    #: who wrote or corrected ``translation`` when a person did (None: the translation model)
    translated_by: str | None = Field(default=None, exclude_if=_unset)


class Entity(BaseModel):
    """An annotated span over the book's reading text."""

    id: str
    kind: Literal["person", "place", "title", "office", "date"]
    start: int
    end: int
    text: str
    confidence: float | None = None
    method: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


class Change(BaseModel):
    """One processing run or editorial intervention, as the TEI ``revisionDesc`` records it."""

    when: datetime = Field(default_factory=lambda: datetime.now(UTC))
    who: str = "wenyuan"
    what: str


class Quarantined(BaseModel):
    """An input that could not be processed, with the reason."""

    path: str
    reason: str
    stage: str = "ingest"
    #: the file's copy under the book's ``quarantine/`` (None when there is no file to copy)
    kept_as: str | None = None


class BookMetadata(BaseModel):
    """Bibliographic description from the batch manifest; every field optional."""

    title: str | None = None
    author: str | None = None
    dynasty: str | None = None
    edition: str | None = None
    institution: str | None = None
    shelfmark: str | None = None
    rights: str | None = None
    #: who publishes the digital edition (the archive running wenyuan), not the holder of the printed book
    publisher: str | None = None
    #: when this copy was printed or written (a dynasty, reign or year: 明萬曆), as against ``dynasty``, the
    #: period of the work itself
    printed: str | None = None
    #: where this copy was printed or written
    printed_at: str | None = None
    language: str = "lzh"
    extra: dict[str, str] = Field(default_factory=dict)


class Book(BaseModel):
    """A book: its pages in order, its editorial layers and how it was made."""

    id: str
    metadata: BookMetadata = Field(default_factory=BookMetadata)
    pages: list[Page] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    edits: list[Edit] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    quarantined: list[Quarantined] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)

    def chars(self) -> Iterator[tuple[Page, Region, Line, Char]]:
        """Every character in reading order, with where it stands."""
        for page in self.pages:
            for region in page.regions:
                for line in region.lines:
                    for ch in line.chars:
                        yield page, region, line, ch

    @property
    def text(self) -> str:
        """The reading text: all characters in reading order, no punctuation."""
        return "".join(p.text for p in self.pages)

    def sentence_offsets(self) -> list[list[int]]:
        """For each sentence, the global offsets of its own characters, in order.

        A main-text sentence's span also covers any commentary (or margin text) printed inside it; only the
        characters of its own stream belong to it.
        """
        is_main = [region.kind == "main" for _page, region, _line, _ch in self.chars()]
        return [[k for k in range(s.start, s.end) if is_main[k] == (s.stream == "main")] for s in self.sentences]

    def add_step(self, stage: str, tool: str, version: str = "", checksum: str = "", **settings: Any) -> None:
        self.steps.append(Step(stage=stage, tool=tool, version=version, checksum=checksum, settings=settings))

    def _resp(self, stage: str) -> str | None:
        for step in reversed(self.steps):
            if step.stage == stage:
                return f"{step.tool} {step.version}".strip()
        return None

    def punctuator_resp(self) -> str | None:
        """Name of the model that inserted editorial punctuation, if any did."""
        return self._resp("punctuate")

    def translator_resp(self) -> str | None:
        """Name of the model that translated the sentences, if any did."""
        return self._resp("translate")

    def save(self, path: str | Path) -> None:
        """Write the book as JSON, atomically."""
        from wenyuan.io import atomic_write_text

        atomic_write_text(Path(path), self.model_dump_json(indent=1))

    @classmethod
    def load(cls, path: str | Path) -> Book:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
