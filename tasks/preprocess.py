"""Image preprocessing with OpenCV: border crop, deskew, denoise, ruling removal, binarisation, spread split.

Every function is pure (array in, array out). :func:`preprocess` chains them and returns the image for OCR
plus the affine transform that maps its pixel coordinates back onto the original scan, so OCR boxes are
reported on the facsimile the archive keeps, never on the cleaned copy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np


@dataclass
class PreprocessConfig:
    """Preprocessing settings.

    Attributes:
        crop_border: remove the dark scanner bed around the leaf.
        deskew: estimate and undo rotation (within ``max_skew_deg``).
        max_skew_deg: largest rotation searched.
        denoise: median filter before anything else.
        remove_rulings: paint long vertical/horizontal rules (column rulings, frame) with paper colour.
        binarize: give OCR a black-and-white image (adaptive threshold) instead of normalised grayscale.
        split_spreads: split a two-leaf spread (landscape scan) into two pages, right leaf first.
        max_side: downscale pages whose longer side exceeds this (keeps OCR time bounded).
        min_side: enlarge pages whose longer side is below this (thumbnails, low-resolution scans), at most
            ``max_upscale`` times, before any filtering: a 3×3 median on a 600-px page wipes out the strokes
            of its small characters.
    """

    crop_border: bool = True
    deskew: bool = True
    max_skew_deg: float = 5.0
    denoise: bool = True
    remove_rulings: bool = True
    binarize: bool = False
    split_spreads: bool = True
    max_side: int = 4000
    min_side: int = 1600
    max_upscale: float = 3.0


@dataclass
class Prepared:
    """A page ready for OCR, with the 2x3 matrix mapping its coordinates to the original image."""

    image: np.ndarray
    to_original: np.ndarray
    steps: list[dict[str, Any]] = field(default_factory=list)
    #: the leaf, deskewed, before rulings were painted out: page layout analysis reads the frame from them
    ruled: np.ndarray | None = None

    def scaled(self, factor: float) -> Prepared:
        """The same leaf enlarged by ``factor`` (coordinates still map onto the original)."""

        def grow(img: np.ndarray | None) -> np.ndarray | None:
            return None if img is None else cv2.resize(img, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)

        to_original = self.to_original @ np.array([[1 / factor, 0, 0], [0, 1 / factor, 0], [0, 0, 1]])
        steps = [*self.steps, {"step": "upscale", "factor": round(factor, 3)}]
        return Prepared(grow(self.image), to_original, steps, ruled=grow(self.ruled))

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """Map ``(N, 2)`` points of the prepared image onto the original."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return pts @ self.to_original[:, :2].T + self.to_original[:, 2]


