"""OCR stage: detect text lines, put them in reading order, recognise them, and build the page's regions.

The core (:func:`read_page`) is a plain function over a prepared image and an engine; :func:`ocr_task`
wraps it for Prefect. Coordinates written into the document are those of the original scan. Its parts live
beside it: :mod:`tasks.ocr.engine` (the recognition models), :mod:`tasks.ocr.page_layout` (frame, registers and
column grid from the image) and :mod:`tasks.ocr.reading_order` (the lines' order).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from models.char_lm import Rescoring, load_char_lm, rescore_readings
from tasks.ocr.engine import PaddleOCREngine, Recognized
from tasks.ocr.page_layout import analyse_layout
from tasks.ocr.reading_order import page_direction, reading_order
from tasks.preprocess import Prepared, PreprocessConfig, preprocess
from wenyuan.document import Char, Line, Page, Region, polygon_bounds


@dataclass
class OcrConfig:
    """OCR settings (the same names as the CLI options and flow parameters).

    Attributes:
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        det_limit_side: longest side of the detector's input (PaddleOCR ``text_det_limit_side_len``).
        det_box_thresh: detector box threshold.
        det_unclip_ratio: detector box growth.
        rec_batch_size: recogniser batch size (larger on GPU).
        min_line_confidence: lines whose mean confidence is below this are dropped as noise.
        layout: ``grid`` reads a vertical page's lines from its printed grid (frame, registers, columns),
            ``detector`` from the text detector's boxes alone.
        min_column_px: a page whose detected columns are narrower than this is read enlarged ...
        max_upscale: ... by at most this factor.
        charset: ``classical`` decodes over what a classical page prints (ideographs and its marks: never
            kana or Latin letters); ``all`` over the recogniser's whole dictionary (modern front matter).
        lm_rescore_below: characters read with less confidence than this are re-read in context with the
            project's character language model (:mod:`models.char_lm`); 0 turns it off ...
        lm_weight: ... and this weighs its log-probability against the recogniser's.
    """

    device: str = "auto"
    det_limit_side: int = 2000
    det_box_thresh: float = 0.5
    det_unclip_ratio: float = 1.6
    rec_batch_size: int = 16
    min_line_confidence: float = 0.3
    layout: str = "grid"
    min_column_px: float = 40.0
    max_upscale: float = 3.0
    charset: str = "classical"
    lm_rescore_below: float = 0.9
    lm_weight: float = 0.5


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when ONNX Runtime has its CUDA provider and a GPU answers, else ``cpu``."""
    if device != "auto":
        if device.startswith("cuda"):
            import onnxruntime as ort

            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise RuntimeError(
                    f"device {device!r} requested but onnxruntime has no CUDA provider (install onnxruntime-gpu)"
                )
        elif device != "cpu":
            raise ValueError(f"unknown device {device!r}: use auto, cpu, cuda or cuda:N")
        return device
    import onnxruntime as ort

    return "cuda" if "CUDAExecutionProvider" in ort.get_available_providers() else "cpu"


def build_engine(cfg: OcrConfig) -> PaddleOCREngine:
    return PaddleOCREngine(
        device=resolve_device(cfg.device),
        det_limit_side=cfg.det_limit_side,
        det_box_thresh=cfg.det_box_thresh,
        det_unclip_ratio=cfg.det_unclip_ratio,
        rec_batch_size=cfg.rec_batch_size,
    )


def order_quad(quad: np.ndarray) -> np.ndarray:
    """Points as top-left, top-right, bottom-right, bottom-left.

    Sorted by angle around the centre, so no point is ever taken twice (picking corners by coordinate sums
    does that for boxes near 45 degrees, and the crop's transform is then singular).
    """
    quad = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    centre = quad.mean(axis=0)
    ordered = quad[np.argsort(np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0]))]
    return np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0)


def usable_quad(quad: np.ndarray, min_area: float = 4.0) -> bool:
    """A detection worth cropping: four distinct corners enclosing some area (detectors emit slivers)."""
    q = np.asarray(quad, dtype=np.float32).reshape(-1, 2)
    return len(q) == 4 and abs(cv2.contourArea(order_quad(q))) >= min_area


