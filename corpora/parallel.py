"""Classical→modern parallel sentences (``cm_*.tsv.gz``): a streaming loader with the cleaning they need.

The corpus (NiuTrans Classical-Modern, MIT licence) has known quirks (``../shared/corpora/SOURCES.md``):
quotation marks dropped and replaced by a bare space, ``**`` placeholders for characters the source could not
encode, and ``原文`` headings glued to the front of some translations. Pairs are cleaned or dropped here, and
every drop is counted by reason so a training run can say what it left out.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wenyuan.errors import CorpusError

_SPACES = re.compile(r"\s+")
_HEADING = re.compile(r"^【?原文】?")


@dataclass(frozen=True)
class Pair:
    """One aligned sentence pair."""

    book: str
    chapter: str
    src: str
    tgt: str


@dataclass
class CleaningConfig:
    """What counts as a usable pair.

    Attributes:
        max_chars: longer sources or targets are dropped (they are rare and mostly misalignments).
        min_ratio: targets shorter than ``min_ratio`` × source are dropped (truncated translations).
        max_ratio: targets longer than ``max_ratio`` × source + 10 are dropped (paraphrase or misalignment).
    """

    max_chars: int = 160
    min_ratio: float = 0.5
    max_ratio: float = 4.0


@dataclass
class DropReport:
    """Counts of pairs read, kept and dropped (by reason)."""

    read: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"read": self.read, "kept": self.kept, "dropped": dict(self.dropped)}


def clean_text(text: str) -> str:
    """Remove the spaces dropped quotation marks left behind (Chinese text has no spaces)."""
    return _SPACES.sub("", text)


def clean_pair(src: str, tgt: str, cfg: CleaningConfig) -> tuple[str, str] | str:
    """Return the cleaned ``(src, tgt)``, or the reason the pair is dropped."""
    src, tgt = clean_text(src), clean_text(tgt)
    # A reading of the sources alone (min_ratio 0: the punctuator's) takes rows without a translation.
    needs_target = cfg.min_ratio > 0
    if not src or (needs_target and not tgt):
        return "empty"
    if "**" in src or "**" in tgt:
        return "placeholder **"
    if _HEADING.match(tgt):
        tgt = _HEADING.sub("", tgt, count=1)
        src = _HEADING.sub("", src, count=1)
    if not src or (needs_target and not tgt):
        return "empty"
    if len(src) > cfg.max_chars or len(tgt) > cfg.max_chars:
        return "too long"
    if len(tgt) < cfg.min_ratio * len(src):
        return "target too short"
    if len(tgt) > cfg.max_ratio * len(src) + 10:
        return "target too long"
    return src, tgt


def iter_pairs(
    path: str | Path,
    cfg: CleaningConfig | None = None,
    report: DropReport | None = None,
    exclude_books: Collection[str] = (),
) -> Iterator[Pair]:
    """Stream cleaned pairs from a ``book chapter src tgt`` TSV (gzipped or plain).

    Args:
        path: the corpus file.
        cfg: cleaning thresholds (defaults: :class:`CleaningConfig`).
        report: filled in with what was read, kept and dropped.
        exclude_books: books left out whole (counted as ``held-out book``): the unseen-book dev set's.

    Raises:
        CorpusError: naming the file when it cannot be read (not gzip, truncated) or its header is not
            ``book chapter src tgt``.
    """
    cfg = cfg or CleaningConfig()
    report = report if report is not None else DropReport()
    path = Path(path)
    try:
        yield from _read_pairs(path, cfg, report, frozenset(exclude_books))
    except (OSError, EOFError, csv.Error) as exc:
        raise CorpusError(f"{path}: cannot be read as a gzipped TSV corpus ({exc})") from exc


def _read_pairs(path: Path, cfg: CleaningConfig, report: DropReport, exclude: frozenset[str]) -> Iterator[Pair]:
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as text:
        rows = csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header != ["book", "chapter", "src", "tgt"]:
            raise CorpusError(f"{path}: expected a TSV header 'book chapter src tgt', found {header!r}")
        for row in rows:
            report.read += 1
            if len(row) != 4:
                report.dropped["malformed row"] += 1
                continue
            if row[0] in exclude:
                report.dropped["held-out book"] += 1
                continue
            cleaned = clean_pair(row[2], row[3], cfg)
            if isinstance(cleaned, str):
                report.dropped[cleaned] += 1
                continue
            report.kept += 1
            yield Pair(row[0], row[1], *cleaned)
