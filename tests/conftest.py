"""Shared fixtures: the sample book, one OCR engine, a Prefect test server, the digitised sample."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BOOK = ROOT / "corpora" / "sample" / "book"
SHARED = Path(os.environ.get("WENYUAN_SHARED", ROOT.parent / "shared"))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def shared_file(rel: str) -> Path:
    """A file of ``../shared``; tests that need the corpora fail loudly when it is missing."""
    path = SHARED / rel
    if not path.exists():
        pytest.fail(f"{path} missing: the tests need ../shared beside the repository (or WENYUAN_SHARED)")
    return path


@pytest.fixture(scope="session")
def sample_truth() -> list[dict]:
    return json.loads((SAMPLE_BOOK / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ocr_engine():
    from tasks.ocr import OcrConfig, build_engine

    return build_engine(OcrConfig(device="cpu"))


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A Prefect test server with its own result storage: results persisted by earlier runs on this machine
    (``~/.prefect/storage``) would otherwise be cache hits here, their keys being paths that recur."""
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    results = tmp_path_factory.mktemp("prefect-results")
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: results}), prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def digitized_sample(prefect_server, tmp_path_factory) -> dict:
    """The quickstart job, run once: the sample book through the whole digitise flow."""
    from flows.digitize import digitize

    out = tmp_path_factory.mktemp("out")
    result = digitize(inputs=[str(SAMPLE_BOOK)], out=str(out), device="cpu")
    result["out"] = out
    return result


def normalized(text: str) -> str:
    """Ground truth regularised the way the cleaning stage regularises the reading."""
    from tasks.clean import CleanConfig, normalize_char

    cfg = CleanConfig()
    return "".join((normalize_char(c, cfg) or (c,))[0] for c in text)


def one_line_book(chars, sentences=(), metadata=None, book_id: str = "b"):
    """A one-page, one-line book built by hand: for stage tests where OCR is not the point.

    ``chars`` is a string or a list of :class:`~wenyuan.document.Char`.
    """
    from wenyuan.document import Book, BookMetadata, Char, Line, Page, Region, box_polygon

    chars = [Char(text=c) for c in chars] if isinstance(chars, str) else list(chars)
    line = Line(id="p1-l1", polygon=box_polygon(0, 0, 10, 10), chars=chars)
    page = Page(
        id="p1",
        index=0,
        source="a",
        sha256="x",
        width=10,
        height=10,
        image="a.png",
        regions=[Region(id="r1", polygon=line.polygon, lines=[line])],
    )
    return Book(id=book_id, metadata=metadata or BookMetadata(), pages=[page], sentences=list(sentences))
