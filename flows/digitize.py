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
import shutil
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
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import INPUTS, NO_CACHE
from prefect.concurrency.sync import concurrency

import wenyuan
from flows.batch import (
    Progress,
    batch_workdir,
    book_id_for,
    book_identity,
    input_name,
    nothing_usable,
    open_book_dir,
    quarantine,
    report_markdown,
    sections_folder,
)
from flows.server_setup import GPU_LIMIT, check_gpu_limit
from models.char_lm import DEFAULT_DIR as CHAR_LM_DIR
from models.char_lm import counts_checksum
from models.device import select_device
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
from tasks.stages import TextStage, text_stages
from tasks.tei import processing_change, validate_tei, write_tei_stream
from wenyuan.book_store import PageRef, SectionStore
from wenyuan.code_identity import code_checksum
from wenyuan.document import Book, BookMetadata, Quarantined
from wenyuan.errors import BadInputError, ManifestError, NoInputError
from wenyuan.io import atomic_write_text, atomic_writer
from wenyuan.page_index import PageIndex

_ENGINES: dict[str, Any] = {}
_ENGINE_LOCK = threading.Lock()


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # outside a flow run (a task's .fn() called directly)
        return logging.getLogger("wenyuan")


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
#: would cost more than some stages; the device does not change a result, and the stage is in the key.
SECTION_CACHE = INPUTS - "section" - "device" - "stage"
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


@task(name="text-stage", **SECTION_TASK)
def text_stage_task(stage: TextStage, section: Book, key: str, device: str) -> Book:
    """Run one text stage on one section (Prefect names each run after its stage)."""
    model = stage.load(device)
    with model_slot(getattr(model, "device", "cpu")):
        return stage.run(section, model)


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


def read_pages(
    sources: list[PageSource],
    workdir: Path,
    book_dir: Path,
    pre: PreprocessConfig,
    ocr: OcrConfig,
    parallelism: int,
    progress: Progress,
) -> tuple[list[PageRef], list[Quarantined]]:
    """Read every source page (or take its saved reading); returns the pages in order and what was set aside.

    Pages go to the task runner a few at a time (threads by default, Dask workers when configured); the
    window bounds memory: a 2,000-page batch never holds more than a few decoded pages.
    """
    log = _logger()
    seen: dict[str, str] = {}
    refs: list[PageRef] = []
    bad: list[Quarantined] = []
    failures: list[Exception] = []
    window: deque = deque()
    pending = iter(sources)

    def refill() -> None:
        while len(window) < max(1, parallelism):
            src = next(pending, None)
            if src is None:
                return
            window.append((src, process_page_task.submit(src, book_dir, pre, ocr)))

    refill()
    while window:
        src, future = window.popleft()
        try:
            for ref in future.result():
                # Named by the input's path (a zip member's by its name), so the evidence can be found and
                # kept: two scan.jpg in two folders are not one.
                where = src.label if src.path.is_relative_to(workdir) else input_name(src)
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
        progress.advance()
        refill()
    progress.close()
    if failures and not refs:
        raise failures[0]  # nothing could be read at all: a broken installation, not a bad page
    return refs, bad


def run_text_stages(
    stages: list[TextStage],
    refs: list[PageRef],
    template: Book,
    store: SectionStore,
    device: str,
    section_pages: int,
    progress: Progress,
    seconds: dict[str, float],
) -> None:
    """Run the text stages over the book a section at a time (or take them from the cache), into ``store``.

    A section's key chains its saved pages and, stage by stage, each stage's identity: a new model version
    re-runs its stage and the ones after it, and nothing else.
    """
    runs = [(stage, stage.identity(template), text_stage_task.with_options(name=stage.name)) for stage in stages]

    def text_layers(section: Book, chunk: list[PageRef]) -> Book:
        # The saved pages (content hash and OCR settings are in their names), not the files they came from:
        # no stage reads those, so a renamed scan re-runs nothing; its name is set on the result instead.
        pages = (f"{Path(r.file).resolve()}#{r.leaf}" for r in chunk)
        key = fingerprint(wenyuan.__version__, *pages)
        for stage, identity, run in runs:
            started = time.monotonic()
            progress.stage(stage.name)
            key = fingerprint(key, stage.name, identity)
            section = run(stage, section, key, device)
            seconds[stage.name] = seconds.get(stage.name, 0.0) + time.monotonic() - started
        for page, ref in zip(section.pages, chunk, strict=True):
            if ref.source is not None:
                page.source, page.source_page = ref.source, ref.source_page
        return section

    for section in text_sections(refs, template, section_pages, text_layers):
        store.add(section)
        progress.advance()
    progress.close()


