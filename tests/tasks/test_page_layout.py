"""Page structure from the image: the frame, ruled registers and column pitch, on pages the tests draw."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tasks.ocr.page_layout import analyse_layout, ink_mask, ruling_masks

PITCH = 40


def _page(registers: int = 1, fold_strip: bool = False, width: int = 600, height: int = 900) -> np.ndarray:
    """A ruled page: a frame, ``registers`` bands split by a rule, columns of character-like blobs."""
    img = np.full((height, width), 235, np.uint8)
    x0, y0, x1, y1 = 120, 60, 560, 840
    cv2.rectangle(img, (60 if fold_strip else x0, y0), (x1, y1), 20, 3)
    cv2.line(img, (x0, y0), (x0, y1), 20, 3)
    bands = [(y0, y1)] if registers == 1 else [(y0, (y0 + y1) // 2), ((y0 + y1) // 2, y1)]
    if registers == 2:
        cv2.line(img, (x0, (y0 + y1) // 2), (x1, (y0 + y1) // 2), 20, 3)
    rng = np.random.default_rng(3)
    for top, bottom in bands:
        for cx in range(x1 - PITCH // 2, x0 + PITCH // 2, -PITCH):
            for cy in range(top + 25, bottom - 25, 34):
                # a "character": a few strokes of random length, centred on the column
                for _ in range(3):
                    dx, dy = rng.integers(-12, 12, 2)
                    cv2.line(img, (cx - 12, cy + dy // 2), (cx + 12, cy + dy // 2), 30, 2)
                    cv2.line(img, (cx + dx // 2, cy - 12), (cx + dx // 2, cy + 12), 30, 2)
    if fold_strip:  # fold-strip text between the outer frame and the text block, running the page's height
        for cy in range(100, 800, 40):
            cv2.circle(img, (90, cy), 9, 30, 2)
    return img


def test_a_frame_with_two_ruled_registers_is_two_registers():
    layout = analyse_layout(_page(registers=2), column_width=30)
    assert layout is not None
    assert len(layout.registers) == 2
    (a0, a1), (b0, b1) = layout.registers
    assert a1 <= 450 <= b0 and a0 >= 55 and b1 <= 845
    assert abs(layout.pitch - PITCH) <= 2


def test_one_register_when_no_rule_crosses_the_frame():
    layout = analyse_layout(_page(registers=1), column_width=30)
    assert layout is not None and len(layout.registers) == 1


def test_the_fold_strip_lies_outside_the_text_frame():
    # The outer frame also encloses the fold strip; the rule between the registers spans the text block only.
    layout = analyse_layout(_page(registers=2, fold_strip=True), column_width=30)
    assert layout is not None
    x0, _, x1, _ = layout.frame
    assert 100 <= x0 <= 125 and x1 >= 550  # the strip at x=90 is outside


def test_a_text_column_whose_strokes_touch_is_not_a_ruling():
    img = np.full((600, 400), 235, np.uint8)
    cv2.rectangle(img, (180, 20), (200, 580), 30, -1)  # a heavily inked column: a 20-px band of ink
    cv2.line(img, (100, 20), (100, 580), 30, 2)  # a real ruling
    _horiz, vert = ruling_masks(ink_mask(img))
    xs = np.nonzero(vert.any(axis=0))[0]
    assert len(xs) and xs.max() < 150


@pytest.mark.parametrize("image", [np.full((500, 400), 230, np.uint8), np.zeros((500, 400), np.uint8)])
def test_a_blank_or_black_leaf_shows_no_grid(image):
    assert analyse_layout(image) is None


def test_pieces_of_a_worn_rule_join_but_distant_pieces_do_not():
    from tasks.ocr.page_layout import _merge_collinear

    # one rule worn into three pieces whose heights differ by a pixel, listed out of order
    worn = [(300, 101, 500, 104), (0, 100, 180, 103), (200, 100, 290, 103)]
    assert _merge_collinear(worn, gap=2, break_len=40) == [(0, 100, 500, 104)]
    # two short strokes a pixel apart in height but far apart along it stay two, whichever is higher
    apart = [(600, 100, 700, 103), (0, 101, 100, 104)]
    assert len(_merge_collinear(apart, gap=2, break_len=40)) == 2
