"""A book kept on disk in sections, so a 2,000-page batch is never held in memory at once.

The digitise flow reads a book a section (a run of pages) at a time: each section is a complete
:class:`~wenyuan.document.Book` with its editorial layers, saved here with its sentence and entity offsets and
identifiers made global. The document JSON and the TEI are then written by streaming over the sections,
one in memory at a time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from wenyuan.document import Book, Page, Step
from wenyuan.io import atomic_writer


class PageRef(BaseModel):
    """Where a page read by OCR is saved (one ``leaf`` of the page list in ``file``) and which input it
    came from in this batch (the saved page may have been read from another file with the same content)."""

    id: str
    file: str
    leaf: int = 0
    source: str | None = None
    source_page: int = 0
    #: The store's other book whose saved OCR this page was taken from (``wenyuan.page_index``), if any.
    reused_from: str | None = None

    def load(self) -> Page:
        page = Page.model_validate(json.loads(Path(self.file).read_text(encoding="utf-8"))[self.leaf])
        if self.source is not None:
            page.source, page.source_page = self.source, self.source_page
        return page


class BookStats(BaseModel):
    """Running totals over the sections of a book (for reports, headers and return values)."""

    pages: int = 0
    characters: int = 0
    confident: int = 0
    confidence_sum: float = 0.0
    low_confidence: int = 0
    sentences: int = 0
    entities: int = 0
    dates: int = 0
    translations: int = 0


class SectionStore:
    """Sections of one book under ``folder`` (``00000.json``, ``00001.json``, ...), in reading order.

    Args:
        folder: where section files go, private to one run (two runs of one batch must not share it);
            created if missing (the caller removes it).
        header: the book's identity, metadata and provenance; its pages and layers are ignored.
        low_confidence: characters below this confidence are counted as low-confidence.
    """

    def __init__(self, folder: Path, header: Book, low_confidence: float = 0.6):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.header = header.model_copy(update={"pages": [], "sentences": [], "entities": [], "edits": []})
        self.low_confidence = low_confidence
        self.stats = BookStats()
        self._files: list[Path] = []

    def add(self, section: Book) -> None:
        """Save ``section`` (the next pages in order) with global page indices, offsets and ids."""
        shift = self.stats.characters
        for k, page in enumerate(section.pages):
            page.index = self.stats.pages + k
        for sentence in section.sentences:
            self.stats.sentences += 1
            sentence.id = f"s{self.stats.sentences:05d}"
            sentence.start += shift
            sentence.end += shift
            self.stats.translations += bool(sentence.translation)
        for entity in section.entities:
            self.stats.entities += 1
            entity.id = f"e{self.stats.entities:05d}"
            entity.start += shift
            entity.end += shift
            self.stats.dates += entity.kind == "date"
        for *_, ch in section.chars():
            self.stats.characters += 1
            if ch.confidence is not None:
                self.stats.confident += 1
                self.stats.confidence_sum += ch.confidence
                self.stats.low_confidence += ch.confidence < self.low_confidence
        self.stats.pages += len(section.pages)
        self._merge_steps(section.steps)
        path = self.folder / f"{len(self._files):05d}.json"
        section.save(path)
        self._files.append(path)

    def _merge_steps(self, steps: list[Step]) -> None:
        # Every section records the same stages; the book lists each (stage, tool, version) once.
        known = {(s.stage, s.tool, s.version) for s in self.header.steps}
        for step in steps:
            if (step.stage, step.tool, step.version) not in known:
                self.header.steps.append(step)
                known.add((step.stage, step.tool, step.version))

    def sections(self) -> Iterator[Book]:
        """The saved sections in order, loaded one at a time."""
        for path in self._files:
            yield Book.load(path)

    def write_json(self, path: Path) -> None:
        """Write the whole book as one document JSON (the :class:`Book` schema), streaming, atomically."""
        layers = ("pages", "edits", "sentences", "entities")
        header = json.loads(self.header.model_dump_json())
        with tempfile.TemporaryDirectory(prefix="wenyuan-json-") as scratch:
            # One pass over the sections, each layer to its own scratch file, then the files joined in order.
            parts = {name: open(Path(scratch) / name, "w+b") for name in layers}
            try:
                for section in self.sections():
                    for name in layers:
                        for item in getattr(section, name):
                            fh = parts[name]
                            fh.write((b"," if fh.tell() else b"") + b"\n" + item.model_dump_json().encode())
                with atomic_writer(Path(path)) as out:
                    out.write(
                        f'{{"id": {json.dumps(header["id"])}, "metadata": {json.dumps(header["metadata"])}'.encode()
                    )
                    for name in ("pages", "steps", "edits", "sentences", "entities", "quarantined", "changes"):
                        out.write(f', "{name}": ['.encode())
                        if name in parts:
                            parts[name].seek(0)
                            shutil.copyfileobj(parts[name], out)
                        else:
                            out.write(",".join(json.dumps(item) for item in header[name]).encode())
                        out.write(b"]")
                    out.write(b"}\n")
            finally:
                for fh in parts.values():
                    fh.close()
