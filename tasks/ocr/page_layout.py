"""Page structure of a vertical book from the image itself: printed frame, registers, column pitch.

A woodblock page is cut on a grid: a printed frame (匡郭), often split into registers (上下欄) by a ruled line,
columns of a fixed pitch (with or without printed rulings 界行) and, outside the frame, the fold strip and
margin text (版心, 書耳, page numbers), which are no part of the text. Line boxes alone cannot tell these
apart (a fold-strip column spans both registers, so no gap between them is free of lines). This module reads
them from the image with OpenCV and numpy:

1. ink and rulings: a local-mean threshold; long, thin horizontal and vertical strokes (morphological
   opening with line-shaped kernels, then a thickness test) are the rulings; the rest is text;
2. the frame: the extent of the long horizontal rulings (the rules between registers give its width, since
   the outer frame may also enclose the fold strip); text outside it is margin text;
3. the column pitch: the autocorrelation of the text's ink profile across the frame, searched near the
   width of the detected columns;
4. registers: long horizontal rulings inside the frame, with text above and below, split it.

:func:`analyse_layout` returns ``None`` when the page shows no column rhythm; the OCR stage then orders the
detector's lines by their boxes alone (:mod:`tasks.ocr.reading_order`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass
class PageLayout:
    """What the image shows of the page's structure."""

    #: the printed frame (匡郭), or the extent of the ink on an unframed page
    frame: Box
    #: the registers (上下欄) as y-ranges inside the frame, top first
    registers: list[tuple[int, int]]
    #: the column pitch in pixels
    pitch: float
    #: each register's column-slot boundaries, right to left (the printed column grid)
    column_edges: list[list[float]]


