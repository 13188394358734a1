"""Export digitised books to museum and library catalogs: IIIF manifests, LIDO records, Dublin Core.

load each book (a ``wenyuan digitize`` folder, or a TEI edition, corrected or not) -> skip it when neither it
nor the export settings changed since the last run -> write its records -> rebuild the catalog CSV ->
record books whose source has gone as deleted (harvesters must be told).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

import wenyuan
from catalog.common import CatalogConfig
from catalog.dublin_core import book_to_oai_dc, dc_fields, fields_to_csv
from catalog.iiif import book_to_iiif
from catalog.lido import book_to_lido
from tasks.tei_import import tei_to_book
from wenyuan.code_identity import code_checksum
from wenyuan.document import Book
from wenyuan.errors import BadInputError
from wenyuan.io import atomic_write_bytes, atomic_write_text

FORMATS = ("iiif", "lido", "dc-csv")
STATE_FILE = "export-state.json"


def _has_edition(folder: Path) -> bool:
    return any(folder.glob("*.tei.xml")) or any(
        p.name != "quarantine.json" and not p.name.startswith(".") for p in folder.glob("*.json")
    )


def book_inputs(path: Path) -> list[Path]:
    """``path`` as the books it names: the folder ``digitize --out`` wrote stands for every book folder in it."""
    if path.is_dir() and not _has_edition(path):
        books = [p for p in sorted(path.iterdir()) if p.is_dir() and not p.name.startswith(".") and _has_edition(p)]
        if books:
            return books
    return [path]


def find_source(path: Path) -> tuple[Path, Path | None]:
    """The file a book is read from (TEI preferred: it carries corrections) and its document JSON, if any."""
    if path.is_dir():
        teis = sorted(path.glob("*.tei.xml"))
        # Not the quarantine record, nor hidden files (the book folder's own markers).
        jsons = sorted(p for p in path.glob("*.json") if p.name != "quarantine.json" and not p.name.startswith("."))
        if teis:
            return teis[0], jsons[0] if jsons else None
        if jsons:
            return jsons[0], None
        raise BadInputError(str(path), "no *.tei.xml or document *.json in this folder")
    if path.name.endswith(".tei.xml") or path.suffix == ".xml":
        beside = path.with_name(path.name.removesuffix(".tei.xml").removesuffix(".xml") + ".json")
        return path, beside if beside.exists() else None
    if path.suffix == ".json":
        return path, None
    raise BadInputError(str(path), "not a digitize output folder, TEI file or document JSON")


def load_book(source: Path, base_json: Path | None) -> Book:
    """Read a book from a TEI edition (merged with its document JSON when there is one) or a document JSON."""
    if source.suffix == ".json":
        return Book.load(source)
    return tei_to_book(source, base=Book.load(base_json) if base_json else None)


def _fingerprint(source: Path, base_json: Path | None, formats: list[str], cfg: CatalogConfig) -> str:
    digest = hashlib.sha256()
    for f in (source, base_json):
        if f is not None:
            digest.update(f.read_bytes())
    code = code_checksum("flows.export_catalog")  # the exporters it calls, so a fixed exporter re-exports
    digest.update(json.dumps([wenyuan.__version__, code, sorted(formats), asdict(cfg)]).encode())
    return digest.hexdigest()


@task(name="export-book")
def export_book(book: Book, source: Path, out: Path, formats: list[str], cfg: CatalogConfig) -> list[str]:
    """Write the book's records (and the files they link to) under ``out/<book>/``."""
    folder = out / book.id
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if "iiif" in formats:
        data = json.dumps(book_to_iiif(book, cfg), ensure_ascii=False, indent=1)
        atomic_write_text(folder / "manifest.json", data)
        written.append("manifest.json")
        # Static images beside the manifest, as its URLs expect (unless an image server is configured).
        images = source.parent / "images"
        if not cfg.image_service and images.is_dir():
            shutil.copytree(images, folder / "images", dirs_exist_ok=True)
    if "lido" in formats:
        data = etree.tostring(book_to_lido(book, cfg), xml_declaration=True, encoding="UTF-8", pretty_print=True)
        atomic_write_bytes(folder / f"{book.id}.lido.xml", data)
        written.append(f"{book.id}.lido.xml")
    if "dc-csv" in formats:
        atomic_write_text(folder / "dc.json", json.dumps(dc_fields(book, cfg), ensure_ascii=False, indent=1))
        data = etree.tostring(book_to_oai_dc(book, cfg), xml_declaration=True, encoding="UTF-8", pretty_print=True)
        atomic_write_bytes(folder / f"{book.id}.oai_dc.xml", data)
        written += ["dc.json", f"{book.id}.oai_dc.xml"]
    if source.name.endswith(".tei.xml") and source.resolve() != (folder / source.name).resolve():
        shutil.copy2(source, folder / f"{book.id}.tei.xml")
    return written


