"""Reliability bench: the hostile and concurrent batches an unattended archive meets, through the real CLI.

    python bench/reliability.py [--only NAME ...]

Each case runs ``wenyuan digitize`` in fresh processes on pages of the bundled sample book (translation off,
to keep a case under a minute; every other stage runs), then counts, from the outputs on disk:
pages lost (a good page missing from its book's JSON), pages duplicated (a page twice in a book, or a book's
pages overwritten by another's), and wrong exit codes (0 all done, 3 some inputs quarantined, 1 nothing usable).
Results go to ``bench/out/reliability.json``; the table goes into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample" / "book"
OUT = ROOT / "bench" / "out"
WENYUAN = [sys.executable, "-m", "app.cli"]


@dataclass
class Outcome:
    case: str
    runs: int = 0
    pages_expected: int = 0
    pages_lost: int = 0
    pages_duplicated: int = 0
    wrong_exit_codes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*WENYUAN, "digitize", *args, "--no-translate", "--quiet", "--device", "cpu"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _run(args: list[str]) -> tuple[int, str]:
    proc = _start(args)
    out, _ = proc.communicate(timeout=900)
    return proc.returncode, out


def _pages(book_dir: Path) -> list[str]:
    """The page sources a book's document JSON holds (empty when there is none)."""
    found = [p for p in book_dir.glob("*.json") if p.name != "quarantine.json"]
    if not found:
        return []
    return [p["source"] for p in json.loads(found[0].read_text(encoding="utf-8"))["pages"]]


