"""A batch's book folder in the store: its id, its claim and lock, the debris of killed runs, the quarantine
and the report; and the batch's progress as the terminal and the Prefect UI show it.

The digitise flow (:mod:`flows.digitize`) calls these around its stages; none of them reads a page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from tasks.ingest import PageSource
from wenyuan.book_store import BookStats
from wenyuan.document import Book, BookMetadata, Quarantined
from wenyuan.errors import BookConflictError
from wenyuan.io import atomic_write_text, exclusive_lock, process_alive


class Progress:
    """A batch's progress, as a Prefect progress artifact (seen in the UI) and optionally a terminal bar."""

    def __init__(self, label: str, total: int, terminal: bool, unit: str = "page", what: str = "pages read"):
        self.total, self.done = max(total, 1), 0
        self.bar = None
        if terminal:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, desc=label)
        try:
            self.artifact = create_progress_artifact(progress=0.0, description=f"{label}: {what}")
        except Exception:  # no API to report to (a task's .fn() called directly): the bar is enough
            self.artifact = None

    def stage(self, name: str) -> None:
        """Name the stage at work on the bar (the text stages run section by section)."""
        if self.bar is not None:
            self.bar.set_postfix_str(name, refresh=True)

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        if self.artifact is not None:
            update_progress_artifact(self.artifact, progress=100.0 * self.done / self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def book_identity(inputs: list[Path], metadata: BookMetadata) -> str:
    """What makes a batch this book: its catalogue description when the manifest gives a title (every field,
    so volume 卷一 and volume 卷二 differ when the manifest says so), else where its inputs lie."""
    if metadata.title:
        described = metadata.model_dump(exclude={"language"})
        return "manifest:" + json.dumps(described, ensure_ascii=False, sort_keys=True)
    return "inputs:" + "\n".join(sorted(str(p.resolve()) for p in inputs))


def _listing(path: Path) -> str:
    """A cheap fingerprint of what an input holds (names and sizes, no reading): another batch uploaded
    under the same name to the same place (an inbox) is another book; the same batch run again is not."""
    if path.is_file():
        return str(path.stat().st_size)
    files = sorted(f for f in path.rglob("*") if f.is_file() and f.name != "READY") if path.is_dir() else []
    digest = hashlib.sha256("\n".join(f"{f.relative_to(path)}:{f.stat().st_size}" for f in files).encode())
    return digest.hexdigest()[:12]


def book_id_for(inputs: list[Path], metadata: BookMetadata, explicit: str | None) -> str:
    """A file-system and XML-id safe identifier for the book, unique to it.

    An id the archivist gives (``--book-id``, the manifest's ``id``) is kept as given. Otherwise a readable
    ASCII slug of the title or first input (``book`` for a title with no Latin letters, 論語 卷一) takes a
    short suffix of a hash of :func:`book_identity` and of the inputs' place and listing, so two books never
    share a folder and the same batch run again finds its own.
    """
    given = explicit or metadata.extra.get("id")
    raw = given or metadata.title or (inputs[0].stem if inputs else "book")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.") or "book"
    slug = slug if slug[0].isalpha() else f"b-{slug}"
    if given:
        return slug
    # Where the inputs lie and what they hold count too: the same catalogue record uploaded twice as two
    # batches, or next week's upload under this week's folder name, is another batch.
    where = "\n".join(sorted(f"{p.resolve()}:{_listing(p)}" for p in inputs))
    digest = hashlib.sha256(f"{book_identity(inputs, metadata)}\n{where}".encode()).hexdigest()
    return f"{slug[:48]}-{digest[:6]}"


WORKDIR_PREFIX = "wenyuan-ingest-"


def sweep_stale_workdirs(root: Path | None = None) -> list[Path]:
    """Remove ingest folders (``wenyuan-ingest-<pid>-…``) whose process is gone: a killed run's debris."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        pid = folder.name.removeprefix(WORKDIR_PREFIX).split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def sweep_sections(book_dir: Path) -> list[Path]:
    """Remove a book's section folders (``.sections-*``) left by a killed run; call holding the book's lock."""
    removed = [d for d in book_dir.glob(".sections-*") if d.is_dir()]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def claim_book_dir(book_dir: Path, identity: str) -> None:
    """Refuse to write a book over another one: the folder records whose it is on first use."""
    marker = book_dir / ".wenyuan-book"
    if marker.exists():
        held = json.loads(marker.read_text(encoding="utf-8")).get("identity")
        if held != identity:
            raise BookConflictError(
                f"{book_dir}: holds another book ({held}); give this one another --book-id or --out"
            )
        return
    atomic_write_text(marker, json.dumps({"identity": identity}, ensure_ascii=False))


def nothing_usable(paths: list[Path], bad: list[Quarantined]) -> str:
    """Why a batch gave no page: its inputs and each bad one's reason."""
    where = ", ".join(str(p) for p in paths)
    reasons = "".join(f"\n  {q.path}: {q.reason}" for q in bad)
    return f"{where}: no usable page image" + (f"; every input was quarantined:{reasons}" if bad else "")


def input_name(src: PageSource) -> str:
    """An input page as a report names it: its file's path, with ``#N`` for a page of a multi-page file."""
    return f"{src.path}#{src.page + 1}" if src.pages_in_file > 1 else str(src.path)


def quarantine(items: list[Quarantined], book_dir: Path) -> None:
    """Copy each bad input that is a file into ``quarantine/`` and record why in ``quarantine.json``."""
    if not items:
        return
    qdir = book_dir / "quarantine"
    qdir.mkdir(parents=True, exist_ok=True)
    for q in items:
        path = Path(q.path.split("#")[0])
        if path.is_file() and not path.is_symlink():
            # Named by the whole path, not the file name alone: sub1/scan.jpg and sub2/scan.jpg both stay.
            q.kept_as = f"{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:10]}-{path.name}"
            shutil.copyfile(path, qdir / q.kept_as)
    atomic_write_text(
        qdir / "quarantine.json", json.dumps([q.model_dump() for q in items], ensure_ascii=False, indent=1)
    )


def report_markdown(
    header: Book, stats: BookStats, seconds: dict[str, float], reused: dict[str, str] | None = None
) -> str:
    """The batch report. ``reused``: input label -> the store's other book whose OCR of that page was reused."""
    mean = f"{stats.confidence_sum / stats.confident:.3f}" if stats.confident else "n/a"
    lines = [
        f"# {header.metadata.title or header.id}",
        "",
        f"- pages: {stats.pages}",
        f"- characters: {stats.characters}",
        f"- mean confidence: {mean}",
        f"- low-confidence characters (<0.6): {stats.low_confidence}",
        f"- sentences: {stats.sentences}",
        f"- quarantined: {len(header.quarantined)}",
    ]
    lines += [f"  - `{q.path}`: {q.reason}" for q in header.quarantined]
    if reused:
        lines.append(f"- pages already read in other books of the store (OCR reused): {len(reused)}")
        lines += [f"  - `{label}`: book `{book}`" for label, book in reused.items()]
    lines += ["", "| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in seconds.items()]
    return "\n".join(lines) + "\n"


@contextmanager
def batch_workdir() -> Iterator[Path]:
    """A private folder for unpacked inputs, removed afterwards; a killed run's folders are swept first."""
    sweep_stale_workdirs()
    # Named by this process: a later run knows a dead run's folder (zips unpacked there can be large).
    workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def refuse_if_proofread(book_dir: Path) -> None:
    """A book people have corrected in the workbench is not rebuilt from its OCR: that would drop their work."""
    if (book_dir / ".workbench" / "versions.json").exists():
        raise BookConflictError(
            f"{book_dir}: people have corrected this edition in the workbench; digitising it again would replace "
            "their corrections. Give this batch another --book-id or --out."
        )


@contextmanager
def open_book_dir(book_dir: Path, identity: str) -> Iterator[Path]:
    """Hold the book's folder for this run: locked (a second run on the book waits, then reuses what the
    first finished), claimed for this book, and swept of a killed run's sections."""
    with ExitStack() as held:
        held.enter_context(exclusive_lock(book_dir / ".lock"))
        claim_book_dir(book_dir, identity)
        refuse_if_proofread(book_dir)
        sweep_sections(book_dir)  # a killed run's; none is in use, as this run holds the book
        yield book_dir


@contextmanager
def sections_folder(book_dir: Path) -> Iterator[Path]:
    """A temporary folder in the book's folder for its sections while the text stages run."""
    folder = Path(tempfile.mkdtemp(dir=book_dir, prefix=".sections-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
