"""A person's corrections of an edition: applied to the document model with who made them, and turned into
the training data the recogniser, the punctuator and the translator read.

Everything here is a pure function of a :class:`~wenyuan.document.Book` (and, for line images, the page
images beside it). The workbench (:mod:`app.web`) and ``wenyuan import-tei`` both record corrections this way.
A corrected character keeps the machine's reading (``Char.sic``) and its corrector (``Char.corrected_by``);
punctuation and translations a person set name that person (``punct_by``, ``translated_by``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from corpora.punct import extract_labels
from tasks.translate import sentence_texts
from wenyuan.document import Book, Change, Char, Line, Page, Sentence
from wenyuan.io import atomic_write_text

#: Saves by one person less than this apart are one session of work (one ``revisionDesc/change``).
SESSION_GAP = timedelta(hours=1)
#: Header of the TSV files ``train-punctuator --extra-train`` and ``train-translator --extra-train`` read.
TSV_HEADER = ("book", "chapter", "src", "tgt")


class CorrectionError(ValueError):
    """A correction that cannot be applied as given (the message says why, for the person who made it)."""


@dataclass
class Tally:
    """What one save changed."""

    characters: int = 0
    marks: int = 0
    translations: int = 0

    def __bool__(self) -> bool:
        return bool(self.characters or self.marks or self.translations)

    def summary(self) -> str:
        return (
            f"Proofread: {self.characters} character(s), {self.marks} punctuation mark(s) and "
            f"{self.translations} translation(s) corrected."
        )


def is_page_character(text: str) -> bool:
    """One character that can stand on a page: not a space, control, format character or a mark alone."""
    return len(text) == 1 and unicodedata.category(text)[0] not in "CZM"


def correct_char(ch: Char, text: str, who: str) -> bool:
    """Replace ``ch``'s reading with ``text`` (one character), keeping the machine's reading; True if it changed.

    Setting a character back to what the machine read removes the correction.
    """
    if not is_page_character(text):
        raise CorrectionError(f"{text!r} is not one character")
    if text == ch.text:
        return False
    machine = ch.sic if ch.sic is not None else ch.text
    ch.sic, ch.corrected_by = (None, None) if text == machine else (machine, who)
    ch.text = text
    return True


def sentence_chars(book: Book) -> list[list[Char]]:
    """Each sentence's own characters (a main-text sentence's offsets span any commentary inside it)."""
    chars = [ch for *_, ch in book.chars()]
    return [[chars[k] for k in own] for own in book.sentence_offsets()]


def _label(ch: Char) -> str:
    """The punctuator's label for the mark after ``ch`` ("O": none), as :func:`extract_labels` reads it."""
    return extract_labels(ch.text + (ch.punct_after or "")).labels[-1]


def repunctuate(chars: list[Char], punctuated: str, who: str) -> int:
    """Set the marks of a sentence's ``chars`` from ``punctuated`` (its text with a person's marks); returns
    how many marks changed. The characters themselves are corrected in the transcription, not here.

    Marks are compared as the punctuator's labels and taken by position: a character whose label is unchanged
    keeps its marks exactly as they were (a closing bracket with its stop, say); the characters' text is the
    transcription's (one corrected in the same save may still show its old reading here), but their number
    must agree. Page characters that read as marks (a middle dot) are left out of the count on both sides.
    """
    markable = [ch for ch in chars if extract_labels(ch.text).chars]
    wanted = extract_labels(punctuated)
    if len(wanted.chars) != len(markable):
        raise CorrectionError(
            f"{punctuated!r} has {len(wanted.chars)} characters, the sentence {len(markable)} "
            f"({''.join(c.text for c in markable)}): correct characters in the transcription, marks here"
        )
    changed = 0
    for ch, label in zip(markable, wanted.labels, strict=True):
        if label != _label(ch):
            ch.punct_after, ch.punct_by, ch.punct_confidence = (None if label == "O" else label), who, None
            changed += 1
    return changed


def retranslate(sentence: Sentence, translation: str, who: str) -> bool:
    """Set a sentence's translation as a person wrote it; True if it changed."""
    translation = translation.strip()
    if translation == (sentence.translation or ""):
        return False
    sentence.translation, sentence.translated_by = translation or None, who
    return True


