"""The digitise flow: scans in, TEI out.

ingest -> (per page: decode, preprocess, OCR) -> clean -> punctuate -> translate -> annotate -> export TEI
+ document JSON.

Pages go to the task runner a few at a time (threads, or Dask workers) and each finished page is saved
under ``OUT/<book>/pages/`` keyed by its content hash and the OCR settings, so an interrupted batch resumes
where it stopped and a re-run redoes nothing. The text stages then run a section of pages at a time (their
results cached by Prefect), and the outputs are written by streaming over the sections, so memory does not
grow with the batch. Bad inputs are copied to ``OUT/<book>/quarantine/`` with their reasons; the rest of the
batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import cv2
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact
from prefect.cache_policies import INPUTS, NO_CACHE
from prefect.concurrency.sync import concurrency

import wenyuan
from corpora.split_characters import table_checksum as split_table_checksum
from flows.server_setup import GPU_LIMIT, check_gpu_limit
from models.char_lm import DEFAULT_DIR as CHAR_LM_DIR
from models.char_lm import counts_checksum
from models.device import select_device
from models.folder import check_model_folder, inference_checksum
from tasks.annotate import DEFAULT_TAGGER, annotate_book, load_entity_tagger
from tasks.clean import CleanConfig, clean_book
from tasks.entities import lexicons_checksum
from tasks.ingest import (
    PageSource,
    check_inputs_exist,
    list_page_sources,
    load_page_image,
    page_hash,
    read_manifest,
)
from tasks.ocr import OcrConfig, build_engine, read_image
from tasks.ocr.engine import PaddleOCREngine, engine_version
from tasks.preprocess import PreprocessConfig
from tasks.punctuate import DEFAULT_MODEL as PUNCTUATOR_DIR
from tasks.punctuate import load_punctuator, punctuate_book
from tasks.tei import processing_change, validate_tei, write_tei_stream
from tasks.translate import DEFAULT_MODEL as TRANSLATOR_DIR
from tasks.translate import load_translator, translate_book
from wenyuan.book_store import BookStats, PageRef, SectionStore
from wenyuan.code_identity import code_checksum
from wenyuan.document import Book, BookMetadata, Quarantined
from wenyuan.errors import BadInputError, BookConflictError, ManifestError, NoInputError
from wenyuan.io import atomic_write_text, atomic_writer, exclusive_lock
from wenyuan.page_index import PageIndex

_ENGINES: dict[str, Any] = {}
_ENGINE_LOCK = threading.Lock()


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # outside a flow run (a task's .fn() called directly)
        return logging.getLogger("wenyuan")


class _Progress:
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


def model_slot(device: str) -> AbstractContextManager:
    """Hold a slot of the ``gpu`` global concurrency limit around a model call on a GPU.

    With the ``gpu`` limit (``flows.server_setup``) one GPU is never shared by two batches' model calls; CPU runs
    need no slot (the OS schedules them) and take none. Strict: a missing limit is an error, not a pass.
    """
    if device.startswith("cuda"):
        return concurrency(GPU_LIMIT, occupy=1, strict=True)
    return nullcontext()


def get_engine(cfg: OcrConfig):
    """One OCR engine per process and configuration (model loading takes seconds)."""
    key = json.dumps(asdict(cfg), sort_keys=True)
    with _ENGINE_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = build_engine(cfg)
        return _ENGINES[key]


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def sweep_stale_workdirs(root: Path | None = None) -> list[Path]:
    """Remove ingest folders (``wenyuan-ingest-<pid>-…``) whose process is gone: a killed run's debris."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        pid = folder.name.removeprefix(WORKDIR_PREFIX).split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
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


