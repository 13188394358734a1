"""Reliability: a batch full of hostile and broken files, a worker killed mid-batch, a batch submitted twice.

Every bad file is quarantined with a reason naming it while every good page completes; a killed run loses
nothing and a re-run recomputes only unfinished pages; two concurrent runs leave one set of outputs.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT, SAMPLE_BOOK
from wenyuan.document import Book

pytestmark = pytest.mark.slow


def _png_bomb() -> bytes:
    """A valid little PNG whose header claims 100000 x 100000 pixels."""
    buf = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 100_000, 100_000)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def _encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((200, 150), 200, np.uint8)).save(buf, format=fmt)
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    """A one-page PDF whose trailer declares standard encryption with a password nobody knows."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    doc.new_page(200, 300)
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    # An incremental update adding the /Encrypt dictionary, as a PDF writer would.
    encrypt = (
        b"5 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>\nendobj\n"
    )
    prev = int(data.rsplit(b"startxref", 1)[1].split()[0])
    xref = len(data) + len(encrypt)
    ident = b"<1CA4A3EE4831F6329FB969A9C059E608>"
    tail = b"xref\n5 1\n%010d 00000 n \ntrailer\n<< /Root 1 0 R /Size 6 /Prev %d /Encrypt 5 0 R /ID [%s %s] >>\n" % (
        len(data),
        prev,
        ident,
        ident,
    )
    return data + encrypt + tail + b"startxref\n%d\n%%%%EOF\n" % xref


def _hostile_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("../escape.jpg", b"x")
        z.writestr("/etc/absolute.jpg", b"x")
        link = zipfile.ZipInfo("link.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("bomb.png", b"\0" * 30_000_000)  # ~30 MB of zeros compresses about 1000:1
        z.write(SAMPLE_BOOK / "page_0002.jpg", "inside/page_0002.jpg")  # a good page inside


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory) -> Path:
    batch = tmp_path_factory.mktemp("hostile") / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", batch / "01_good.jpg")
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", batch / "02_duplicate.jpg")
    (batch / "03_zero.jpg").write_bytes(b"")
    (batch / "04_truncated.jpg").write_bytes((SAMPLE_BOOK / "page_0001.jpg").read_bytes()[:4000])
    (batch / "05_truncated.png").write_bytes(_encoded("PNG")[:60])
    (batch / "06_truncated.tif").write_bytes(_encoded("TIFF")[:100])
    (batch / "07_bomb.png").write_bytes(_png_bomb())
    (batch / "08_text.jpg").write_text("this is not an image\n", encoding="utf-8")
    (batch / "09_corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage\n%%EOF")
    (batch / "11_encrypted.pdf").write_bytes(_encrypted_pdf())
    _hostile_zip(batch / "10_hostile.zip")
    (batch / "manifest.csv").write_bytes("題名,作者\n論語,孔子\n".encode("big5"))  # wrong encoding, wrong columns
    return batch


def test_every_bad_file_is_quarantined_and_every_good_page_completes(prefect_server, hostile_batch, tmp_path):
    from flows.digitize import digitize

    result = digitize(inputs=[str(hostile_batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False)
    # Zip members are named ZIP!MEMBER.
    reasons = {Path(q["path"].split("!")[-1]).name: q["reason"] for q in result["quarantined"]}
    expected = {
        "02_duplicate.jpg",
        "03_zero.jpg",
        "04_truncated.jpg",
        "05_truncated.png",
        "06_truncated.tif",
        "07_bomb.png",
        "08_text.jpg",
        "09_corrupt.pdf",
        "11_encrypted.pdf",
        "escape.jpg",
        "absolute.jpg",
        "link.jpg",
        "bomb.png",
        "manifest.csv",
    }
    assert expected <= set(reasons), sorted(reasons)
    assert all(reason.strip() for reason in reasons.values())
    assert "duplicate" in reasons["02_duplicate.jpg"] and "bomb" in reasons["07_bomb.png"]
    assert "password" in reasons["11_encrypted.pdf"].lower()
    assert result["pages"] == 2  # 01_good.jpg and the good page inside the zip
    book = Book.load(result["json"])
    assert {p.source.split("/")[-1].split("!")[-1] for p in book.pages} >= {"01_good.jpg"}
    quarantine = Path(result["json"]).parent / "quarantine" / "quarantine.json"
    assert {Path(q["path"].split("!")[-1]).name for q in json.loads(quarantine.read_text())} == set(reasons)
    assert not list((tmp_path / "out").rglob("*.tmp"))


def _digitize_cli(batch: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "digitize",
            str(batch),
            "--out",
            str(out),
            "--device",
            "cpu",
            "--no-punctuate",
            "--book-id",
            "kill-test",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_kill_9_mid_batch_loses_nothing_and_rerun_recomputes_only_unfinished_pages(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for k in (1, 2, 3):
        shutil.copy(SAMPLE_BOOK / f"page_000{k}.jpg", batch)
    out = tmp_path / "out"
    cache = out / "kill-test" / "pages"
    proc = _digitize_cli(batch, out)
    deadline = time.monotonic() + 600
    while not (cache.is_dir() and list(cache.glob("*.json"))):
        assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the worker dies mid-batch
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert 1 <= len(finished) < 3
    assert not (out / "kill-test" / "kill-test.tei.xml").exists()

    rerun = _digitize_cli(batch, out)
    output = rerun.communicate(timeout=900)[0].decode()
    assert rerun.returncode == 0, output[-2000:]
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert len(after) == 3  # 0 pages lost, 0 duplicated
    recomputed = [name for name in after if finished.get(name) != after[name]]
    assert len(recomputed) == 3 - len(finished)  # finished pages were not recomputed
    book = Book.load(out / "kill-test" / "kill-test.json")
    assert len(book.pages) == 3 and len({p.id for p in book.pages}) == 3
    assert not list(out.rglob("*.tmp"))
    # the killed run's debris is gone: its ingest folder and any section folder
    assert not list(Path(tempfile.gettempdir()).glob(f"wenyuan-ingest-{proc.pid}-*"))
    assert not list((out / "kill-test").glob(".sections-*"))


def test_same_batch_submitted_twice_concurrently_gives_one_set_of_outputs(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", batch)
    out = tmp_path / "out"
    runs = [_digitize_cli(batch, out), _digitize_cli(batch, out)]
    for run in runs:
        output = run.communicate(timeout=900)[0].decode()
        assert run.returncode == 0, output[-2000:]
    book_dir = out / "kill-test"
    assert sorted(p.name for p in book_dir.glob("*.tei.xml")) == ["kill-test.tei.xml"]
    assert len(list((book_dir / "pages").glob("*.json"))) == 1
    assert len(Book.load(book_dir / "kill-test.json").pages) == 1
    assert not list(out.rglob("*.tmp"))
