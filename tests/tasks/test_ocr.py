"""Real OCR (PaddleOCR PP-OCRv6 on ONNX Runtime) on generated pages with exact ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from corpora.synth import generate_book
from models.metrics import character_error_rate
from tasks.ocr import OcrConfig, read_page
from tasks.preprocess import preprocess
from tests.conftest import SAMPLE_BOOK, normalized
from wenyuan.document import Page, polygon_bounds

TEXT = (SAMPLE_BOOK.parent / "text.txt").read_text(encoding="utf-8").replace("\n", "")


def _read(engine, image: np.ndarray) -> Page:
    page = Page(id="p1", index=0, source="t", sha256="x", width=image.shape[1], height=image.shape[0], image="t")
    return read_page(preprocess(image)[0], engine, page, OcrConfig(device="cpu"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    import cv2

    out = tmp_path_factory.mktemp("synth")
    truth = generate_book(TEXT[200:], out, pages=2, seed=21, two_registers_every=2)
    return [(cv2.imread(str(out / t["image"])), t) for t in truth]


def test_page_text_matches_ground_truth_in_reading_order(ocr_engine, pages):
    for image, truth in pages:
        page = _read(ocr_engine, image)
        from tasks.clean import CleanConfig, normalize_char

        text = "".join((normalize_char(c, CleanConfig()) or (c,))[0] for c in page.text)
        assert character_error_rate(text, normalized(truth["text"])) < 0.05


def test_two_register_page_reads_the_top_register_first(ocr_engine, pages):
    image, truth = pages[1]
    assert truth["registers"] == 2
    page = _read(ocr_engine, image)
    assert {r.register_index for r in page.regions} == {0, 1}
    order = [r.register_index for r in page.regions]
    assert order == sorted(order)


def test_commentary_regions_hold_the_small_print(ocr_engine, pages):
    image, truth = pages[0]
    page = _read(ocr_engine, image)
    gt_notes = [ln["text"] for ln in truth["lines"] if ln["kind"] == "commentary"]
    got_notes = [ln.text for r in page.regions if r.kind == "commentary" for ln in r.lines]
    found = sum(character_error_rate(g, normalized(n)) < 0.2 for n in gt_notes for g in got_notes)
    assert gt_notes and found >= 0.8 * len(gt_notes)


def test_every_character_has_a_confidence_and_a_box_inside_its_line(ocr_engine, pages):
    image, _ = pages[0]
    page = _read(ocr_engine, image)
    for line in page.lines():
        x0, y0, x1, y1 = polygon_bounds(line.polygon)
        for ch in line.chars:
            assert 0.0 <= ch.confidence <= 1.0
            cx0, cy0, cx1, cy1 = polygon_bounds(ch.polygon)
            assert x0 - 8 <= (cx0 + cx1) / 2 <= x1 + 8 and y0 - 8 <= (cy0 + cy1) / 2 <= y1 + 8


def test_blank_page_reads_as_empty(ocr_engine):
    blank = np.full((1200, 900, 3), 235, np.uint8)
    assert _read(ocr_engine, blank).regions == []


@pytest.mark.parametrize("angle", [0, 30, 45, 60, 90, 135])
def test_any_rotated_box_crops_to_an_upright_rectangle(angle):
    # Boxes near 45 degrees once had a corner taken twice, a singular transform, and a failed page.
    import cv2

    from tasks.ocr import crop_quad, order_quad

    box = cv2.boxPoints(((100.0, 100.0), (60.0, 20.0), float(angle)))
    image = np.zeros((200, 200), np.uint8)
    cv2.fillPoly(image, [box.astype(np.int32)], 255)
    q = order_quad(box)
    assert len({tuple(p) for p in q.tolist()}) == 4
    assert q.sum(axis=1).argmin() == 0  # starts at the top-left corner
    crop, back = crop_quad(image, box)
    assert crop.mean() > 200  # the crop is the filled box, not a smear of its surroundings
    assert np.allclose(cv2.perspectiveTransform(np.float32([[[0, 0]]]), back)[0, 0], q[0], atol=1.5)


def test_slivers_the_detector_may_emit_are_not_cropped():
    from tasks.ocr import usable_quad

    assert not usable_quad(np.float32([[0, 0], [10, 0], [20, 0], [30, 0]]))  # collinear
    assert not usable_quad(np.float32([[5, 5], [5, 5], [5, 5], [5, 5]]))  # one point
    assert usable_quad(np.float32([[0, 0], [10, 0], [10, 20], [0, 20]]))


def _build_and_read_detector_folder(rounds: int) -> int:
    """Build the detector folder repeatedly and read it back as PaddleX does; count bad reads."""
    from paddlex.inference.models.utils.model_config import load_model_config

    from tasks.ocr.engine import DET_MODEL, detection_model_dir

    bad = 0
    for _ in range(rounds):
        folder = detection_model_dir()
        config = load_model_config(folder)
        if not config or config.get("Global", {}).get("model_name") != DET_MODEL:
            bad += 1
        if not (folder / "inference.onnx").exists():
            bad += 1
    return bad


def test_detector_folder_is_safe_to_build_from_several_processes(tmp_path, monkeypatch):
    # Dask and process-pool workers build their engines at the same moment; one of them
    # must never read a config another is still writing.
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setenv("WENYUAN_CACHE", str(tmp_path))
    with ProcessPoolExecutor(max_workers=4) as pool:
        bad = sum(pool.map(_build_and_read_detector_folder, [200] * 4))
    assert bad == 0
    assert not list((tmp_path / "paddle-models").rglob("*.tmp"))


def test_a_classical_page_is_decoded_without_kana_or_latin_letters(ocr_engine):
    import cv2

    from tasks.ocr.engine import classical_character

    crop = np.full((60, 260), 235, np.uint8)
    cv2.putText(crop, "ABCxyz", (8, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 20, 3)
    [anything] = ocr_engine.recognize([crop])
    [classical] = ocr_engine.recognize([crop], classical=True)
    assert any(c.isascii() and c.isalpha() for c in anything.text)  # the full dictionary reads the letters
    assert all(classical_character(c) for c in classical.text)


def test_every_character_keeps_its_alternatives_with_probabilities(ocr_engine, pages):
    image, _ = pages[0]
    page = _read(ocr_engine, image)
    chars = [ch for line in page.lines() for ch in line.chars]
    assert chars
    for ch in chars:
        readings = [r for r, _ in ch.alternatives]
        probs = [p for _, p in ch.alternatives]
        assert ch.text in readings and 1 <= len(readings) <= 5
        assert all(0.0 <= p <= 1.0 for p in probs) and probs == sorted(probs, reverse=True)
