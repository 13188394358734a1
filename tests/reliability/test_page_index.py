"""Pages across the store (#39 item 7): a page another book already read is recognised and its OCR reused,
and a renamed scan re-runs no text stage."""

from __future__ import annotations

import json
import shutil

from tests.conftest import SAMPLE_BOOK
from tests.flows.test_digitize import _task_states


def _batch(folder, **pages):
    folder.mkdir()
    for name, page in pages.items():
        shutil.copy(SAMPLE_BOOK / page, folder / name)
    return folder


def test_a_page_read_in_one_book_is_reused_by_another(prefect_server, tmp_path):
    from flows.digitize import digitize

    out = tmp_path / "out"
    first = _batch(tmp_path / "a", **{"page_0003.jpg": "page_0003.jpg"})
    digitize(inputs=[str(first)], out=str(out), book_id="vol-a", device="cpu", translate=False)
    # The same leaf, re-scanned under another name into another book beside a new page.
    second = _batch(tmp_path / "b", **{"rescan-17.jpg": "page_0003.jpg", "leaf-2.jpg": "page_0002.jpg"})
    result = digitize(inputs=[str(second)], out=str(out), book_id="vol-b", device="cpu", translate=False)
    assert result["pages"] == 2
    report = (out / "vol-b" / "report.md").read_text(encoding="utf-8")
    assert "pages already read in other books of the store (OCR reused): 1" in report
    assert "`rescan-17.jpg`: book `vol-a`" in report
    (saved,) = (out / "vol-a" / "pages").glob("*.json")
    assert (out / "vol-b" / "pages" / saved.name).read_bytes() == saved.read_bytes()
    book = json.loads((out / "vol-b" / "vol-b.json").read_text(encoding="utf-8"))
    sources = [p["source"] for p in book["pages"]]
    assert sources == ["leaf-2.jpg", "rescan-17.jpg"]
    # Its facsimile travelled with it: the edition of vol-b points at an image vol-b holds.
    assert all((out / "vol-b" / p["image"]).is_file() for p in book["pages"])


def test_a_renamed_scan_reruns_no_text_stage(prefect_server, tmp_path):
    from flows.digitize import digitize

    batch = _batch(tmp_path / "batch", **{"leaf.jpg": "page_0002.jpg"})
    args = {"inputs": [str(batch)], "out": str(tmp_path / "out"), "book_id": "renamed", "device": "cpu"}
    digitize(**args, translate=False)
    (batch / "leaf.jpg").rename(batch / "leaf-renamed.jpg")
    again = digitize(**args, translate=False, return_state=True)
    states = _task_states(again)
    assert [states[s] for s in ("clean", "punctuate", "annotate")] == [{"Cached"}] * 3
    book = json.loads((tmp_path / "out" / "renamed" / "renamed.json").read_text(encoding="utf-8"))
    assert [p["source"] for p in book["pages"]] == ["leaf-renamed.jpg"]  # the name as it is now
