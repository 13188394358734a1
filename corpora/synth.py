"""Synthetic woodblock-style pages with exact ground truth, for tests, the sample book and benches.

Pages are laid out as traditional books are: vertical columns read right to left inside a ruled frame,
optional two registers (上下欄) read top register first, and runs of double-column commentary (雙行小注)
in small characters, right sub-column before left. Degradations (paper texture, ink bleed, blur, noise,
skew, a dark scanner border) make the images harder than a clean rendering. The ground truth gives every
line (column or sub-column) in reading order with its kind, text, box and one box per character.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/cwtex/cwkai.ttf",
    "/usr/share/fonts/truetype/cwtex/cwming.ttf",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


def available_fonts() -> list[str]:
    """Installed CJK fonts the generator can use (Debian fonts-arphic-*, fonts-cwtex-*, fonts-noto-cjk)."""
    return [f for f in FONT_CANDIDATES if Path(f).exists()]


@dataclass
class PageSpec:
    """Layout and degradation settings of one synthetic page."""

    width: int = 1400
    height: int = 2000
    columns: int = 10
    char_size: int = 64
    registers: int = 1
    commentary_prob: float = 0.3
    skew_deg: float = 0.0
    blur: float = 0.6
    noise: float = 6.0
    border: bool = True
    fold: bool = True
    font: str | None = None
    seed: int = 0


@dataclass
class GTLine:
    kind: str  # "main" or "commentary"
    text: str
    box: tuple[int, int, int, int]
    char_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)


def _draw_column_chars(draw, font, chars, x0, y0, size, pitch):
    boxes = []
    for i, ch in enumerate(chars):
        y = y0 + i * pitch
        bbox = draw.textbbox((0, 0), ch, font=font)
        w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
        draw.text((x0 + (size - w) / 2 - bbox[0], y + (size - h) / 2 - bbox[1]), ch, font=font, fill=18)
        boxes.append((x0, y, x0 + size, y + size))
    return boxes


def render_page(text: str, spec: PageSpec) -> tuple[Image.Image, list[GTLine], str]:
    """Render as much of ``text`` as fits on one page.

    Returns:
        The page image (grayscale), its lines in reading order, and the unused rest of ``text``.
    """
    rng = random.Random(spec.seed)
    fonts = available_fonts()
    if not fonts:
        raise RuntimeError("no CJK font installed: apt-get install fonts-arphic-ukai fonts-arphic-uming")
    font_path = spec.font or rng.choice(fonts)
    big = ImageFont.truetype(font_path, spec.char_size)
    small_size = spec.char_size // 2 - 2
    small = ImageFont.truetype(font_path, small_size)
    paper = 232 + rng.randint(-8, 8)
    img = Image.new("L", (spec.width, spec.height), paper)
    draw = ImageDraw.Draw(img)
    margin_x, margin_y = int(spec.width * 0.07), int(spec.height * 0.08)
    frame = (margin_x, margin_y, spec.width - margin_x, spec.height - margin_y)
    draw.rectangle(frame, outline=25, width=6)
    draw.rectangle((frame[0] + 10, frame[1] + 10, frame[2] - 10, frame[3] - 10), outline=40, width=2)
    inner_x0, inner_x1 = frame[0] + 14, frame[2] - 14
    fold_w = int(spec.char_size * 1.2) if spec.fold else 0
    usable = inner_x1 - inner_x0 - fold_w
    col_w = usable // spec.columns
    pitch = int(spec.char_size * 1.08)
    small_pitch = small_size + 3
    # Column x positions, right to left, skipping the fold (版心) in the middle.
    xs = []
    for c in range(spec.columns):
        right = inner_x1 - c * col_w - (fold_w if c >= spec.columns // 2 else 0)
        xs.append(right - col_w)
    for c in range(spec.columns + 1):
        right = (
            inner_x1 - c * col_w - (fold_w if c > spec.columns // 2 or (c == spec.columns // 2 and fold_w == 0) else 0)
        )
        if 0 < c < spec.columns:
            draw.line((right, frame[1] + 12, right, frame[3] - 12), fill=70, width=2)
    if fold_w:
        fx0 = inner_x1 - (spec.columns // 2) * col_w - fold_w
        draw.line((fx0, frame[1] + 12, fx0, frame[3] - 12), fill=70, width=2)
        draw.line((fx0 + fold_w, frame[1] + 12, fx0 + fold_w, frame[3] - 12), fill=70, width=2)
        # The fish-tail (魚尾) mark of the fold: a solid wedge, no text.
        cx, ty = fx0 + fold_w // 2, frame[1] + int(spec.height * 0.18)
        draw.polygon(
            [(fx0 + 6, ty), (fx0 + fold_w - 6, ty), (fx0 + fold_w - 6, ty + 40), (cx, ty + 22), (fx0 + 6, ty + 40)],
            fill=30,
        )
    reg_y = [(frame[1] + 16, frame[3] - 16)]
    if spec.registers == 2:
        mid = (frame[1] + frame[3]) // 2
        draw.line((frame[0], mid, frame[2], mid), fill=30, width=4)
        reg_y = [(frame[1] + 16, mid - 14), (mid + 14, frame[3] - 16)]
    lines: list[GTLine] = []
    pos = 0
    for y_top, y_bot in reg_y:
        slots = (y_bot - y_top) // pitch
        for x in xs:
            if pos >= len(text):
                break
            x_main = x + (col_w - spec.char_size) // 2
            y = y_top
            used = 0
            after_note = False
            while used < slots and pos < len(text):
                remaining = slots - used
                # Two commentary runs back to back would read as one; main text always separates them.
                if not after_note and rng.random() < spec.commentary_prob and remaining >= 3:
                    after_note = True
                    # A commentary run: two sub-columns of small characters filling k main slots.
                    per_sub_max = (min(remaining, 6) * pitch) // small_pitch
                    n = min(len(text) - pos, rng.randint(4, 2 * per_sub_max))
                    k = -(-((n + 1) // 2) * small_pitch // pitch)  # main slots the run fills
                    run = text[pos : pos + n]
                    right_chars, left_chars = run[: (n + 1) // 2], run[(n + 1) // 2 :]
                    half = col_w // 2
                    for sub_chars, sx in ((right_chars, x + half), (left_chars, x)):
                        if not sub_chars:
                            continue
                        sx0 = sx + (half - small_size) // 2
                        boxes = _draw_column_chars(draw, small, sub_chars, sx0, y, small_size, small_pitch)
                        lines.append(GTLine("commentary", sub_chars, (sx0, y, sx0 + small_size, boxes[-1][3]), boxes))
                    pos += n
                    used += k
                    y += k * pitch
                else:
                    after_note = False
                    k = min(remaining, len(text) - pos, rng.randint(3, slots))
                    chars = text[pos : pos + k]
                    boxes = _draw_column_chars(draw, big, chars, x_main, y, spec.char_size, pitch)
                    if (
                        lines
                        and lines[-1].kind == "main"
                        and lines[-1].box[0] == x_main
                        and lines[-1].box[3] >= y - pitch
                    ):
                        prev = lines[-1]
                        prev.text += chars
                        prev.char_boxes.extend(boxes)
                        prev.box = (prev.box[0], prev.box[1], prev.box[2], boxes[-1][3])
                    else:
                        lines.append(GTLine("main", chars, (x_main, y, x_main + spec.char_size, boxes[-1][3]), boxes))
                    pos += k
                    used += k
                    y += k * pitch
    img = _degrade(img, spec, rng, paper)
    return img, lines, text[pos:]


def _degrade(img: Image.Image, spec: PageSpec, rng: random.Random, paper: int) -> Image.Image:
    nrng = np.random.default_rng(spec.seed)
    arr = np.asarray(img).astype(np.float32)
    # Paper fibre texture: low-frequency blotches plus grain.
    blotch = nrng.normal(0, 1, (spec.height // 40 + 1, spec.width // 40 + 1)).astype(np.float32)
    blotch = np.asarray(Image.fromarray(blotch).resize((spec.width, spec.height), Image.BICUBIC))
    arr = arr + blotch * 5 + nrng.normal(0, spec.noise, arr.shape)
    if spec.fold:
        # Darkening towards the page centre where the leaf is folded.
        xs = np.linspace(-1, 1, spec.width)
        arr -= 18 * np.exp(-(xs**2) / 0.002)[None, :]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if spec.blur:
        img = img.filter(ImageFilter.GaussianBlur(spec.blur))
    if spec.skew_deg:
        img = img.rotate(spec.skew_deg, resample=Image.BICUBIC, expand=False, fillcolor=paper)
    if spec.border:
        # A dark scanner bed around the leaf.
        pad = rng.randint(20, 50)
        canvas = Image.new("L", (img.width + 2 * pad, img.height + 2 * pad), 20)
        canvas.paste(img, (pad, pad))
        img = canvas
    return img


def _offset_lines(lines: list[GTLine], spec: PageSpec, img: Image.Image) -> list[dict]:
    pad = (img.width - spec.width) // 2

    def shift(b):
        return [b[0] + pad, b[1] + pad, b[2] + pad, b[3] + pad]

    return [
        {"kind": ln.kind, "text": ln.text, "box": shift(ln.box), "char_boxes": [shift(b) for b in ln.char_boxes]}
        for ln in lines
    ]


def generate_book(
    text: str,
    out_dir: str | Path,
    pages: int,
    seed: int = 0,
    fmt: str = "png",
    two_registers_every: int = 4,
    **spec_overrides,
) -> list[dict]:
    """Render up to ``pages`` pages of ``text`` into ``out_dir`` with ``ground_truth.json``.

    Pages vary in font, skew and degradation; every ``two_registers_every``-th page has two registers.
    Returns the ground truth:
    per page, the image file name, the text in reading order and the lines.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    truth = []
    rest = text
    for i in range(pages):
        if not rest:
            break
        spec = PageSpec(
            seed=seed * 1000 + i,
            skew_deg=rng.uniform(-1.5, 1.5),
            blur=rng.uniform(0.3, 1.0),
            noise=rng.uniform(3, 9),
            registers=2 if i % two_registers_every == two_registers_every - 1 else 1,
            **spec_overrides,
        )
        img, lines, rest = render_page(rest, spec)
        name = f"page_{i + 1:04d}.{fmt}"
        img.save(out / name, **({"quality": 88} if fmt == "jpg" else {}))
        gt_lines = _offset_lines(lines, spec, img)
        truth.append(
            {
                "image": name,
                "text": "".join(ln["text"] for ln in gt_lines),
                "lines": gt_lines,
                "skew_deg": spec.skew_deg,
                "registers": spec.registers,
            }
        )
    (out / "ground_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth
