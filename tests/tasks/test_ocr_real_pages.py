"""Real OCR on real woodblock pages of ``../shared/realpages`` (skipped, saying why, when they are absent).

The pages carry no licence: they are read in place, never copied here. Scores live in ``bench/ocr_real.py``;
these tests check the layout decisions that matter on a real two-register page with a fold strip.
"""

from __future__ import annotations

import pytest

from corpora.realpages import DEFAULT_ROOT, iter_real_pages
from tasks.ocr import OcrConfig, read_image
from tasks.ocr.engine import classical_character

pytestmark = pytest.mark.skipif(
    not (DEFAULT_ROOT / "dzj-dev").is_dir(), reason=f"{DEFAULT_ROOT}: the shared real pages are absent"
)


@pytest.fixture(scope="module")
def yb_page(ocr_engine):
    import cv2

    page = next(p for p in iter_real_pages() if p.id == "YB_22_995")  # 永樂北藏: two registers, fold strip
    [read] = read_image(cv2.imread(str(page.image)), ocr_engine, OcrConfig(device="cpu"), page_id="p", source="t")
    return page, read


def test_a_two_register_page_is_read_register_by_register(yb_page):
    page, read = yb_page
    registers = [r.register_index for r in read.regions if r.kind != "marginalia"]
    assert page.registers == 2 and set(registers) == {0, 1}
    assert registers == sorted(registers)
    # The upper register's last column and the lower's first (as the platform read them) are read in that
    # order, each found as the line sharing most characters with it.
    lines = [(r.register_index, ln.text) for r in read.regions if r.kind != "marginalia" for ln in r.lines]

    def where(column: str) -> int:
        return max(range(len(lines)), key=lambda k: len(set(lines[k][1]) & set(column)))

    upper_last, lower_first = where("衆生不請之友執此法燈照彼皆暗魏都"), where("業崇福以資三和二年歲次實流佛法加持")
    assert upper_last < lower_first
    assert (lines[upper_last][0], lines[lower_first][0]) == (0, 1)


def test_the_fold_strip_is_margin_text_not_transcription(yb_page):
    _page, read = yb_page
    margin = "".join(ln.text for r in read.regions if r.kind == "marginalia" for ln in r.lines)
    text = "".join(ln.text for r in read.regions if r.kind != "marginalia" for ln in r.lines)
    assert "北藏" in margin  # 永樂北藏, the edition's name on the fold strip
    assert "北藏" not in text


def test_no_kana_or_latin_letters_on_a_classical_page(yb_page):
    _page, read = yb_page
    assert all(classical_character(ch.text) for line in read.lines() for ch in line.chars)
