"""Batch benchmark: pages/min of the whole digitise flow, and peak memory as a batch grows.

    python bench/batch.py throughput --pages 200        # full flow on 200 generated pages
    python bench/batch.py memory --pages 200 2000       # the same flow at 200 and 2,000 pages

``throughput`` generates a synthetic batch (``corpora.synth``, text from ``punct_dev.jsonl.gz``) and runs the
digitise flow on it end to end (OCR, cleaning, punctuation, annotation, translation, TEI with validation) in
a fresh process, reporting pages/min and peak resident memory.

``memory`` checks that pages are streamed, not held: it builds batches of N distinct pages from the
throughput batch (each a copy with a unique mark in one corner, so every page has its own content hash) and
seeds their OCR results in the page cache from the throughput run, because 2,000 pages of OCR would take
hours on 2 cores and the OCR stage holds only the pages in flight anyway. Everything after OCR (page loading,
cleaning, punctuation, annotation, translation, document JSON, TEI, validation) runs for real on all N pages.
Each run is a fresh process; peak RSS is its ``ru_maxrss`` (and that of the temporary Prefect server it
starts, reported apart). Results go to ``bench/out/batch.json``; copy the summary into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"


def _bench_text(corpus: Path, chars: int) -> str:
    spec = importlib.util.spec_from_file_location("bench_ocr", ROOT / "bench" / "ocr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bench_text(corpus, chars)


def synthetic_batch(pages: int, corpus: Path, seed: int = 2027) -> Path:
    """A folder of ``pages`` generated page images (made once, then reused)."""
    from corpora.synth import generate_book

    folder = DATA / f"batch{pages}"
    truth = folder / "ground_truth.json"
    if not truth.exists():
        generate_book(_bench_text(corpus, pages * 700), folder, pages=pages, seed=seed, fmt="jpg")
    return folder


def run_flow(batch: Path, out: Path, book_id: str, translate: bool = True) -> dict:
    """Run the digitise flow in a fresh process; its wall time and peak memory."""
    code = (
        "import json, resource, sys, time\n"
        "from flows.digitize import digitize\n"
        "t = time.monotonic()\n"
        f"r = digitize(inputs=[{str(batch)!r}], out={str(out)!r}, book_id={book_id!r}, device='cpu',"
        f" translate={translate!r})\n"
        "seconds = time.monotonic() - t\n"
        "print('BENCH ' + json.dumps({'seconds': seconds, 'pages': r['pages'], 'characters': r['characters'],"
        " 'quarantined': len(r['quarantined']),"
        " 'rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'server_rss_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        # Its own result store: no text stage may come from an earlier run's cache.
        "PREFECT_LOCAL_STORAGE_PATH": tempfile.mkdtemp(prefix="wenyuan-bench-results-"),
    }
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"flow failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(line[6:])
    result["pages_per_min"] = 60 * result["pages"] / result["seconds"]
    return result


def throughput(args) -> dict:
    batch = synthetic_batch(args.pages, args.corpus)
    out = OUT / "batch-throughput"
    shutil.rmtree(out, ignore_errors=True)  # a cold run: no page read from an earlier run's cache
    return run_flow(batch, out, f"bench{args.pages}")


def _marked_copies(base: Path, n: int, folder: Path) -> list[tuple[Path, Path]]:
    """``n`` distinct pages made from the images of ``base``: (copy, original) pairs."""
    import cv2

    originals = sorted(base.glob("page_*.jpg"))
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for i in range(n):
        original = originals[i % len(originals)]
        copy = folder / f"page_{i + 1:05d}.jpg"
        if not copy.exists():
            image = cv2.imread(str(original))
            for bit in range(16):  # the page number in binary, as dots in the bottom-right margin
                image[-3, -3 - 2 * bit] = 0 if (i >> bit) & 1 else 255
            cv2.imwrite(str(copy), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        pairs.append((copy, original))
    return pairs


def _hash(path: Path) -> str:
    from tasks.ingest import list_page_sources, load_page_image, page_hash

    with tempfile.TemporaryDirectory() as scratch:
        sources, _bad, _manifest = list_page_sources([path], Path(scratch))
        return page_hash(load_page_image(sources[0]))


def _seed_page_cache(pairs: list[tuple[Path, Path]], ocr_pages: Path, book_dir: Path) -> None:
    """Give each copy the OCR result of its original, under the copy's own content hash."""
    cached = {f.name.split("-")[0]: f for f in ocr_pages.glob("*.json")}
    target = book_dir / "pages"
    target.mkdir(parents=True, exist_ok=True)
    hashes: dict[Path, str] = {}
    for copy, original in pairs:
        if original not in hashes:  # each original is decoded once, not once per copy
            hashes[original] = _hash(original)
        old = hashes[original]
        new = _hash(copy)
        source = cached[old]
        key = source.name.split("-", 1)[1]
        text = source.read_text(encoding="utf-8").replace(old, new).replace(f"p{old[:12]}", f"p{new[:12]}")
        (target / f"{new}-{key}").write_text(text, encoding="utf-8")


def memory(args) -> dict:
    base = synthetic_batch(args.base_pages, args.corpus)
    ocr_pages = OUT / "batch-throughput" / f"bench{args.base_pages}" / "pages"
    if not ocr_pages.exists():
        raise SystemExit(f"run `python bench/batch.py throughput --pages {args.base_pages}` first")
    runs = {}
    for n in args.pages:
        pairs = _marked_copies(base, n, DATA / f"marked{n}")
        out = OUT / f"batch-memory-{n}"
        book_id = f"memory{n}"
        _seed_page_cache(pairs, ocr_pages, out / book_id)
        runs[str(n)] = run_flow(pairs[0][0].parent, out, book_id, translate=not args.no_translate)
        print(n, runs[str(n)], flush=True)
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["throughput", "memory"])
    ap.add_argument("--pages", type=int, nargs="+", default=[200])
    ap.add_argument("--base-pages", type=int, default=200, help="memory: the throughput batch to build from")
    ap.add_argument(
        "--no-translate",
        action="store_true",
        help="memory: skip translation (about 5 sentences/s on generated pages: 2,000 pages would take hours)",
    )
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "punct_dev.jsonl.gz")
    args = ap.parse_args()
    if args.mode == "throughput":
        args.pages = args.pages[0]
    started = time.time()
    result = throughput(args) if args.mode == "throughput" else memory(args)
    record = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "mode": args.mode,
        "wall_seconds": time.time() - started,
        "result": result,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    results = OUT / "batch.json"
    previous = json.loads(results.read_text()) if results.exists() else []
    results.write_text(json.dumps([*previous, record], indent=1, ensure_ascii=False))
    print(json.dumps(record, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
