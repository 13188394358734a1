"""Loader for the real woodblock pages in ``../shared/realpages`` (scored on, never shipped or trained on).

Two sets, as the folder's README describes them:

* ``dzj-dev``: full pages of three canon editions with the canon platform's own OCR (the baseline) and the
  digital-edition text aligned to the page (from another print: a reference only after punctuation is
  stripped and both sides are converted to simplified characters);
* ``tripitaka-simple``: thumbnails with diplomatic, column-by-column transcriptions (JX pages are large enough
  to score recognition; GL pages serve layout only).

Nothing here copies a page into the repository: every path points into the shared folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "realpages"

#: dzj-dev pages whose aligned text is shorter than the page (the README): layout work only, no CER.
DZJ_PARTIAL_REFERENCE = frozenset({"YB_22_389", "YB_22_476", "YB_22_555", "YB_22_759", "YB_22_916", "QL_25_16"})


@dataclass
class RealPage:
    """One real page and what is known of it."""

    id: str
    set: str  # "dzj-dev" or "tripitaka-simple"
    edition: str  # YB, QL, GL, JX
    image: Path
    #: reference text, one line per column or edition line (None when the page serves layout only)
    reference: list[str] | None
    #: the platform's or upstream OCR, one line per column, in reading order (None when there is none)
    baseline: list[str] | None = None
    #: how many registers (上下欄) the platform found; None when unknown
    registers: int | None = None
    #: how many columns hold small (commentary) characters, by the platform's flags; None when unknown
    commentary_columns: int | None = None
    extra: dict = field(default_factory=dict)


def _lines(path: Path) -> list[str]:
    return [ln.rstrip("\n") for ln in path.read_text(encoding="utf-8").splitlines()]


def iter_dzj(root: Path) -> Iterator[RealPage]:
    folder = root / "dzj-dev"
    for image in sorted(folder.glob("*.jpg")):
        pid = image.stem
        record = json.loads((folder / f"{pid}.chars.json").read_text(encoding="utf-8"))
        small_columns = {(c.get("block_no"), c.get("column_no")) for c in record.get("chars", []) if c.get("is_small")}
        yield RealPage(
            id=pid,
            set="dzj-dev",
            edition=pid.split("_")[0],
            image=image,
            reference=None if pid in DZJ_PARTIAL_REFERENCE else _lines(folder / f"{pid}.cb.txt"),
            baseline=_lines(folder / f"{pid}.ocr.txt"),
            registers=len(record.get("blocks", [])) or None,
            commentary_columns=len(small_columns),
            extra={"layout": record.get("layout", "")},
        )


def iter_simple(root: Path) -> Iterator[RealPage]:
    folder = root / "tripitaka-simple"
    for entry in json.loads((folder / "manifest.json").read_text(encoding="utf-8")):
        pid, edition = entry["id"], entry["edition"]
        gt = _lines(folder / entry["gt"])
        boxes = json.loads((folder / entry["boxes"]).read_text(encoding="utf-8"))
        upstream = [c.get("ocr_text") for c in boxes.get("columns", [])]
        if edition == "GL":
            gt = gt[1:]  # line 0 is the sheet-header strip, not text (README)
        yield RealPage(
            id=pid,
            set="tripitaka-simple",
            edition=edition,
            image=folder / entry["image"],
            # GL thumbnails are too small to score recognition on (README): layout only.
            reference=gt if edition == "JX" else None,
            baseline=upstream if upstream and all(upstream) else None,
            extra={"reference_lines": gt},
        )


def iter_real_pages(root: Path | None = None) -> Iterator[RealPage]:
    """Every page of both sets; raises ``FileNotFoundError`` naming the folder when it is absent."""
    root = Path(root) if root else DEFAULT_ROOT
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: the shared real pages are not here (see ../shared/realpages/README.md)")
    if (root / "dzj-dev").is_dir():
        yield from iter_dzj(root)
    if (root / "tripitaka-simple").is_dir():
        yield from iter_simple(root)