def record_session(book: Book, who: str, tally: Tally, now: datetime | None = None) -> None:
    """Add the save to the book's ``changes``: one change per person and session of work."""
    now = now or datetime.now(UTC)
    last = book.changes[-1] if book.changes else None
    counts = [int(n) for n in last.what.split() if n.isdigit()] if last is not None else []
    if last is not None and last.who == who and now - last.when < SESSION_GAP and last.what.startswith("Proofread"):
        if len(counts) == 3:
            tally = Tally(tally.characters + counts[0], tally.marks + counts[1], tally.translations + counts[2])
        last.when, last.what = now, tally.summary()
        return
    book.changes.append(Change(when=now, who=who, what=tally.summary()))


# --- training data --------------------------------------------------------------------------------------


def machine_text(line: Line) -> str:
    """What the recogniser read on ``line`` (before any person's correction)."""
    return "".join(ch.sic if ch.sic is not None else ch.text for ch in line.chars)


def corrected_lines(book: Book) -> Iterator[tuple[Page, Line]]:
    for page in book.pages:
        for line in page.lines():
            if any(ch.sic is not None for ch in line.chars):
                yield page, line


def _tsv(rows: list[tuple[str, str, str, str]]) -> str:
    """Rows as the corpus files are written: a header, tab-separated, no quoting (a tab or a line break
    inside a field becomes a space: they would break the row)."""
    lines = ["\t".join(TSV_HEADER)] + ["\t".join(" ".join(field.split()) for field in row) for row in rows]
    return "\n".join(lines) + "\n"


def training_rows(book: Book) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """Sentences a person punctuated, and sentences a person translated, as ``book chapter src tgt`` rows."""
    name = book.metadata.title or book.id
    punctuation, translation = [], []
    for sentence, chars, text in zip(book.sentences, sentence_chars(book), sentence_texts(book), strict=True):
        if any(ch.punct_by for ch in chars):
            punctuation.append((name, sentence.id, text, sentence.translation or ""))
        if sentence.translated_by and sentence.translation:
            translation.append((name, sentence.id, text, sentence.translation))
    return punctuation, translation


def _cut_line(image, line: Line, out_dir: Path, name: str) -> str | None:
    """Save the line's bounding box of ``image`` as ``out_dir/name``; None when there is nothing to cut."""
    import cv2

    if image is None or not line.polygon:
        return None
    xs, ys = [p[0] for p in line.polygon], [p[1] for p in line.polygon]
    x0, y0 = max(0, int(min(xs))), max(0, int(min(ys)))
    x1, y1 = min(image.shape[1], int(max(xs)) + 1), min(image.shape[0], int(max(ys)) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    cv2.imwrite(str(out_dir / name), image[y0:y1, x0:x1])
    return name


def write_training_data(book: Book, images_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the book's corrections as training data (format: ``docs/corrections.md``); returns the counts.

    ``out_dir/lines/<line>.png`` + ``out_dir/ocr_lines.jsonl`` (line image, machine reading, corrected text),
    ``out_dir/punctuation.tsv`` and ``out_dir/translations.tsv`` (``book chapter src tgt``). Written whole from
    the book each time, so a correction undone is gone from them too.
    """
    import cv2

    out_dir.mkdir(parents=True, exist_ok=True)
    lines_dir = out_dir / "lines"
    lines_dir.mkdir(exist_ok=True)
    records, images = [], {}
    for page, line in corrected_lines(book):
        crop_name: str | None = f"lines/{line.id}.png"
        if not (out_dir / crop_name).exists():  # a line's crop never changes: cut once, not at every save
            if page.image not in images:
                images[page.image] = cv2.imread(str(images_dir / page.image)) if page.image else None
            crop_name = _cut_line(images[page.image], line, out_dir, crop_name)
        records.append(
            {
                "image": crop_name,
                "page_image": page.image,
                "page": page.id,
                "line": line.id,
                "polygon": line.polygon,
                "vertical": page.direction == "vertical-rl",
                "read": machine_text(line),
                "text": line.text,
                "corrected_by": sorted({ch.corrected_by for ch in line.chars if ch.corrected_by}),
            }
        )
    keep = {f"{r['line']}.png" for r in records}
    for stale in lines_dir.glob("*.png"):
        if stale.name not in keep:
            stale.unlink()
    atomic_write_text(out_dir / "ocr_lines.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    punctuation, translation = training_rows(book)
    atomic_write_text(out_dir / "punctuation.tsv", _tsv(punctuation))
    atomic_write_text(out_dir / "translations.tsv", _tsv(translation))
    return {"ocr_lines": len(records), "punctuation": len(punctuation), "translations": len(translation)}


def punctuated(chars: list[Char]) -> str:
    """A sentence's characters with their marks."""
    return "".join(c.text + (c.punct_after or "") for c in chars)