def _odd(n: float) -> int:
    return max(3, int(n) | 1)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0: a local-mean threshold, robust to uneven paper tone and the darker fold."""
    block = _odd(min(gray.shape) / 12)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)


def ruling_masks(ink: np.ndarray, frac_h: float = 0.1, frac_v: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rulings: ink that survives an opening with a line of ``frac_h`` of the page's
    width (``frac_v`` of its height).

    Horizontal pieces may be short (a worn rule breaks; :func:`find_frame` joins the pieces); vertical ones
    must be long, because the characters of a column can touch along it. Only thin survivors count: on a
    small or heavily inked scan such a column is a band of ink, text and not a rule.
    """
    h, w = ink.shape
    along = cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(w * frac_h)), 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, int(h * frac_v))))
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, along)
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, down)
    return _thin_only(horiz, axis=1, limit=max(6, h // 100)), _thin_only(vert, axis=0, limit=max(6, w // 100))


def _thin_only(mask: np.ndarray, axis: int, limit: int) -> np.ndarray:
    """Keep the components of a line mask whose mean thickness across ``axis`` is at most ``limit`` pixels."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    length = stats[:, cv2.CC_STAT_WIDTH] if axis == 1 else stats[:, cv2.CC_STAT_HEIGHT]
    thick = stats[:, cv2.CC_STAT_AREA] / np.maximum(length, 1)
    keep = np.nonzero(thick <= limit)[0]
    return np.where(np.isin(labels, keep[keep > 0]), 255, 0).astype(np.uint8)


def _segments(mask: np.ndarray) -> list[Box]:
    """Bounding boxes of a mask's connected components."""
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, _a in stats[1:n]]


def text_mask(ink: np.ndarray, horiz: np.ndarray, vert: np.ndarray) -> np.ndarray:
    """Ink that is no ruling and no speck."""
    lines = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    text = cv2.bitwise_and(ink, cv2.bitwise_not(lines))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    specks = np.where(stats[:, cv2.CC_STAT_AREA] < max(3, ink.size // 400_000))[0]
    text[np.isin(labels, specks[specks > 0])] = 0
    return text


def _merge_collinear(rules: list[Box], gap: int, break_len: int) -> list[Box]:
    """Join horizontal rule pieces on one line, at most ``gap`` apart in height and ``break_len`` along it
    (a worn block breaks a rule into pieces)."""
    lines: list[list[Box]] = []
    for r in sorted(rules, key=lambda r: r[1]):  # pieces of one line first, by height
        if lines and r[1] - lines[-1][0][1] <= gap:
            lines[-1].append(r)
        else:
            lines.append([r])
    merged: list[Box] = []
    for pieces in lines:
        run: list[int] | None = None
        for x0, y0, x1, y1 in sorted(pieces):  # then along the line
            if run is not None and x0 <= run[2] + break_len:
                run = [run[0], min(run[1], y0), max(run[2], x1), max(run[3], y1)]
            else:
                if run is not None:
                    merged.append((run[0], run[1], run[2], run[3]))
                run = [x0, y0, x1, y1]
        if run is not None:
            merged.append((run[0], run[1], run[2], run[3]))
    return merged


def find_frame(horiz: np.ndarray, text: np.ndarray) -> tuple[Box, list[Box]]:
    """The printed frame (匡郭) around the text block, and the long horizontal rulings.

    With no such rulings (an unframed manuscript) the frame is the extent of the ink.
    """
    h, w = horiz.shape
    pieces = [s for s in _segments(horiz) if 2 < s[1] and s[3] < h - 2]  # not the scan's own edge
    merged = _merge_collinear(pieces, gap=max(2, h // 300), break_len=int(0.08 * w))
    rules = [r for r in merged if r[2] - r[0] >= 0.4 * w]
    if len(rules) >= 2:
        y0 = min(r[1] for r in rules)
        y1 = max(r[3] for r in rules)
        # The rules between registers span the text block only, while the outer frame may also enclose the
        # fold strip beside it: whole inner rules, where there are any, give the block's width.
        outer = [r for r in rules if r[1] == y0 or r[3] == y1]
        longest = max(r[2] - r[0] for r in outer)
        inner = [r for r in rules if r not in outer and r[2] - r[0] >= 0.7 * longest] or outer
        total = max(1, text.sum())
        for candidates in (inner, outer):
            x0 = int(np.median([r[0] for r in candidates]))
            x1 = int(np.median([r[2] for r in candidates]))
            # Most of the text lies inside its frame: a frame that leaves much out was read wrong (a rule
            # worn away at one end, a rule of another panel).
            inside = text[y0:y1, x0:x1].sum() / total
            if x1 - x0 > 0.3 * w and y1 - y0 > 0.3 * h and inside >= 0.8:
                return (x0, y0, x1, y1), rules
    ys, xs = np.nonzero(text)
    if len(xs) == 0:
        return (0, 0, w, h), []
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), []


def column_pitch(profile: np.ndarray, lo: int, hi: int) -> float | None:
    """The period of a text ink profile across the page: the strongest autocorrelation peak in [lo, hi]."""
    p = profile.astype(np.float64) - profile.mean()
    if len(p) < 2 * lo or not p.any():
        return None
    ac = np.correlate(p, p, mode="full")[len(p) - 1 :]
    ac /= ac[0]
    hi = min(hi, len(ac) - 2)
    peaks = [k for k in range(max(lo, 1), hi + 1) if ac[k] >= ac[k - 1] and ac[k] >= ac[k + 1] and ac[k] > 0.1]
    if not peaks:
        return None
    # The strongest peak: harmonics (two pitches) decay with the grid's jitter, and half-pitch structure
    # (commentary sub-columns) covers only part of a page.
    return float(max(peaks, key=lambda k: ac[k]))


def column_edges(profile: np.ndarray, pitch: float, x0: int) -> list[float]:
    """Slot boundaries of a column grid of known pitch, right to left, in page coordinates.

    The grid's phase is where the boundaries cross the least ink; each boundary then settles on the emptiest
    place within a quarter pitch, since a hand-cut block is not exactly periodic.
    """
    width = len(profile)
    smooth = cv2.GaussianBlur(profile.astype(np.float32).reshape(1, -1), (_odd(pitch / 4), 1), 0).ravel()
    step = float(pitch)
    phases = np.arange(0, step, max(1.0, step / 40))
    costs = [smooth[np.clip(np.round(np.arange(p, width, step)).astype(int), 0, width - 1)].sum() for p in phases]
    phase = float(phases[int(np.argmin(costs))])
    edges = []
    for x in np.arange(phase, width + step / 2, step):
        lo, hi = max(0, int(x - step / 4)), min(width, int(x + step / 4) + 1)
        local = lo + int(np.argmin(smooth[lo:hi])) if hi > lo else int(x)
        edges.append(float(x0 + local))
    return sorted(set(edges), reverse=True)


def register_bands(horiz_rules: list[Box], frame: Box, text: np.ndarray, pitch_guess: float) -> list[tuple[int, int]]:
    """Split the frame at long horizontal rulings inside it that have text above and below."""
    fx0, fy0, fx1, fy1 = frame
    inner = sorted(
        (r for r in horiz_rules if fy0 + 2 * pitch_guess < (r[1] + r[3]) / 2 < fy1 - 2 * pitch_guess),
        key=lambda r: r[1],
    )
    cuts: list[tuple[int, int]] = []
    for r in inner:
        if cuts and r[1] - cuts[-1][1] < pitch_guess:  # a double rule is one separator
            cuts[-1] = (cuts[-1][0], r[3])
        else:
            cuts.append((r[1], r[3]))
    bands, top = [], fy0
    for c0, c1 in cuts:
        above = text[top:c0, fx0:fx1].sum() / 255
        below = text[c1:fy1, fx0:fx1].sum() / 255
        if above > pitch_guess**2 and below > pitch_guess**2:
            bands.append((top, c0))
            top = c1
    bands.append((top, fy1))
    return bands


def analyse_layout(gray: np.ndarray, column_width: float | None = None) -> PageLayout | None:
    """The frame, registers and column pitch of a vertical page from its grayscale image (rulings still on it);
    None when it shows no column rhythm (a blank leaf, a painting).

    ``column_width``, the typical width of a main-text column (the text detector's median), bounds the
    pitch search to 0.7 to 1.6 widths: a profile's autocorrelation also peaks at two pitches (and at half a
    pitch where commentary is dense), and those peaks can be the stronger ones.
    """
    h, w = gray.shape
    ink = ink_mask(gray)
    horiz, vert = ruling_masks(ink)
    text = text_mask(ink, horiz, vert)
    if text.sum() / 255 < 0.001 * h * w:
        return None
    frame, rules = find_frame(horiz, text)
    fx0, fy0, fx1, fy1 = frame
    profile = (text[fy0:fy1, fx0:fx1] > 0).sum(axis=0)
    fw = fx1 - fx0
    lo, hi = max(4, fw // 60), fw // 3
    if column_width:
        lo, hi = max(lo, int(0.7 * column_width)), min(hi, int(1.6 * column_width))
    pitch = column_pitch(profile, lo=lo, hi=hi)
    if pitch is None:
        return None
    registers = register_bands(rules, frame, text, pitch)
    # Each register's own phase: the registers of a page need not share their column rulings.
    edges = [column_edges((text[y0:y1, fx0:fx1] > 0).sum(axis=0), pitch, fx0) for y0, y1 in registers]
    return PageLayout(frame=frame, registers=registers, pitch=pitch, column_edges=edges)
