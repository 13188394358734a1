"""Reading order for traditional and modern page layouts, from text-line boxes alone.

Traditional books (``vertical-rl``): columns right to left, each top to bottom; a page printed in two
registers (上下欄) is read register by register, top first; double-column commentary (雙行小注) appears as two
half-width sub-columns inside a column slot and is read right sub-column first, in its place between the main
text above and below it. Horizontal pages (``horizontal-tb``) read rows top to bottom, each left to right.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass
class ReadingUnit:
    """Lines (indices into the input boxes) that form one region, in reading order."""

    kind: str  # "main" or "commentary"
    register: int
    lines: list[int]


def page_direction(boxes: list[Box]) -> str:
    """``vertical-rl`` when most text lines are taller than wide."""
    if not boxes:
        return "vertical-rl"
    tall = sum((b[3] - b[1]) > 1.2 * (b[2] - b[0]) for b in boxes)
    wide = sum((b[2] - b[0]) > 1.2 * (b[3] - b[1]) for b in boxes)
    return "vertical-rl" if tall >= wide else "horizontal-tb"


def split_registers(boxes: list[Box], page_height: float, min_lines: int = 3) -> list[list[int]]:
    """Group boxes into horizontal bands separated by a gap no line crosses (top band first).

    A band boundary needs at least ``min_lines`` lines on each side, so a single short column or a page
    number does not make a register of its own.
    """
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][1])
    bands: list[list[int]] = []
    bottom = -1.0
    for i in order:
        if bands and boxes[i][1] <= bottom:
            bands[-1].append(i)
        else:
            bands.append([i])
        bottom = max(bottom, boxes[i][3]) if len(bands[-1]) > 1 else boxes[i][3]
    merged: list[list[int]] = []
    for band in bands:
        if merged and (len(band) < min_lines or len(merged[-1]) < min_lines):
            merged[-1].extend(band)
        else:
            merged.append(band)
    return merged


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def order_vertical(
    boxes: list[Box],
    indices: list[int],
    register: int,
    narrow_ratio: float = 0.72,
    edges: list[float] | None = None,
) -> list[ReadingUnit]:
    """Reading units of one register of a vertical page.

    ``edges``, the printed column grid's slot boundaries (right to left) where the image shows it, put each
    line in the slot holding its centre; without them, lines whose x-ranges overlap make a slot.
    """
    if not indices:
        return []
    widths = np.array([boxes[i][2] - boxes[i][0] for i in indices])
    full = float(np.percentile(widths, 75))
    narrow = {i for i in indices if boxes[i][2] - boxes[i][0] < narrow_ratio * full}
    if edges:
        by_slot: dict[int, list[int]] = {}
        for i in indices:
            by_slot.setdefault(sum(e > _centre(boxes[i])[0] for e in edges), []).append(i)
        return [u for k in sorted(by_slot) for u in _order_slot(boxes, by_slot[k], narrow, register)]
    # Column slots: boxes whose x-ranges overlap belong to one slot; wide boxes define slots first.
    slots: list[list[int]] = []
    spans: list[tuple[float, float]] = []
    for i in sorted(indices, key=lambda i: (i in narrow, -(boxes[i][0] + boxes[i][2]))):
        x0, x1 = boxes[i][0], boxes[i][2]
        best, best_ov = None, 0.0
        for s, (s0, s1) in enumerate(spans):
            ov = _overlap(x0, x1, s0, s1)
            if ov > best_ov:
                best, best_ov = s, ov
        if best is None:
            joins = False
        elif i in narrow:  # a sub-column joins the slot it lies mostly inside
            joins = best_ov >= 0.5 * (x1 - x0)
        else:  # two main segments of one column overlap substantially
            joins = best_ov >= 0.3 * min(x1 - x0, spans[best][1] - spans[best][0])
        if joins:
            slots[best].append(i)
            s0, s1 = spans[best]
            if i not in narrow:
                spans[best] = (min(s0, x0), max(s1, x1))
        else:
            slots.append([i])
            spans.append((x0, x1))
    # Narrow-only slots that sit side by side (a commentary block spanning a whole column) are one slot.
    units: list[ReadingUnit] = []
    merged_slots = _merge_commentary_slots(boxes, slots, spans, narrow, full)
    for slot in sorted(merged_slots, key=lambda s: -max(boxes[i][2] for i in s)):
        units.extend(_order_slot(boxes, slot, narrow, register))
    return units


def _merge_commentary_slots(boxes, slots, spans, narrow, full):
    order = sorted(range(len(slots)), key=lambda s: -spans[s][1])
    out: list[list[int]] = []
    last_narrow_span = None
    for s in order:
        is_narrow = all(i in narrow for i in slots[s])
        if (
            is_narrow
            and out
            and last_narrow_span is not None
            and last_narrow_span[0] - spans[s][1] < 0.35 * full
            and (last_narrow_span[1] - spans[s][0]) < 1.3 * full
        ):
            out[-1].extend(slots[s])
            last_narrow_span = (spans[s][0], last_narrow_span[1])
            continue
        out.append(list(slots[s]))
        last_narrow_span = spans[s] if is_narrow else None
    return out


def _side_by_side(a: Box, b: Box) -> bool:
    """Two lines beside each other: overlapping in height, hardly at all in width."""
    return _overlap(a[1], a[3], b[1], b[3]) > 0.3 * min(a[3] - a[1], b[3] - b[1]) and _overlap(
        a[0], a[2], b[0], b[2]
    ) < 0.5 * min(a[2] - a[0], b[2] - b[0])


def _order_slot(boxes, slot: list[int], narrow: set[int], register: int) -> list[ReadingUnit]:
    """Top to bottom within a column slot; side-by-side narrow boxes form a commentary block.

    Two lines side by side in one slot can only be the halves of double-column commentary, however wide the
    detector drew them.
    """
    narrow = narrow | {i for i in slot for j in slot if i != j and _side_by_side(boxes[i], boxes[j])}
    units: list[ReadingUnit] = []
    for i in sorted(slot, key=lambda i: boxes[i][1]):
        if i in narrow:
            last = units[-1] if units else None
            if last and last.kind == "commentary" and any(_side_by_side(boxes[i], boxes[j]) for j in last.lines):
                last.lines.append(i)
                last.lines.sort(key=lambda j: -(boxes[j][0] + boxes[j][2]))  # right sub-column first
                continue
            units.append(ReadingUnit("commentary", register, [i]))
        else:
            units.append(ReadingUnit("main", register, [i]))
    return units


def order_horizontal(boxes: list[Box], indices: list[int], register: int) -> list[ReadingUnit]:
    """Rows top to bottom; boxes on one row (overlapping vertically) left to right."""
    rows: list[list[int]] = []
    for i in sorted(indices, key=lambda i: boxes[i][1]):
        if rows:
            r = rows[-1]
            y0, y1 = min(boxes[j][1] for j in r), max(boxes[j][3] for j in r)
            if _overlap(boxes[i][1], boxes[i][3], y0, y1) > 0.5 * (boxes[i][3] - boxes[i][1]):
                r.append(i)
                continue
        rows.append([i])
    return [ReadingUnit("main", register, sorted(r, key=lambda j: boxes[j][0])) for r in rows]


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def outside_frame(box: Box, frame: Box, tolerance: float) -> bool:
    """Whether a line's centre lies outside the printed frame (fold strip, page number, 書耳)."""
    cx, cy = _centre(box)
    x0, y0, x1, y1 = frame
    return not (x0 - tolerance <= cx <= x1 + tolerance and y0 - tolerance <= cy <= y1 + tolerance)


