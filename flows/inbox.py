"""Watch an inbox folder: digitise every complete batch archivists dropped there, then file it away.

find complete batches -> claim each one (an atomic rename, so two runs never take the same batch) ->
``digitize`` it as a subflow -> move it to ``done/`` or ``failed/`` with a report beside it.

A batch is a folder (or a zip) in the inbox. It is complete when it holds its manifest (``manifest.json``
or ``manifest.csv``) or a ``READY`` marker file (for zips: ``NAME.zip.READY`` beside it), so a half-copied
upload is never read.
"""

from __future__ import annotations

import shutil
import traceback
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger

from flows.digitize import digitize
from wenyuan.io import atomic_write_text

MARKERS = ("READY", "manifest.json", "manifest.csv")
RESERVED = {"done", "failed", ".processing"}


def is_complete(batch: Path) -> bool:
    """Whether an upload has finished arriving (see the module docstring)."""
    if batch.is_dir():
        return any((batch / m).is_file() for m in MARKERS)
    return batch.suffix.lower() == ".zip" and batch.with_name(batch.name + ".READY").is_file()


def complete_batches(inbox: Path) -> list[Path]:
    """Complete batches in the inbox, oldest first (by name for equal times)."""
    candidates = [
        p
        for p in inbox.iterdir()
        if p.name not in RESERVED and not p.name.startswith(".") and not p.name.endswith(".READY")
    ]
    return sorted((p for p in candidates if is_complete(p)), key=lambda p: (p.stat().st_mtime, p.name))


def claim(batch: Path, inbox: Path) -> Path | None:
    """Move the batch into ``.processing/``; None when another run claimed it first."""
    work = inbox / ".processing"
    work.mkdir(exist_ok=True)
    target = work / batch.name
    try:
        batch.rename(target)  # atomic within one filesystem: exactly one claimant wins
    except (FileNotFoundError, FileExistsError, OSError):
        return None
    marker = batch.with_name(batch.name + ".READY")
    if marker.exists():
        marker.unlink()
    return target


def file_away(batch: Path, dest_dir: Path, report: str) -> Path:
    """Move a processed batch to ``dest_dir`` (never overwriting an earlier one) with its report."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / batch.name
    if dest.exists():
        dest = dest_dir / f"{batch.stem}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}{batch.suffix}"
    shutil.move(str(batch), dest)
    atomic_write_text(dest_dir / f"{dest.name}.report.md", report)
    return dest


@flow(name="digitize-inbox")
def digitize_inbox(inbox: str, out: str, device: str = "auto", punctuate: bool = True, translate: bool = True) -> dict:
    """Digitise every complete batch in ``inbox`` into ``out``; file batches under done/ or failed/.

    Returns:
        Batch names by outcome: ``done`` and ``failed``.
    """
    log = get_run_logger()
    root = Path(inbox)
    root.mkdir(parents=True, exist_ok=True)
    outcome: dict[str, list[str]] = {"done": [], "failed": []}
    for batch in complete_batches(root):
        work = claim(batch, root)
        if work is None:
            log.info("batch %s was claimed by another run", batch.name)
            continue
        try:
            result = digitize(
                inputs=[str(work)], out=out, device=device, punctuate=punctuate, translate=translate, book_id=None
            )
            quarantined = "".join(f"\n- {q['path']}: {q['reason']}" for q in result["quarantined"])
            report = (
                f"# {work.name}: done\n\n{result['pages']} page(s), {result['characters']} characters.\n"
                f"TEI: {result['tei']}\n" + (f"\nQuarantined:{quarantined}\n" if quarantined else "")
            )
            file_away(work, root / "done", report)
            outcome["done"].append(work.name)
        except Exception as exc:  # one bad batch must not stop the inbox; the report says why
            log.error("batch %s failed: %s", work.name, exc)
            report = f"# {work.name}: failed\n\n{exc}\n\n```\n{traceback.format_exc()}```\n"
            file_away(work, root / "failed", report)
            outcome["failed"].append(work.name)
    return outcome