def crop_quad(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Perspective-crop a quadrilateral to an upright rectangle; returns the crop and rect->image matrix."""
    q = order_quad(quad)
    w = round(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2])))
    h = round(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    w, h = max(w, 2), max(h, 2)
    rect = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q, rect)
    crop = cv2.warpPerspective(image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return crop, np.linalg.inv(m)


def _char_boxes(rec: Recognized, w: int, h: int, vertical: bool) -> list[np.ndarray]:
    """Character boxes in crop-rectangle coordinates, from CTC centres."""
    length = h if vertical else w
    across = w if vertical else h
    centres = [c * length for c in rec.centres]
    boxes = []
    for k, c in enumerate(centres):
        lo = (c + centres[k - 1]) / 2 if k else max(0.0, c - across / 2)
        hi = (c + centres[k + 1]) / 2 if k + 1 < len(centres) else min(float(length), c + across / 2)
        boxes.append(
            np.array(
                [[0, lo], [w, lo], [w, hi], [0, hi]] if vertical else [[lo, 0], [hi, 0], [hi, h], [lo, h]],
                dtype=np.float32,
            )
        )
    return boxes


def _to_original(points: np.ndarray, rect_to_img: np.ndarray | None, prepared: Prepared) -> list[tuple[float, float]]:
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 1, 2)
    if rect_to_img is not None:
        pts = cv2.perspectiveTransform(pts, rect_to_img)
    mapped = prepared.map_points(pts.reshape(-1, 2))
    return [(round(float(x), 1), round(float(y), 1)) for x, y in mapped]


def _detect(engine, image: np.ndarray) -> tuple[list[np.ndarray], list[tuple[float, float, float, float]]]:
    quads = [q for q in engine.detect(image) if usable_quad(q)]
    boxes = [tuple(map(float, (q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()))) for q in quads]
    return quads, boxes


def _median_column_width(boxes) -> float | None:
    """The typical width of the detected vertical lines (None when there are none)."""
    tall = [b[2] - b[0] for b in boxes if b[3] - b[1] > 2 * (b[2] - b[0])]
    return float(np.median(tall)) if tall else None


def read_page(prepared: Prepared, engine, page: Page, cfg: OcrConfig) -> Page:
    """Detect, order and recognise the text of one prepared leaf; fills ``page.regions`` and direction.

    The text detector finds the lines. On a vertical page the image's own structure (:mod:`tasks.ocr.page_layout`)
    then says which lines lie outside the printed frame (fold strip, margin: ``marginalia`` regions, no part
    of the text) and which register each line belongs to; :func:`tasks.ocr.reading_order.reading_order` orders them.
    Pages whose columns are narrower than ``cfg.min_column_px`` are read enlarged.
    """
    quads, boxes = _detect(engine, prepared.image)
    column = _median_column_width(boxes)
    # Columns still this narrow after preprocessing (a low-resolution scan) are below what the detector and
    # the recogniser were trained on: read an enlarged copy, no larger than the detector's input (it would
    # shrink it back); coordinates still map onto the original.
    factor = 1.0
    if column:
        factor = min(cfg.max_upscale, cfg.min_column_px / column, cfg.det_limit_side / max(prepared.image.shape))
    if factor > 1.05:
        prepared = prepared.scaled(factor)
        page.preprocessing = prepared.steps
        quads, boxes = _detect(engine, prepared.image)
        column = _median_column_width(boxes)
    direction = page_direction(boxes)
    frame, registers, edges = None, None, None
    if direction == "vertical-rl" and quads and cfg.layout == "grid":
        grid = analyse_layout(prepared.ruled if prepared.ruled is not None else prepared.image, column_width=column)
        if grid is not None:
            frame, registers, edges = grid.frame, grid.registers, grid.column_edges
    direction, units = reading_order(boxes, prepared.image.shape[0], direction, frame, registers, edges)
    vertical = direction == "vertical-rl"
    crops, rects = [], []
    for q in quads:
        crop, rect_to_img = crop_quad(prepared.image, q)
        rects.append((rect_to_img, crop.shape[1], crop.shape[0]))
        crops.append(np.rot90(crop) if vertical else crop)  # columns read top-down become rows read left-right
    recs = engine.recognize(crops, classical=cfg.charset == "classical") if crops else []
    regions: list[Region] = []
    n_line = 0
    for unit in units:
        lines = []
        for i in unit.lines:
            rec = recs[i]
            if not rec.text or rec.confidence < cfg.min_line_confidence:
                continue
            rect_to_img, w, h = rects[i]
            alternatives = rec.alternatives or [None] * len(rec.text)
            chars = [
                Char(text=t, confidence=round(c, 4), polygon=_to_original(b, rect_to_img, prepared), alternatives=a)
                for t, c, b, a in zip(
                    rec.text, rec.confidences, _char_boxes(rec, w, h, vertical), alternatives, strict=True
                )
            ]
            n_line += 1
            lines.append(
                Line(
                    id=f"{page.id}-l{n_line:03d}",
                    polygon=_to_original(quads[i], None, prepared),
                    chars=chars,
                    confidence=round(rec.confidence, 4),
                )
            )
        if lines:
            xs0, ys0, xs1, ys1 = zip(*(polygon_bounds(ln.polygon) for ln in lines), strict=True)
            bounds = (min(xs0), min(ys0), max(xs1), max(ys1))
            regions.append(
                Region(
                    id=f"{page.id}-r{len(regions) + 1:03d}",
                    kind=unit.kind,
                    register_index=unit.register,
                    polygon=[
                        (bounds[0], bounds[1]),
                        (bounds[2], bounds[1]),
                        (bounds[2], bounds[3]),
                        (bounds[0], bounds[3]),
                    ],
                    lines=lines,
                )
            )
    page.regions = regions
    page.direction = direction  # type: ignore[assignment]
    if cfg.lm_rescore_below > 0 and cfg.charset == "classical":
        rescore_in_context(page, load_char_lm(), Rescoring(cfg.lm_rescore_below, cfg.lm_weight))
    return page


def rescore_in_context(page: Page, lm, rescoring: Rescoring) -> int:
    """Re-read the page's doubtful characters with the language model (text in reading order, margin text
    apart); a changed character takes its alternative's reading and the recogniser's probability of it.
    Returns how many changed."""
    chars = [ch for line in page.transcription_lines() for ch in line.chars]
    chosen = rescore_readings(
        [c.text for c in chars], [c.confidence for c in chars], [c.alternatives for c in chars], lm, rescoring
    )
    changed = 0
    for ch, j in zip(chars, chosen, strict=True):
        if j >= 0 and ch.alternatives and ch.alternatives[j][0] != ch.text:
            ch.text, ch.confidence = ch.alternatives[j][0], round(ch.alternatives[j][1], 4)
            changed += 1
    return changed


def read_image(
    image: np.ndarray,
    engine,
    cfg: OcrConfig,
    *,
    page_id: str,
    source: str,
    image_ref: str = "",
    source_page: int = 0,
    sha256: str = "-",
    pre: PreprocessConfig | None = None,
    model_slot: Callable[[], AbstractContextManager] = nullcontext,
) -> list[Page]:
    """Preprocess and read one scanned image: one page per leaf (a split spread's right leaf ``…a``, left ``…b``).

    ``model_slot`` is held around each leaf's reading only (a GPU slot, where the flow has one), not around
    the decoding and preprocessing before it.
    """
    leaves = preprocess(image, pre)
    pages = []
    for k, prepared in enumerate(leaves):
        page = Page(
            id=page_id + ("" if len(leaves) == 1 else "ab"[k]),
            index=0,
            source=source,
            source_page=source_page,
            sha256=sha256,
            width=image.shape[1],
            height=image.shape[0],
            image=image_ref or source,
            preprocessing=prepared.steps,
        )
        with model_slot():
            pages.append(read_page(prepared, engine, page, cfg))
    return pages


def config_dict(cfg: OcrConfig) -> dict:
    return asdict(cfg)