def reading_order(
    boxes: list[Box],
    page_height: float,
    direction: str | None = None,
    frame: Box | None = None,
    registers: list[tuple[float, float]] | None = None,
    edges: list[list[float]] | None = None,
) -> tuple[str, list[ReadingUnit]]:
    """Direction of the page and its reading units in order.

    ``frame``, ``registers`` and ``edges`` (each register's column-slot boundaries, right to left) come from
    the page image (:mod:`tasks.ocr.page_layout`) when it shows them: lines outside the frame become
    ``marginalia`` units after the text (right to left), each line belongs to the register band holding its
    centre, and to the column slot holding it. Without them, registers are gaps no line crosses.
    """
    direction = direction or page_direction(boxes)
    units: list[ReadingUnit] = []
    if direction == "horizontal-tb":
        return direction, order_horizontal(boxes, list(range(len(boxes))), 0)
    inside = list(range(len(boxes)))
    margin: list[int] = []
    if frame is not None:
        widths = sorted(b[2] - b[0] for b in boxes)
        tolerance = 0.3 * widths[len(widths) // 2] if widths else 0.0
        margin = [i for i in inside if outside_frame(boxes[i], frame, tolerance)]
        inside = [i for i in inside if i not in margin]
    if registers and len(registers) > 1:
        cuts = [(upper_end + lower_start) / 2 for (_, upper_end), (lower_start, _) in itertools.pairwise(registers)]
        bands: list[list[int]] = [[] for _ in registers]
        for i in inside:
            bands[sum(_centre(boxes[i])[1] > c for c in cuts)].append(i)
    else:  # no ruled registers: a gap no line crosses still separates two
        bands = [[inside[k] for k in band] for band in split_registers([boxes[i] for i in inside], page_height)]
    for r, band in enumerate(bands):  # an empty register keeps its number: the printed register's
        if band:
            grid = edges[min(r, len(edges) - 1)] if edges else None
            units.extend(order_vertical(boxes, band, r, edges=grid))
    for i in sorted(margin, key=lambda i: -_centre(boxes[i])[0]):
        units.append(ReadingUnit("marginalia", 0, [i]))
    return direction, units