def publish_report(book_id: str, report: str, log) -> None:
    """The batch report as a Prefect artifact; a courtesy, never a reason to fail a finished batch."""
    try:
        create_markdown_artifact(
            key=f"digitize-{book_id.lower().replace('_', '-').replace('.', '-')}"[:60],
            markdown=report,
            description=f"wenyuan {wenyuan.__version__} batch report",
        )
    except Exception as exc:
        log.warning("could not create the report artifact: %s", exc)


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
    stages = text_stages(punctuate, translate, annotate, punctuator_model, translator_model, entity_model)
    paths = [Path(p) for p in inputs]
    check_inputs_exist(paths)
    for stage in stages:  # a missing or broken model folder fails the run before any page is read
        stage.check()
    check_gpu_limit(select_device(device), log)
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    with batch_workdir() as workdir, ExitStack() as held:
        sources, bad, found_manifest = ingest_task(paths, workdir)
        metadata, manifest_bad = manifest_task(Path(manifest) if manifest else found_manifest)
        bad = bad + manifest_bad
        if not sources and not bad:
            raise NoInputError(nothing_usable(paths, bad))
        book_id = book_id_for(paths, metadata, book_id)
        book_dir = held.enter_context(open_book_dir(Path(out) / book_id, book_identity(paths, metadata)))
        seconds["ingest"] = time.monotonic() - t0
        log.info("%d page(s) to read, %d input(s) quarantined", len(sources), len(bad))

        t1 = time.monotonic()
        pages_read = Progress(book_id, len(sources), show_progress)
        refs, unreadable = read_pages(sources, workdir, book_dir, pre, ocr, page_parallelism, pages_read)
        bad += unreadable
        if not refs:  # only bad inputs, or every page bad: keep the evidence, write no empty edition
            quarantine(bad, book_dir)
            raise NoInputError(nothing_usable(paths, bad))
        seconds["preprocess+ocr"] = time.monotonic() - t1

        store = SectionStore(held.enter_context(sections_folder(book_dir)), Book(id=book_id, metadata=metadata))
        # From the class and package metadata: the flow process never loads an OCR model itself.
        store.header.add_step("ocr", PaddleOCREngine.name, engine_version(), **asdict(ocr))
        store.header.quarantined = bad
        quarantine(bad, book_dir)
        sections = Progress(book_id, -(-len(refs) // max(1, section_pages)), show_progress, "section", "text stages")
        template = Book(id=book_id, metadata=metadata)
        run_text_stages(stages, refs, template, store, device, section_pages, sections, seconds)

        t4 = time.monotonic()
        tei = export_task(store, book_dir, check_tei)
        seconds["export"] = time.monotonic() - t4
        reused = {r.source or r.id: r.reused_from for r in refs if r.reused_from}
        report = report_markdown(store.header, store.stats, seconds, reused)
        atomic_write_text(book_dir / "report.md", report)
    publish_report(book_id, report, log)
    return {
        "book": book_id,
        "tei": str(tei),
        "json": str(book_dir / f"{book_id}.json"),
        "pages": store.stats.pages,
        "characters": store.stats.characters,
        "quarantined": [q.model_dump() for q in bad],
    }