def _folder(base: Path, pages: dict[str, str], manifest: dict | None = None) -> Path:
    base.mkdir(parents=True)
    for name, page in pages.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / page, base / name)
    if manifest is not None:
        (base / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return base


def _check(o: Outcome, code: int, want_code: int, book_dir: Path | None, want_pages: list[str], log: str) -> None:
    o.runs += 1
    if code != want_code:
        o.wrong_exit_codes += 1
        o.notes.append(f"exit {code}, expected {want_code}: {log.strip().splitlines()[-1:] if log else ''}")
    if book_dir is None:
        return
    got = _pages(book_dir)
    o.pages_expected += len(want_pages)
    o.pages_lost += len(set(want_pages) - set(got))
    o.pages_duplicated += len(got) - len(set(got)) + len(set(got) - set(want_pages))


def case_good_batch(tmp: Path, o: Outcome) -> None:
    batch = _folder(tmp / "b", {"p1.jpg": "page_0001.jpg", "p2.jpg": "page_0002.jpg"})
    code, log = _run([str(batch), "--out", str(tmp / "out"), "--book-id", "good"])
    _check(o, code, 0, tmp / "out" / "good", ["p1.jpg", "p2.jpg"], log)


def case_rerun_does_no_duplicate_work(tmp: Path, o: Outcome) -> None:
    batch = _folder(tmp / "b", {"p1.jpg": "page_0001.jpg", "p2.jpg": "page_0002.jpg"})
    for _ in range(2):
        code, log = _run([str(batch), "--out", str(tmp / "out"), "--book-id", "again"])
        _check(o, code, 0, tmp / "out" / "again", ["p1.jpg", "p2.jpg"], log)


def case_empty_folder(tmp: Path, o: Outcome) -> None:
    (tmp / "empty").mkdir()
    code, log = _run([str(tmp / "empty"), "--out", str(tmp / "out")])
    _check(o, code, 1, None, [], log)
    if (tmp / "out").exists() and any((tmp / "out").rglob("*.tei.xml")):
        o.notes.append("an empty edition was written")
        o.wrong_exit_codes += 1


def case_missing_path(tmp: Path, o: Outcome) -> None:
    started = time.monotonic()
    code, log = _run([str(tmp / "nope"), "--out", str(tmp / "out")])
    _check(o, code, 1, None, [], log)
    o.notes.append(f"refused in {time.monotonic() - started:.1f} s")


def case_all_bad_inputs(tmp: Path, o: Outcome) -> None:
    batch = tmp / "bad"
    batch.mkdir()
    (batch / "zero.jpg").write_bytes(b"")
    (batch / "fake.png").write_text("not an image")
    code, log = _run([str(batch), "--out", str(tmp / "out"), "--book-id", "allbad"])
    _check(o, code, 1, None, [], log)
    kept = tmp / "out" / "allbad" / "quarantine" / "quarantine.json"
    if not kept.exists():
        o.notes.append("quarantine not kept")
        o.wrong_exit_codes += 1


def case_mixed_hostile_batch(tmp: Path, o: Outcome) -> None:
    batch = _folder(tmp / "mixed", {"p1.jpg": "page_0001.jpg", "p2.jpg": "page_0002.jpg"})
    data = (SAMPLE / "page_0003.jpg").read_bytes()
    (batch / "truncated.jpg").write_bytes(data[: len(data) // 3])
    with zipfile.ZipFile(batch / "slip.zip", "w") as z:
        z.writestr("../../escape.jpg", data)
    for sub in ("sub1", "sub2"):  # the same bad name in two folders: both kept as evidence
        (batch / sub).mkdir()
        (batch / sub / "scan.jpg").write_bytes(b"\xff\xd8broken")
    code, log = _run([str(batch), "--out", str(tmp / "out"), "--book-id", "mixed"])
    _check(o, code, 3, tmp / "out" / "mixed", ["p1.jpg", "p2.jpg"], log)
    record = json.loads((tmp / "out" / "mixed" / "quarantine" / "quarantine.json").read_text(encoding="utf-8"))
    kept = {q.get("kept_as") for q in record if q.get("kept_as")}
    if len(kept) < 3:
        o.notes.append(f"quarantine copies kept: {sorted(kept)}")
    if (tmp / "escape.jpg").exists() or (tmp.parent / "escape.jpg").exists():
        o.notes.append("zip slip wrote outside the store")
        o.wrong_exit_codes += 1


def case_two_chinese_titles_at_once(tmp: Path, o: Outcome) -> None:
    a = _folder(tmp / "論語 卷一", {"p1.jpg": "page_0001.jpg"}, {"title": "論語 卷一"})
    b = _folder(tmp / "孟子 卷二", {"p2.jpg": "page_0002.jpg", "p3.jpg": "page_0003.jpg"}, {"title": "孟子 卷二"})
    procs = [_start([str(a), "--out", str(tmp / "out")]), _start([str(b), "--out", str(tmp / "out")])]
    logs = [p.communicate(timeout=900)[0] for p in procs]
    books = sorted(p for p in (tmp / "out").iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(books) != 2:
        o.notes.append(f"book folders: {[p.name for p in books]}")
    by_pages = {tuple(sorted(_pages(d))): d for d in books}
    for proc, log, want in zip(procs, logs, (["p1.jpg"], ["p2.jpg", "p3.jpg"]), strict=True):
        _check(o, proc.returncode, 0, by_pages.get(tuple(want), tmp / "missing"), want, log)


def case_same_book_twice_at_once(tmp: Path, o: Outcome) -> None:
    batch = _folder(tmp / "b", {"p1.jpg": "page_0001.jpg", "p2.jpg": "page_0002.jpg"})
    args = [str(batch), "--out", str(tmp / "out"), "--book-id", "twice"]
    procs = [_start(args), _start(args)]
    for proc in procs:
        log = proc.communicate(timeout=900)[0]
        _check(o, proc.returncode, 0, tmp / "out" / "twice", ["p1.jpg", "p2.jpg"], log)


def case_kill_9_then_rerun(tmp: Path, o: Outcome) -> None:
    batch = _folder(tmp / "b", {f"p{i}.jpg": f"page_000{i}.jpg" for i in (1, 2, 3)})
    args = [str(batch), "--out", str(tmp / "out"), "--book-id", "killed"]
    proc = _start(args)
    pages = tmp / "out" / "killed" / "pages"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (pages.exists() and any(pages.glob("*.json"))):
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-batch: one page saved, the rest in flight
    proc.wait()
    code, log = _run(args)
    _check(o, code, 0, tmp / "out" / "killed", ["p1.jpg", "p2.jpg", "p3.jpg"], log)
    debris = list((tmp / "out" / "killed").glob(".sections-*"))
    if debris:
        o.notes.append(f"debris left: {debris}")


def case_page_in_two_books(tmp: Path, o: Outcome) -> None:
    a = _folder(tmp / "a", {"p1.jpg": "page_0001.jpg"})
    b = _folder(tmp / "b", {"rescan.jpg": "page_0001.jpg", "p2.jpg": "page_0002.jpg"})
    for folder, book, want in ((a, "vol-a", ["p1.jpg"]), (b, "vol-b", ["p2.jpg", "rescan.jpg"])):
        code, log = _run([str(folder), "--out", str(tmp / "out"), "--book-id", book])
        _check(o, code, 0, tmp / "out" / book, want, log)
    if "OCR reused): 1" not in (tmp / "out" / "vol-b" / "report.md").read_text(encoding="utf-8"):
        o.notes.append("the page already in vol-a was read again")


CASES: dict[str, Callable[[Path, Outcome], None]] = {
    name.removeprefix("case_"): fn for name, fn in globals().items() if name.startswith("case_")
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="run only these cases")
    args = parser.parse_args()
    outcomes = []
    for name in args.only or CASES:
        o = Outcome(name)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"wenyuan-rel-{name}-") as tmp:
            try:
                CASES[name](Path(tmp), o)
            except Exception as exc:  # a case that breaks is a finding, not a crash of the bench
                o.notes.append(f"case failed: {type(exc).__name__}: {exc}")
                o.wrong_exit_codes += 1
        o.seconds = round(time.monotonic() - started, 1)
        outcomes.append(o)
        print(
            f"{name}: runs {o.runs}, pages lost {o.pages_lost}/{o.pages_expected}, duplicated"
            f" {o.pages_duplicated}, wrong exit codes {o.wrong_exit_codes} ({o.seconds} s) {'; '.join(o.notes)}",
            flush=True,
        )
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "cases": [asdict(o) for o in outcomes],
    }
    (OUT / "reliability.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    total = {k: sum(getattr(o, k) for o in outcomes) for k in ("runs", "pages_lost", "pages_duplicated")}
    wrong = sum(o.wrong_exit_codes for o in outcomes)
    print(
        f"{len(outcomes)} cases, {total['runs']} runs: pages lost {total['pages_lost']}, duplicated"
        f" {total['pages_duplicated']}, wrong exit codes {wrong}"
    )


if __name__ == "__main__":
    main()
