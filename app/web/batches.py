"""Uploaded batches: the files streamed to disk with a size limit and type checks, the book's metadata as a
manifest, and the digitise flow started on them — through the ``digitize-batch`` deployment when a Prefect
API is configured, in a local worker process otherwise.

A batch lives in ``STORE/.workbench/batches/<id>/``: ``inputs/``, ``manifest.json``, ``batch.json`` (who,
when, what was refused and why, how it runs) and ``run.log``; the book itself goes to ``STORE/<book>/`` as
``wenyuan digitize`` writes it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.web.accounts import workbench_dir
from tasks.ingest import read_manifest
from wenyuan.document import BookMetadata
from wenyuan.errors import ManifestError
from wenyuan.io import atomic_write_text, process_alive

#: The command line the local worker process runs.
CLI = [sys.executable, "-m", "app.cli"]
#: What an upload may hold, by what its first bytes say (the name's extension must agree).
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
    ".pdf": (b"%PDF-",),
    ".zip": (b"PK\x03\x04",),
}
MANIFESTS = {".json", ".csv"}
#: Form fields of the book's description (BookMetadata names).
METADATA_FIELDS = ("title", "author", "dynasty", "edition", "institution", "shelfmark", "rights")
BATCH_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")
_STAGE = re.compile(r"Task run '(ingest|process-page|clean|punctuate|translate|annotate|export-tei)-")
_TO_READ = re.compile(r"(\d+) page\(s\) to read")


@dataclass
class Batch:
    id: str
    book: str
    user: str
    created: str
    translate: bool = True
    files: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    runner: str = "local"
    pid: int | None = None
    flow_run: str | None = None


def safe_name(name: str) -> str:
    """A file name reduced to its last part and to characters that are safe everywhere."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", base).strip("._") or "file"
    return cleaned[:100]


def check_type(name: str, head: bytes) -> str | None:
    """Why a file is refused (None: accepted): its extension and its first bytes must name one known type."""
    ext = Path(name).suffix.lower()
    if ext in MANIFESTS:
        return None
    if ext not in SIGNATURES:
        return f"{name}: not an image, PDF or zip (accepted: {', '.join(sorted(SIGNATURES))}, plus a manifest)"
    if not any(head.startswith(sig) for sig in SIGNATURES[ext]):
        return f"{name}: its content is not a {ext[1:].upper()} file"
    return None


def book_id_for(title: str, batch_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:40] or "book"
    return f"{slug if slug[0].isalpha() else 'b-' + slug}-{batch_id[-6:]}"


