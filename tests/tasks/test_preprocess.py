"""Preprocessing on generated pages with known skew, border and layout."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from corpora.synth import PageSpec, render_page
from tasks.preprocess import PreprocessConfig, estimate_skew, find_leaf, preprocess, remove_rulings, split_spread

TEXT = "學而時習之不亦說乎有朋自遠方來不亦樂乎人不知而不慍不亦君子乎" * 6


def _page(**kw) -> np.ndarray:
    img, _lines, _rest = render_page(TEXT, PageSpec(commentary_prob=0.0, **kw))
    return np.asarray(img)


@pytest.mark.parametrize("angle", [-2.5, -0.8, 1.2, 3.0])
def test_deskew_recovers_the_rotation_it_is_given(angle):
    gray = _page(border=False, skew_deg=0.0, blur=0.4, noise=3.0)
    h, w = gray.shape
    rotated = cv2.warpAffine(gray, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h), borderValue=230)
    assert estimate_skew(rotated) == pytest.approx(-angle, abs=0.15)


def test_dark_scanner_border_is_cropped_to_the_leaf():
    gray = _page(border=True)
    x0, y0, x1, y1 = find_leaf(gray)
    # render_page pads 20-50 px of scanner bed around a 1400x2000 leaf
    assert 20 <= x0 <= 50 and 20 <= y0 <= 50
    assert x1 - x0 == pytest.approx(1400, abs=6) and y1 - y0 == pytest.approx(2000, abs=6)


def test_ruling_removal_erases_long_lines_but_keeps_characters():
    gray = _page(border=False)
    cleaned = remove_rulings(gray)
    ink_before = (gray < 128).sum()
    ink_after = (cleaned < 128).sum()
    assert ink_after < ink_before  # the frame and rules are gone
    assert ink_after > 0.5 * ink_before  # the characters are not


def test_landscape_spread_is_split_right_leaf_first():
    left, right = _page(border=False, seed=1), _page(border=False, seed=2)
    spread = np.hstack([left, np.full((left.shape[0], 30), 90, np.uint8), right])
    leaves = split_spread(spread)
    assert len(leaves) == 2
    (r0, _r1), (l0, _l1) = leaves
    assert r0 > l0 and abs(r0 - left.shape[1] - 15) < 40


def test_prepared_coordinates_map_back_to_the_original():
    gray = _page(border=True, skew_deg=1.5)
    prepared = preprocess(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), PreprocessConfig())[0]
    assert [s["step"] for s in prepared.steps][:3] == ["grayscale", "denoise", "crop-border"]
    h, w = prepared.image.shape
    corners = prepared.map_points(np.array([[0, 0], [w, h]]))
    # The prepared leaf lies inside the original scan.
    assert (corners >= -60).all() and corners[1][0] <= gray.shape[1] + 60 and corners[1][1] <= gray.shape[0] + 60


def test_a_landscape_sheet_printed_in_one_frame_is_not_split():
    # A whole printed sheet (高麗藏 panels are landscape): one frame whose rules, worn into pieces, cross the
    # middle; it is one page, and splitting it would cut its columns apart.
    sheet = np.full((400, 900), 230, np.uint8)
    for x0, x1 in ((40, 300), (330, 620), (660, 860)):  # the top rule, broken in two places
        cv2.line(sheet, (x0, 40), (x1, 40), 30, 3)
    cv2.line(sheet, (40, 360), (860, 360), 30, 3)
    for x in range(80, 840, 40):
        for y in range(70, 340, 30):
            cv2.rectangle(sheet, (x, y), (x + 18, y + 18), 40, 2)
    assert split_spread(sheet) == [(0, 900)]
