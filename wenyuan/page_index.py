"""A store-wide index of pages already read: a page scanned into one book is recognised in any other.

Each book keeps its OCR results under ``OUT/<book>/pages/<content hash>-<settings>.json``. The index,
``OUT/.page-index/``, records for each such name which book holds it, so a batch that brings a page another
book already has (a re-scan uploaded under a new title, a volume digitised twice) takes its OCR from there
instead of reading it again. Entries are small JSON files written atomically, one per page, so concurrent
runs on different books never contend for one index file.
"""

from __future__ import annotations

import json
from pathlib import Path

from wenyuan.io import atomic_write_bytes, atomic_write_text

INDEX_DIR = ".page-index"


class PageIndex:
    """Where the OCR result of a page (named ``<content hash>-<settings>.json``) was saved in a store."""

    def __init__(self, store: Path):
        self.store = Path(store)
        self.root = self.store / INDEX_DIR

    def _entry(self, name: str) -> Path:
        return self.root / name[:2] / name

    def record(self, saved: Path, facsimile: Path) -> None:
        """Note that ``saved`` (a book's ``pages/…json``) and its ``facsimile`` hold this page."""
        entry = {
            "pages": str(saved.resolve().relative_to(self.store.resolve())),
            "facsimile": str(facsimile.resolve().relative_to(self.store.resolve())),
        }
        path = self._entry(saved.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(entry, ensure_ascii=False))

    def lookup(self, name: str) -> tuple[Path, Path] | None:
        """The saved result and facsimile of the page ``name``, if some book of the store still holds both."""
        try:
            entry = json.loads(self._entry(name).read_text(encoding="utf-8"))
            saved, facsimile = self.store / entry["pages"], self.store / entry["facsimile"]
        except (OSError, ValueError, KeyError, TypeError):  # none, or a damaged entry: read the page again
            return None
        return (saved, facsimile) if saved.is_file() and facsimile.is_file() else None

    def adopt(self, name: str, book_dir: Path) -> str | None:
        """Copy the page ``name`` another book of the store holds into ``book_dir`` (its saved result, then its
        facsimile under the same relative name); returns that book's folder name, or None when no book has it."""
        found = self.lookup(name)
        if found is None:
            return None
        saved, facsimile = found
        if saved.parent.parent.resolve() == Path(book_dir).resolve():
            return None
        target = Path(book_dir) / "images" / facsimile.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            atomic_write_bytes(target, facsimile.read_bytes())
        (Path(book_dir) / "pages").mkdir(parents=True, exist_ok=True)
        # The result last: its presence is what marks the page as read in this book.
        atomic_write_bytes(Path(book_dir) / "pages" / name, saved.read_bytes())
        return saved.parent.parent.name