class Batches:
    def __init__(self, store: Path, runner: str = "auto"):
        self.store = Path(store).resolve()
        self.root = workbench_dir(self.store) / "batches"
        self.runner = runner
        self._procs: dict[str, subprocess.Popen] = {}

    def new_id(self) -> str:
        return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"

    def folder(self, batch_id: str) -> Path:
        if not BATCH_ID.match(batch_id):
            raise LookupError(batch_id)
        path = self.root / batch_id
        if not (path / "batch.json").is_file():
            raise LookupError(batch_id)
        return path

    def load(self, batch_id: str) -> Batch:
        return Batch(**json.loads((self.folder(batch_id) / "batch.json").read_text(encoding="utf-8")))

    def all(self) -> list[Batch]:
        """Every batch that can be read, newest first."""
        if not self.root.exists():
            return []
        found = [p.name for p in self.root.iterdir() if BATCH_ID.match(p.name) and (p / "batch.json").exists()]
        batches = []
        for batch_id in sorted(found, reverse=True):
            try:
                batches.append(self.load(batch_id))
            except (OSError, ValueError, TypeError):  # a damaged record is skipped, not fatal
                continue
        return batches

    def recent(self, limit: int = 20) -> list[tuple[Batch, dict[str, Any]]]:
        """The latest batches with their progress; one that cannot be read or asked about says so, alone."""
        out = []
        for batch in self.all()[:limit]:
            try:
                out.append((batch, self.status(batch)))
            except Exception as exc:  # a broken record or an unreachable Prefect API must not hide the others
                out.append((batch, {"state": "failed", "error": str(exc), "pages_read": 0, "pages_total": None}))
        return out

    def _save(self, batch: Batch) -> None:
        atomic_write_text(self.root / batch.id / "batch.json", json.dumps(asdict(batch), ensure_ascii=False))

    def manifest(self, folder: Path, form: dict[str, str], uploaded: list[Path]) -> tuple[BookMetadata, list[str]]:
        """The book's description: an uploaded manifest (if readable) under the form's fields."""
        notes, base = [], BookMetadata()
        for path in uploaded:
            try:
                base = read_manifest(path)
            except ManifestError as exc:
                notes.append(f"{exc}; the form's fields are used")
            path.unlink()  # the manifest is not a page; the merged one is written beside the inputs
        given = {k: v.strip() for k, v in form.items() if k in METADATA_FIELDS and v and v.strip()}
        return base.model_copy(update=given), notes

    def start(self, batch: Batch, metadata: BookMetadata) -> None:
        """Write the manifest and start digitising the batch."""
        folder = self.root / batch.id
        manifest = folder / "manifest.json"
        atomic_write_text(manifest, metadata.model_dump_json(exclude_none=True, exclude={"extra", "language"}))
        use_prefect = self.runner == "prefect" or (self.runner == "auto" and os.environ.get("PREFECT_API_URL"))
        if use_prefect:
            self._start_deployment(batch, folder, manifest)
        else:
            self._start_local(batch, folder, manifest)
        self._save(batch)

    def _start_local(self, batch: Batch, folder: Path, manifest: Path) -> None:
        # --verbose: the flow's log lines (pages to read, each stage's task runs) are what the batch page shows.
        command = [*CLI, "digitize", str(folder / "inputs"), "--out", str(self.store), "--book-id", batch.book]
        command += ["--verbose"]
        command += ["--manifest", str(manifest)] + ([] if batch.translate else ["--no-translate"])
        log = (folder / "run.log").open("wb")
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # its own embedded Prefect
        env["PREFECT_LOGGING_LEVEL"] = "INFO"  # the lines the batch page reads, whatever this process was given
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        log.close()
        batch.runner, batch.pid = "local", proc.pid
        self._procs[batch.id] = proc

        def wait() -> None:  # the exit status outlives this server's memory of the process
            atomic_write_text(folder / "exit_code", str(proc.wait()))

        threading.Thread(target=wait, daemon=True).start()

    def _start_deployment(self, batch: Batch, folder: Path, manifest: Path) -> None:
        from prefect.deployments import run_deployment

        run = run_deployment(
            "digitize/digitize-batch",
            parameters={
                "inputs": [str(folder / "inputs")],
                "out": str(self.store),
                "manifest": str(manifest),
                "book_id": batch.book,
                "translate": batch.translate,
            },
            timeout=0,
        )
        batch.runner, batch.flow_run = "prefect", str(run.id)

    def status(self, batch: Batch) -> dict[str, Any]:
        """How far the batch is: state, pages read of how many, the stage at work, what was set aside."""
        folder = self.root / batch.id
        book_dir = self.store / batch.book
        log_file = folder / "run.log"
        log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
        total = _TO_READ.search(log)
        stages = _STAGE.findall(log)
        quarantined = []
        qfile = book_dir / "quarantine" / "quarantine.json"
        if qfile.exists():
            quarantined = [{"path": q["path"], "reason": q["reason"]} for q in json.loads(qfile.read_text("utf-8"))]
        state, error = self._state(batch, folder, book_dir)
        return {
            "state": state,
            "pages_read": len(list((book_dir / "pages").glob("*.json"))) if (book_dir / "pages").exists() else 0,
            "pages_total": int(total.group(1)) if total else None,
            "stage": stages[-1] if stages else None,
            "quarantined": quarantined,
            "refused": batch.refused,
            "error": error,
            "log_tail": log[-3000:] if state == "failed" else "",
        }

    def _state(self, batch: Batch, folder: Path, book_dir: Path) -> tuple[str, str | None]:
        if batch.runner == "prefect" and batch.flow_run:
            return _flow_run_state(batch.flow_run)
        code = (folder / "exit_code").read_text().strip() if (folder / "exit_code").exists() else None
        if code is None:
            alive = batch.pid is not None and process_alive(batch.pid)
            if alive:
                return "running", None
            done = (book_dir / f"{batch.book}.json").exists()
            return ("done", None) if done else ("failed", "the worker process stopped without a word")
        if code in ("0", "3"):  # 3: done, some inputs set aside (listed with their reasons)
            return "done", None
        return "failed", f"digitize exited with status {code}"


def _flow_run_state(flow_run_id: str) -> tuple[str, str | None]:
    from uuid import UUID

    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
    state = run.state
    if state is None or not state.is_final():
        return "running", None
    if state.is_completed():
        return "done", None
    return "failed", f"flow run {state.name}: {state.message or ''}"