def write_catalog_csv(out: Path, state: dict) -> Path:
    """Rebuild ``catalog.csv`` from every live book's Dublin Core fields."""
    records = [
        json.loads((out / book_id / "dc.json").read_text(encoding="utf-8"))
        for book_id in sorted(state)
        if not state[book_id].get("deleted") and (out / book_id / "dc.json").exists()
    ]
    path = out / "catalog.csv"
    atomic_write_text(path, fields_to_csv(records))
    return path


@flow(name="export-catalog")
def export_catalog(
    inputs: list[str],
    out: str,
    formats: list[str] = list(FORMATS),  # noqa: B006 - Prefect parameters need a literal default
    base_url: str = "http://localhost:8000",
    image_service: str = "",
    force: bool = False,
    source_dir: str | None = None,
    subject_min_confidence: float = CatalogConfig.subject_min_confidence,
) -> dict:
    """Export books to IIIF, LIDO and Dublin Core, incrementally.

    Args:
        inputs: ``wenyuan digitize`` book folders (or the ``--out`` folder holding them: every book in it),
            TEI editions or document JSON files.
        out: the export store (one folder per book, ``catalog.csv``, ``export-state.json``).
        formats: any of ``iiif``, ``lido``, ``dc-csv``.
        base_url: public URL the export store is served under.
        image_service: base URL of a IIIF Image API server, if pages are served by one.
        force: re-export books even when unchanged.
        source_dir: a folder of ``wenyuan digitize`` outputs; every book folder in it is an input too (what
            the nightly deployment exports).
        subject_min_confidence: entities become subjects only from this confidence up, or when a person
            confirmed them (``docs/catalog.md``).

    Returns:
        Counts of exported, unchanged, failed and deleted books, and the failures with reasons.
    """
    log = get_run_logger()
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export formats {sorted(unknown)}; choose from {list(FORMATS)}")
    cfg = CatalogConfig(base_url=base_url, image_service=image_service, subject_min_confidence=subject_min_confidence)
    if source_dir and Path(source_dir).is_dir():
        inputs = [*inputs, *(str(p) for p in sorted(Path(source_dir).iterdir()) if p.is_dir())]
    inputs = [str(book) for raw in inputs for book in book_inputs(Path(raw))]
    store = Path(out)
    store.mkdir(parents=True, exist_ok=True)
    state_path = store / STATE_FILE
    state: dict = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    exported, unchanged, failed = [], [], []
    for raw in inputs:
        try:
            source, base_json = find_source(Path(raw))
            fingerprint = _fingerprint(source, base_json, formats, cfg)
            known = [k for k, v in state.items() if v.get("source") == str(source.resolve())]
            if (
                not force
                and known
                and state[known[0]]["fingerprint"] == fingerprint
                and not state[known[0]].get("deleted")
            ):
                unchanged.append(known[0])
                continue
            book = load_book(source, base_json)
            export_book(book, source, store, formats, cfg)
            state[book.id] = {
                "source": str(source.resolve()),
                "fingerprint": fingerprint,
                "datestamp": now,
                "deleted": False,
            }
            exported.append(book.id)
        except (BadInputError, OSError, ValueError) as exc:
            log.warning("export failed for %s: %s", raw, exc)
            failed.append({"input": raw, "reason": str(exc)})
    deleted = []
    for book_id, entry in state.items():
        if not entry.get("deleted") and not Path(entry["source"]).exists():
            entry.update(deleted=True, datestamp=now)
            deleted.append(book_id)
            # Its records and images leave the store; the state keeps it as a deleted record for harvesters.
            folder = (store / book_id).resolve()
            if folder.parent == store.resolve():
                shutil.rmtree(folder, ignore_errors=True)
    atomic_write_text(state_path, json.dumps(state, ensure_ascii=False, indent=1))
    if "dc-csv" in formats:
        write_catalog_csv(store, state)
    summary = (
        f"exported {len(exported)}, unchanged {len(unchanged)}, failed {len(failed)}, newly deleted {len(deleted)}"
    )
    create_markdown_artifact(key="export-catalog", markdown=f"# Catalog export\n\n{summary}\n")
    log.info(summary)
    return {"exported": exported, "unchanged": unchanged, "failed": failed, "deleted": deleted}