def settings_key(pre: PreprocessConfig, ocr: OcrConfig, engine_version: str) -> str:
    """Hash of everything that changes a page's OCR result: settings, engine and our code (not the device)."""
    ocr_settings = {k: v for k, v in asdict(ocr).items() if k != "device"}
    code = code_checksum("tasks.preprocess", "tasks.ocr")  # and every project module they import
    lm = counts_checksum(str(CHAR_LM_DIR)) if ocr.lm_rescore_below > 0 else ""
    blob = json.dumps(
        {"pre": asdict(pre), "ocr": ocr_settings, "engine": engine_version, "code": code, "char_lm": lm}, sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


@task(name="ingest")
def ingest_task(inputs: list[Path], workdir: Path) -> tuple[list[PageSource], list[Quarantined], Path | None]:
    return list_page_sources(inputs, workdir)


@task(name="read-manifest")
def manifest_task(path: Path | None) -> tuple[BookMetadata, list[Quarantined]]:
    if path is None:
        return BookMetadata(), []
    try:
        return read_manifest(path), []
    except ManifestError as exc:
        return BookMetadata(), [Quarantined(path=str(path), reason=str(exc), stage="manifest")]


def transient_failure(task, task_run, state) -> bool:
    """Retry only what may pass on a second try (I/O hiccups); bad input goes to quarantine at once."""
    try:
        state.result()
    except BadInputError:
        return False
    except (OSError, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(name="process-page", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=transient_failure)
def process_page_task(src: PageSource, book_dir: Path, pre: PreprocessConfig, ocr: OcrConfig) -> list[PageRef]:
    """Decode, preprocess and OCR one source page (or reuse its saved result); raises BadInputError.

    The pages are saved under ``pages/`` and only references to them travel back to the flow, so neither
    the flow nor a Dask scheduler ever holds a batch's OCR results.
    """
    image = load_page_image(src)
    sha = page_hash(image)
    key = settings_key(pre, ocr, engine_version())
    cached = book_dir / "pages" / f"{sha}-{key}.json"
    origin = {"source": src.label, "source_page": src.page}
    index = PageIndex(book_dir.parent)
    # A page another book of the store has read is taken from there, not read again.
    reused_from = None if cached.exists() else index.adopt(cached.name, book_dir)
    if cached.exists():
        leaves = json.loads(cached.read_text(encoding="utf-8"))
        return [
            PageRef(id=p["id"], file=str(cached), leaf=k, reused_from=reused_from, **origin)
            for k, p in enumerate(leaves)
        ]
    engine = get_engine(ocr)  # loaded only when a page has to be read: a re-run with every page saved loads none
    facsimile = book_dir / "images" / f"p{sha[:12]}.png"
    facsimile.parent.mkdir(parents=True, exist_ok=True)
    if src.pages_in_file == 1 and src.path.suffix.lower() in {".jpg", ".jpeg", ".png"}:
        facsimile = facsimile.with_suffix(src.path.suffix.lower())
        shutil.copyfile(src.path, facsimile)  # keep the archive's original bytes as the facsimile
    else:
        cv2.imwrite(str(facsimile), image)
    # Both leaves of a split spread point at the one facsimile; their coordinates are on it.
    pages = read_image(
        image,
        engine,
        ocr,
        page_id=f"p{sha[:12]}",
        source=src.label,
        source_page=src.page,
        image_ref=f"images/{facsimile.name}",
        sha256=sha,
        pre=pre,
        model_slot=partial(model_slot, engine.device),
    )
    atomic_write_text(cached, json.dumps([p.model_dump(mode="json") for p in pages], ensure_ascii=False))
    index.record(cached, facsimile)
    return [PageRef(id=p.id, file=str(cached), leaf=k, **origin) for k, p in enumerate(pages)]


#: Text stages are cached per section under a fingerprint of what determines their result (the section's
#: saved pages, each earlier stage, the stage's settings or model checksum), with persisted results: a re-run
#: skips them, and a new model version re-runs its stage and the ones after it. Hashing the section itself
#: would cost more than some stages; the device does not change a result.
SECTION_CACHE = INPUTS - "section" - "device"
#: Options of the text-stage tasks. Results are stored compressed, and not also kept in memory: Prefect's
#: in-memory copy of every section's result would make memory grow with the book again.
SECTION_TASK: dict[str, Any] = {
    "cache_policy": SECTION_CACHE,
    "persist_result": True,
    "result_serializer": "compressed/pickle",
    "cache_result_in_memory": False,
}


def fingerprint(*parts: str) -> str:
    """A short stable hash of ``parts`` (in order)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


@task(name="clean", **SECTION_TASK)
def clean_task(section: Book, key: str, cfg: CleanConfig) -> Book:
    return clean_book(section, cfg)


@task(name="punctuate", **SECTION_TASK)
def punctuate_task(section: Book, key: str, model_dir: Path, device: str) -> Book:
    punctuator = load_punctuator(str(model_dir), device)
    with model_slot(punctuator.device):
        return punctuate_book(section, punctuator)


@task(name="annotate", **SECTION_TASK)
def annotate_task(section: Book, key: str, model_dir: Path, device: str) -> Book:
    tagger = load_entity_tagger(str(model_dir), device)
    with model_slot(tagger.device):
        return annotate_book(section, tagger)


@task(name="translate", **SECTION_TASK)
def translate_task(section: Book, key: str, model_dir: Path, device: str) -> Book:
    translator = load_translator(str(model_dir), device)
    with model_slot(translator.device):
        return translate_book(section, translator)


@task(name="export-tei", cache_policy=NO_CACHE, cache_result_in_memory=False)
def export_task(store: SectionStore, book_dir: Path, validate: bool) -> Path:
    """Write the document JSON and the TEI edition from the saved sections, one section in memory at a time."""
    book_id = store.header.id
    store.header.changes.append(processing_change(store.header))
    store.write_json(book_dir / f"{book_id}.json")
    tei = book_dir / f"{book_id}.tei.xml"
    with atomic_writer(tei) as fh:
        write_tei_stream(
            fh,
            store.header,
            store.sections,
            has_dates=store.stats.dates > 0,
            has_translation=store.stats.translations > 0,
            extent=(store.stats.pages, store.stats.characters),
        )
    if validate:
        errors = validate_tei(tei)
        if errors:
            raise RuntimeError(f"{tei}: generated TEI does not validate: {errors[:5]}")
    return tei


def _nothing_usable(paths: list[Path], bad: list[Quarantined]) -> str:
    """Why a batch gave no page: its inputs and each bad one's reason."""
    where = ", ".join(str(p) for p in paths)
    reasons = "".join(f"\n  {q.path}: {q.reason}" for q in bad)
    return f"{where}: no usable page image" + (f"; every input was quarantined:{reasons}" if bad else "")


def _input_name(src: PageSource) -> str:
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


def text_sections(
    refs: list[PageRef], template: Book, section_pages: int, text_layers: Callable[[Book, list[PageRef]], Book]
) -> Iterator[Book]:
    """Runs of ``section_pages`` pages with their text layers computed, in reading order.

    Each section is punctuated on its own, so a sentence running over a section boundary is ended there:
    one forced break per ``section_pages`` pages (some 15,000 characters at the default), the price of
    never holding the book whole.
    """
    size = max(1, section_pages)
    for start in range(0, len(refs), size):
        chunk = refs[start : start + size]
        yield text_layers(template.model_copy(update={"pages": [ref.load() for ref in chunk]}, deep=True), chunk)


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


@flow(name="digitize", log_prints=True)
def digitize(
    inputs: list[str],
    out: str,
    manifest: str | None = None,
    book_id: str | None = None,
    device: str = "auto",
    punctuate: bool = True,
    punctuator_model: str | None = None,
    annotate: bool = True,
    entity_model: str | None = None,
    translate: bool = True,
    translator_model: str | None = None,
    check_tei: bool = True,
    preprocess_config: dict | None = None,
    ocr_config: dict | None = None,
    show_progress: bool = False,
    page_parallelism: int = 2,
    section_pages: int = 50,
) -> dict:
    """Digitise one book from page scans to a TEI edition.

    Args:
        inputs: image files, multi-page TIFFs, PDFs, zips or folders of them, in page order.
        out: output folder; the book goes to ``OUT/<book>/``.
        manifest: a manifest (CSV or JSON) of book metadata; one found among the inputs is used otherwise.
        book_id: identifier of the book, used as given (default: manifest ``id``, else :func:`book_id_for`).
        device: ``auto``, ``cpu`` or ``cuda`` for OCR and models.
        punctuate: run the punctuation model.
        punctuator_model: a punctuator folder other than the shipped one.
        annotate: find reign-era dates (resolved to calendar dates), persons, places, book titles and
            offices, and record them as entities (reading each sentence's translation, when translated).
        entity_model: an entity tagger folder other than the shipped one.
        translate: translate each sentence into modern Chinese (needs the punctuation stage's sentences).
        translator_model: a translator folder (any Hugging Face seq2seq model) other than the shipped one.
        check_tei: validate the TEI against ``tei_all`` after writing it.
        preprocess_config: overrides of :class:`PreprocessConfig` fields.
        ocr_config: overrides of :class:`OcrConfig` fields.
        show_progress: draw a progress bar on the terminal.
        page_parallelism: pages in flight at once on the task runner.
        section_pages: pages cleaned, punctuated, translated and annotated together: memory is bounded by
            it, not by the batch; a sentence that runs over a section boundary is ended there.

    Returns:
        Paths of the outputs and counts (pages, characters, quarantined).
    """
    log = _logger()
    pre = PreprocessConfig(**(preprocess_config or {}))
    ocr = OcrConfig(device=device, **(ocr_config or {}))
    paths = [Path(p) for p in inputs]
    check_inputs_exist(paths)
    # Fail before any page is read when a requested model folder is missing or broken.
    punctuator_dir = Path(punctuator_model) if punctuator_model else PUNCTUATOR_DIR
    translator_dir = Path(translator_model) if translator_model else TRANSLATOR_DIR
    tagger_dir = Path(entity_model) if entity_model else DEFAULT_TAGGER
    if punctuate:
        check_model_folder(punctuator_dir)
        if annotate:
            check_model_folder(tagger_dir)
        if translate:
            check_model_folder(translator_dir)
    check_gpu_limit(select_device(device), log)
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    sweep_stale_workdirs()
    # Named by this process: a later run knows a dead run's folder (zips unpacked there can be large).
    workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
    sections_dir: Path | None = None
    held = ExitStack()
    try:
        sources, bad, found_manifest = ingest_task(paths, workdir)
        metadata, manifest_bad = manifest_task(Path(manifest) if manifest else found_manifest)
        bad = bad + manifest_bad
        if not sources and not bad:
            raise NoInputError(_nothing_usable(paths, bad))
        book_id = book_id_for(paths, metadata, book_id)
        book_dir = Path(out) / book_id
        # Two runs on one book never interleave: the second waits, then reuses what the first finished.
        held.enter_context(exclusive_lock(book_dir / ".lock"))
        claim_book_dir(book_dir, book_identity(paths, metadata))
        sweep_sections(book_dir)  # a killed run's; none is in use, as this run holds the book
        seconds["ingest"] = time.monotonic() - t0
        log.info("%d page(s) to read, %d input(s) quarantined", len(sources), len(bad))
        t1 = time.monotonic()
        seen: dict[str, str] = {}
        refs: list[PageRef] = []
        failures: list[Exception] = []
        tracker = _Progress(book_id, len(sources), show_progress)
        # Pages go to the task runner a few at a time (threads by default, Dask workers when configured);
        # the window bounds memory: a 2,000-page batch never holds more than a few decoded pages.
        window: deque = deque()
        pending = iter(sources)

        def refill() -> None:
            while len(window) < max(1, page_parallelism):
                src = next(pending, None)
                if src is None:
                    return
                window.append((src, process_page_task.submit(src, book_dir, pre, ocr)))

        refill()
        while window:
            src, future = window.popleft()
            try:
                for ref in future.result():
                    # Named by the input's path (a zip member's by its name), so the evidence can be found
                    # and kept: two scan.jpg in two folders are not one.
                    where = src.label if src.path.is_relative_to(workdir) else _input_name(src)
                    if ref.id in seen:
                        reason = f"duplicate of page {seen[ref.id]} (same content hash, page {ref.id})"
                        bad.append(Quarantined(path=where, stage="ocr", reason=reason))
                        continue
                    seen[ref.id] = where
                    refs.append(ref)
                    if ref.reused_from:
                        log.info("%s: already read in book %s; its OCR is reused", src.label, ref.reused_from)
            except BadInputError as exc:
                log.warning("quarantined %s: %s", exc.path, exc.reason)
                bad.append(Quarantined(path=str(src.path), reason=exc.reason, stage="decode"))
            except Exception as exc:  # a fault on one page must not sink the batch; it is set aside, named
                log.exception("page %s failed; quarantined", src.label)
                failures.append(exc)
                reason = f"page could not be read ({type(exc).__name__}: {exc})"
                bad.append(Quarantined(path=str(src.path), reason=reason, stage="ocr"))
            tracker.advance()
            refill()
        tracker.close()
        if failures and not refs:
            raise failures[0]  # nothing could be read at all: a broken installation, not a bad page
        if not refs:  # only bad inputs, or every page bad: keep the evidence, write no empty edition
            quarantine(bad, book_dir)
            raise NoInputError(_nothing_usable(paths, bad))
        seconds["preprocess+ocr"] = time.monotonic() - t1
        sections_dir = Path(tempfile.mkdtemp(dir=book_dir, prefix=".sections-"))
        store = SectionStore(sections_dir, Book(id=book_id, metadata=metadata))
        # From the class and package metadata: the flow process never loads an OCR model itself.
        store.header.add_step("ocr", PaddleOCREngine.name, engine_version(), **asdict(ocr))
        store.header.quarantined = bad
        quarantine(bad, book_dir)

        clean_cfg = CleanConfig()
        clean_settings = json.dumps(asdict(clean_cfg), sort_keys=True, default=str)
        stages: list[tuple[str, Any, str]] = [
            ("clean", partial(clean_task, cfg=clean_cfg), f"{clean_settings}#{code_checksum('tasks.clean')}")
        ]
        # Each stage's identity is all that steers its output (weights, decoding settings, lexicons, its code),
        # so that a recalibrated or re-decoded model re-runs its stage and the stages after it, and nothing else.
        if punctuate:
            punct = partial(punctuate_task, model_dir=punctuator_dir, device=device)
            punct_identity = f"{inference_checksum(punctuator_dir)}#{code_checksum('tasks.punctuate')}"
            stages.append(("punctuate", punct, punct_identity))
            # Translation comes before annotation: its names written in full find the source's short forms
            # (tasks.name_projection), and each stage's key chains on the stages before it.
            if translate:
                trans = partial(translate_task, model_dir=translator_dir, device=device)
                trans_identity = f"{inference_checksum(translator_dir)}#{code_checksum('tasks.translate')}"
                trans_identity += f"#{split_table_checksum()}"  # the output joins the characters it lists
                stages.append(("translate", trans, trans_identity))
            if annotate:
                tag = partial(annotate_task, model_dir=tagger_dir, device=device)
                tagger_identity = f"{inference_checksum(tagger_dir)}#{lexicons_checksum()}"
                tagger_identity += f"#{code_checksum('tasks.annotate')}"
                stages.append(("annotate", tag, f"{metadata.dynasty or ''}#{tagger_identity}"))

        def text_layers(section: Book, chunk: list[PageRef]) -> Book:
            """Clean, punctuate, translate and annotate one section (or take them from the cache), timed."""
            # The saved pages (content hash and OCR settings are in their names), not the files they came from:
            # no stage reads those, so a renamed scan re-runs nothing; its name is set on the result instead.
            pages = (f"{Path(r.file).resolve()}#{r.leaf}" for r in chunk)
            key = fingerprint(wenyuan.__version__, *pages)
            for name, stage, identity in stages:
                started = time.monotonic()
                text_progress.stage(name)
                key = fingerprint(key, name, identity)
                section = stage(section, key)
                seconds[name] = seconds.get(name, 0.0) + time.monotonic() - started
            for page, ref in zip(section.pages, chunk, strict=True):
                if ref.source is not None:
                    page.source, page.source_page = ref.source, ref.source_page
            return section

        sections = -(-len(refs) // max(1, section_pages))
        text_progress = _Progress(book_id, sections, show_progress, unit="section", what="text stages")
        for section in text_sections(refs, Book(id=book_id, metadata=metadata), section_pages, text_layers):
            store.add(section)
            text_progress.advance()
        text_progress.close()
        t4 = time.monotonic()
        tei = export_task(store, book_dir, check_tei)
        seconds["export"] = time.monotonic() - t4
        reused = {r.source or r.id: r.reused_from for r in refs if r.reused_from}
        report = report_markdown(store.header, store.stats, seconds, reused)
        atomic_write_text(book_dir / "report.md", report)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if sections_dir is not None:
            shutil.rmtree(sections_dir, ignore_errors=True)
        held.close()
    try:
        create_markdown_artifact(
            key=f"digitize-{book_id.lower().replace('_', '-').replace('.', '-')}"[:60],
            markdown=report,
            description=f"wenyuan {wenyuan.__version__} batch report",
        )
    except Exception as exc:  # artifacts are a courtesy; never fail a finished batch over one
        log.warning("could not create the report artifact: %s", exc)
    return {
        "book": book_id,
        "tei": str(tei),
        "json": str(book_dir / f"{book_id}.json"),
        "pages": store.stats.pages,
        "characters": store.stats.characters,
        "quarantined": [q.model_dump() for q in bad],
    }
