"""The editions of a store as the workbench reads and corrects them.

A book is the folder ``digitize`` wrote (``STORE/<book>/<book>.json`` and ``.tei.xml``). A save takes the
book's lock (the one ``digitize`` holds while it writes the book), checks the page's version, applies the
corrections (:mod:`tasks.corrections`), and writes the document, the TEI (validated before it replaces the
old one) and the corrections as training data; every change goes into the store's audit log.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.web.accounts import workbench_dir
from tasks.corrections import (
    CorrectionError,
    Tally,
    correct_char,
    punctuated,
    record_session,
    repunctuate,
    retranslate,
    sentence_chars,
    write_training_data,
)
from tasks.tei import UNCLEAR_BELOW, validate_tei, write_tei
from wenyuan.document import Book, Char, Page, Sentence
from wenyuan.io import atomic_write_text, exclusive_lock

BOOK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class NotFound(LookupError):
    """No such book, page or file in the store (also for names that would lead outside it)."""


class Conflict(Exception):
    """The page changed since the editor opened it."""

    def __init__(self, current_version: int, current: dict[str, Any]):
        super().__init__(f"the page is at version {current_version}")
        self.current_version, self.current = current_version, current


@dataclass
class Edits:
    """One save of one page: character corrections by line and index, and per sentence its punctuated text
    and translation (None: not edited)."""

    chars: list[tuple[str, int, str]] = field(default_factory=list)
    punctuation: dict[str, str] = field(default_factory=dict)
    translations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edits:
        try:
            chars = [(str(c["line"]), int(c["index"]), str(c["text"])) for c in data.get("chars", [])]
            punct = {str(k): str(v) for k, v in (data.get("punctuation") or {}).items()}
            trans = {str(k): str(v) for k, v in (data.get("translations") or {}).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise CorrectionError(f"malformed corrections ({exc})") from exc
        return cls(chars, punct, trans)


class Library:
    """The books of one store."""

    def __init__(self, store: Path):
        self.store = Path(store).resolve()
        self._cache: dict[str, tuple[float, Book]] = {}
        self._cache_lock = threading.Lock()

    # --- finding things, never outside the store ---------------------------------------------------------

    def book_dir(self, book_id: str) -> Path:
        if not BOOK_ID.match(book_id):
            raise NotFound(book_id)
        path = (self.store / book_id).resolve()
        if path.parent != self.store or not (path / f"{book_id}.json").is_file():
            raise NotFound(book_id)
        return path

    def book_ids(self) -> list[str]:
        return sorted(
            p.name
            for p in self.store.iterdir()
            if p.is_dir() and BOOK_ID.match(p.name) and (p / f"{p.name}.json").is_file()
        )

    def book(self, book_id: str) -> Book:
        """The book, read once per change of its JSON (a page view must not parse a whole book each time)."""
        path = self.book_dir(book_id) / f"{book_id}.json"
        mtime = path.stat().st_mtime_ns
        with self._cache_lock:
            hit = self._cache.get(book_id)
            if hit and hit[0] == mtime:
                return hit[1]
        book = Book.load(path)
        with self._cache_lock:
            self._cache[book_id] = (mtime, book)
            while len(self._cache) > 4:
                self._cache.pop(next(iter(self._cache)))
        return book

    def page(self, book: Book, page_id: str) -> Page:
        for page in book.pages:
            if page.id == page_id:
                return page
        raise NotFound(page_id)

    def image(self, book_id: str, name: str) -> Path:
        folder = self.book_dir(book_id) / "images"
        if not FILE_NAME.match(name):
            raise NotFound(name)
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            raise NotFound(name)
        return path

    def tei(self, book_id: str) -> Path:
        path = self.book_dir(book_id) / f"{book_id}.tei.xml"
        if not path.is_file():
            raise NotFound(f"{book_id}.tei.xml")
        return path

    # --- versions -----------------------------------------------------------------------------------------

    def _versions_path(self, book_id: str) -> Path:
        return self.book_dir(book_id) / ".workbench" / "versions.json"

    def versions(self, book_id: str) -> dict[str, int]:
        path = self._versions_path(book_id)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def version(self, book_id: str, page_id: str) -> int:
        return self.versions(book_id).get(page_id, 0)

    # --- what the page view shows ------------------------------------------------------------------------

    @staticmethod
    def _sentences_on(book: Book, page: Page) -> list[tuple[Sentence, list[Char]]]:
        """The sentences with a character on ``page``, each with its own characters."""
        on_page = {id(ch) for line in page.lines() for ch in line.chars}
        pairs = zip(book.sentences, sentence_chars(book), strict=True)
        return [(s, chars) for s, chars in pairs if any(id(ch) in on_page for ch in chars)]

    def page_sentences(self, book: Book, page: Page) -> list[dict[str, Any]]:
        """The sentences with a character on ``page``: id, punctuated text, translation and who set them."""
        return [
            {
                "id": sentence.id,
                "stream": sentence.stream,
                "punctuated": punctuated(chars),
                "punct_by": sorted({c.punct_by for c in chars if c.punct_by}),
                "translation": sentence.translation or "",
                "translated_by": sentence.translated_by,
            }
            for sentence, chars in self._sentences_on(book, page)
        ]

    def page_state(self, book: Book, page: Page) -> dict[str, Any]:
        """The page's correctable text (lines and sentences), as a conflict shows it."""
        return {
            "lines": {line.id: line.text for line in page.lines()},
            "sentences": {
                s["id"]: {"punctuated": s["punctuated"], "translation": s["translation"]}
                for s in self.page_sentences(book, page)
            },
        }

    @staticmethod
    def doubtful(page: Page, below: float = UNCLEAR_BELOW) -> int:
        return sum(
            1
            for line in page.lines()
            for ch in line.chars
            if ch.sic is None and ch.confidence is not None and ch.confidence < below
        )

    # --- saving -------------------------------------------------------------------------------------------

    def save(self, book_id: str, page_id: str, version: int, edits: Edits, user: str) -> tuple[int, Tally]:
        """Apply ``edits`` to the page as ``user``; returns the page's new version and what changed.

        Raises:
            Conflict: someone saved the page since ``version``; nothing is written.
            CorrectionError: an edit cannot be applied (nothing is written).
        """
        book_dir = self.book_dir(book_id)
        with exclusive_lock(book_dir / ".lock"):
            book = Book.load(book_dir / f"{book_id}.json")  # fresh, under the lock: not the view's cache
            page = self.page(book, page_id)
            versions = self.versions(book_id)
            current = versions.get(page_id, 0)
            if version != current:
                raise Conflict(current, self.page_state(book, page))
            tally, audit, touched = self._apply(book, page, edits, user)
            if not tally:
                return current, tally
            record_session(book, user, tally)
            self._write(book, book_dir)
            for changed_page in touched:
                versions[changed_page] = versions.get(changed_page, 0) + 1
            atomic_write_text(self._versions_path(book_id), json.dumps(versions))
            write_training_data(book, book_dir, book_dir / "corrections")
            self._audit(book_id, page_id, user, audit)
        return current + 1, tally

    def _apply(self, book: Book, page: Page, edits: Edits, user: str) -> tuple[Tally, list[dict[str, Any]], set[str]]:
        """Apply the edits; returns what changed, the audit rows and the pages whose text changed.

        A sentence may run over onto the next page: every page it spans counts as changed, so that a reviewer
        who opened one of them before this save meets a conflict instead of undoing it.
        """
        tally, audit = Tally(), []
        lines = {line.id: line for line in page.lines()}
        for line_id, index, text in edits.chars:
            line = lines.get(line_id)
            if line is None or not 0 <= index < len(line.chars):
                raise CorrectionError(f"no character {index} on line {line_id} of page {page.id}")
            before = line.chars[index].text
            if correct_char(line.chars[index], text, user):
                tally.characters += 1
                audit.append({"kind": "character", "where": f"{line_id}:{index}", "before": before, "after": text})
        sentences = {s.id: (s, chars) for s, chars in self._sentences_on(book, page)}
        edited: set[str] = set()
        for sid, text in edits.punctuation.items():
            if sid not in sentences:
                raise CorrectionError(f"sentence {sid} is not on page {page.id}")
            before = punctuated(sentences[sid][1])
            changed = repunctuate(sentences[sid][1], text, user)
            if changed:
                tally.marks += changed
                edited.add(sid)
                audit.append({"kind": "punctuation", "where": sid, "before": before, "after": text})
        for sid, text in edits.translations.items():
            if sid not in sentences:
                raise CorrectionError(f"sentence {sid} is not on page {page.id}")
            before = sentences[sid][0].translation or ""
            if retranslate(sentences[sid][0], text, user):
                tally.translations += 1
                edited.add(sid)
                audit.append({"kind": "translation", "where": sid, "before": before, "after": text.strip()})
        edited_chars = {id(ch) for sid in edited for ch in sentences[sid][1]}
        touched = {page.id} | {
            other.id for other in book.pages for line in other.lines() for ch in line.chars if id(ch) in edited_chars
        }
        return tally, audit, touched

    @staticmethod
    def _write(book: Book, book_dir: Path) -> None:
        """The TEI is written aside and validated first: an edition that would not validate replaces nothing."""
        staged = book_dir / f".{book.id}.tei.xml.staged"
        write_tei(book, staged)
        errors = validate_tei(staged)
        if errors:
            staged.unlink(missing_ok=True)
            raise CorrectionError(f"the corrected edition would not validate: {errors[:3]}")
        book.save(book_dir / f"{book.id}.json")
        staged.replace(book_dir / f"{book.id}.tei.xml")

    # --- the audit log ------------------------------------------------------------------------------------

    def _audit_path(self) -> Path:
        return workbench_dir(self.store) / "audit.jsonl"

    def _audit(self, book_id: str, page_id: str, user: str, changes: list[dict[str, Any]]) -> None:
        path = self._audit_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        when = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [{"when": when, "user": user, "book": book_id, "page": page_id, **c} for c in changes]
        with exclusive_lock(path.with_suffix(".lock")), path.open("a", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def audit(self, limit: int = 500) -> list[dict[str, Any]]:
        """The latest changes, newest first."""
        path = self._audit_path()
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return rows[::-1][:limit]