def _affine(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def paper_level(gray: np.ndarray) -> int:
    """Typical paper brightness (a high percentile, robust to ink and borders)."""
    return int(np.percentile(gray, 90))


def find_leaf(gray: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box ``(x0, y0, x1, y1)`` of the leaf inside a dark scanner border (whole image if none)."""
    h, w = gray.shape
    thresh = max(40, int(paper_level(gray) * 0.45))
    mask = (gray > thresh).astype(np.uint8)
    # Close first so rules and ink inside the leaf do not cut it apart, then drop specks of the bed.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((41, 41), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((15, 15), np.uint8))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if n <= 1:
        return 0, 0, w, h
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = stats[best]
    if area < 0.3 * w * h:
        return 0, 0, w, h
    return int(x), int(y), int(x + bw), int(y + bh)


def estimate_skew(gray: np.ndarray, max_deg: float = 5.0) -> float:
    """Rotation (degrees, counter-clockwise positive as in OpenCV) that makes columns and rules upright.

    Searches the angle whose ink projection profiles (column sums and row sums) are sharpest; the
    vertical strokes of columns and rulings dominate this for woodblock pages.
    """
    small = cv2.resize(gray, None, fx=600 / max(gray.shape), fy=600 / max(gray.shape), interpolation=cv2.INTER_AREA)
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1].astype(np.float32)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rot = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), (w, h))
        return float(np.var(rot.sum(axis=0)) + np.var(rot.sum(axis=1)))

    best = 0.0
    for step in (1.0, 0.25, 0.05):
        span = max_deg if step == 1.0 else step * 4
        candidates = np.arange(best - span, best + span + 1e-9, step)
        best = float(max(candidates, key=sharpness))
    return best


def rotate(image: np.ndarray, angle: float, fill: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre; returns the image and the forward 2x3 matrix."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)
    return out, m


def remove_rulings(gray: np.ndarray, min_frac: float = 0.25) -> np.ndarray:
    """Paint long thin vertical and horizontal lines (rulings, frame) with the paper colour."""
    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    vert = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(25, int(h * min_frac))))
    )
    horiz = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(25, int(w * min_frac)), 1))
    )
    lines = cv2.dilate(cv2.bitwise_or(vert, horiz), np.ones((3, 3), np.uint8))
    out = gray.copy()
    out[lines > 0] = paper_level(gray)
    return out


def binarize(gray: np.ndarray) -> np.ndarray:
    """Adaptive (local mean) threshold: robust to uneven paper tone and the darker fold."""
    block = max(15, (min(gray.shape) // 40) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 12)


def one_printed_sheet(gray: np.ndarray) -> bool:
    """Whether a printed rule runs across the middle of a landscape image.

    A spread of two leaves has a frame on each leaf, both ending short of the gutter; a whole printed sheet
    (a sutra's panel, a block printed across the fold) has one frame, whose rules, however worn and broken,
    cross the middle somewhere.
    """
    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (w // 10, 1)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(rules)
    return any(x < 0.45 * w and x + bw > 0.55 * w and bh <= max(8, h // 50) for x, _y, bw, bh, _a in stats[1:n])


def split_spread(gray: np.ndarray) -> list[tuple[int, int]]:
    """x-ranges of the leaves in reading order: a landscape spread splits at its central gutter, right first.

    A landscape image whose printed rules cross the middle is one sheet, not a spread, and is not split.
    """
    h, w = gray.shape
    if w < 1.2 * h or one_printed_sheet(gray):
        return [(0, w)]
    lo, hi = int(w * 0.4), int(w * 0.6)
    profile = cv2.blur(gray.astype(np.float32), (15, 1)).mean(axis=0)[lo:hi]
    # The gutter is the darkest (shadowed fold) or, on flat scans, the emptiest band near the centre.
    cut = lo + int(np.argmin(profile) if profile.min() < np.median(profile) * 0.85 else np.argmax(profile))
    return [(cut, w), (0, cut)]


def preprocess(image: np.ndarray, cfg: PreprocessConfig | None = None) -> list[Prepared]:
    """Prepare one scanned image for OCR; returns one :class:`Prepared` per leaf (two for a spread)."""
    cfg = cfg or PreprocessConfig()
    gray = to_gray(image)
    steps: list[dict[str, Any]] = [{"step": "grayscale"}]
    total = np.eye(3)  # maps current coordinates -> original coordinates
    scale = 1.0
    if max(gray.shape) > cfg.max_side:
        scale = cfg.max_side / max(gray.shape)
    elif max(gray.shape) < cfg.min_side:
        scale = min(cfg.max_upscale, cfg.min_side / max(gray.shape))
    if scale != 1.0:
        shrink = scale < 1
        interpolation = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interpolation)
        total = total @ _affine(np.array([[1 / scale, 0, 0], [0, 1 / scale, 0]]))
        steps.append({"step": "downscale" if shrink else "upscale", "factor": round(scale, 4)})
    if cfg.denoise:
        gray = cv2.medianBlur(gray, 3)
        steps.append({"step": "denoise", "method": "median3"})
    if cfg.crop_border:
        x0, y0, x1, y1 = find_leaf(gray)
        if (x0, y0, x1, y1) != (0, 0, gray.shape[1], gray.shape[0]):
            gray = gray[y0:y1, x0:x1]
            total = total @ _affine(np.array([[1, 0, x0], [0, 1, y0]], dtype=float))
            steps.append({"step": "crop-border", "box": [x0, y0, x1, y1]})
    leaves = split_spread(gray) if cfg.split_spreads else [(0, gray.shape[1])]
    if len(leaves) > 1:
        steps.append({"step": "split-spread", "cut": leaves[0][0]})
    out = []
    for lx0, lx1 in leaves:
        leaf = gray[:, lx0:lx1]
        leaf_total = total @ _affine(np.array([[1, 0, lx0], [0, 1, 0]], dtype=float))
        leaf_steps = list(steps)
        if cfg.deskew:
            angle = estimate_skew(leaf, cfg.max_skew_deg)
            if abs(angle) >= 0.05:
                leaf, m = rotate(leaf, angle, paper_level(leaf))
                leaf_total = leaf_total @ np.linalg.inv(_affine(m))
            leaf_steps.append({"step": "deskew", "angle_deg": round(angle, 2)})
        ruled = leaf
        if cfg.remove_rulings:
            leaf = remove_rulings(leaf)
            leaf_steps.append({"step": "remove-rulings"})
        if cfg.binarize:
            leaf = binarize(leaf)
            leaf_steps.append({"step": "binarize", "method": "adaptive-gaussian"})
        out.append(Prepared(np.ascontiguousarray(leaf), leaf_total[:2], leaf_steps, ruled=ruled))
    return out


def config_dict(cfg: PreprocessConfig) -> dict[str, Any]:
    return asdict(cfg)
