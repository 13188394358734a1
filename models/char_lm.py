"""A character trigram language model of classical Chinese, and the OCR re-scoring that uses it.

The recogniser reads one line at a time and knows nothing of the language: where a worn stroke leaves it in
doubt between look-alikes (己/已/巳, 未/末), the text around the character usually settles it. The model is a
count-based trigram model with stupid backoff (Brants et al. 2007) over the Han characters of the punctuation
corpus (``punct_train``: 323 books, 25 M characters), in simplified script as the corpus is; readings are
mapped to simplified characters (OpenCC ``t2s``) before they are scored, so variant forms share their counts.

The folder ``models/char_lm`` holds ``counts.tsv.gz`` (``n-gram <TAB> count``, pruned) and ``wenyuan.json``
(name, version, corpus, pruning); ``python -m models.build_char_lm`` rebuilds it.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.folder import read_metadata
from wenyuan.errors import ModelLoadError
from wenyuan.script import simplified_char

DEFAULT_DIR = Path(__file__).resolve().parent / "char_lm"
COUNTS_FILE = "counts.tsv.gz"
#: sentence-boundary symbols of the counts (a run of Han characters is one "sentence")
BOS, EOS = "^", "$"
#: stupid backoff's factor for each order dropped
BACKOFF = 0.4


@dataclass(frozen=True)
class Rescoring:
    """When and how much the language model may change a reading.

    Attributes:
        below: only characters read with a confidence below this are reconsidered.
        weight: the language model's log-probability weight against the recogniser's.
    """

    below: float = 0.9
    weight: float = 0.5


class CharTrigramLM:
    """Trigram counts with stupid backoff; log-scores of a character given the two before it."""

    def __init__(self, counts: dict[str, int], total: int, name: str = "", version: str = ""):
        self.counts = counts
        self.total = max(1, total)
        self.name = name
        self.version = version

    @classmethod
    def from_pretrained(cls, folder: str | Path = DEFAULT_DIR) -> CharTrigramLM:
        path = Path(folder) / COUNTS_FILE
        if not path.exists():
            raise ModelLoadError(f"{path}: character language model counts missing")
        counts: dict[str, int] = {}
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    gram, _, n = line.rstrip("\n").partition("\t")
                    counts[gram] = int(n)
        except (OSError, EOFError, ValueError) as exc:  # not gzip, truncated, not UTF-8, a count not a number
            raise ModelLoadError(f"{path}: corrupt character language model counts ({exc})") from exc
        meta = read_metadata(folder)
        return cls(counts, int(meta.get("characters", 0)), meta.get("name", ""), meta.get("version", ""))

    def log_prob(self, a: str, b: str, c: str) -> float:
        """log P(c | a b), backing off to bigram and unigram relative frequencies."""
        counts = self.counts
        abc, ab = counts.get(a + b + c), counts.get(a + b)
        if abc and ab:
            return math.log(abc / ab)
        bc, b1 = counts.get(b + c), counts.get(b) if b not in (BOS, EOS) else None
        if bc:
            return math.log(BACKOFF * bc / (b1 or self.total))
        return math.log(BACKOFF * BACKOFF * (counts.get(c, 0) + 0.5) / self.total)

    def window_score(self, context: Sequence[str], i: int) -> float:
        """Log-probability of the three trigrams that hold position ``i`` of ``context`` (padded)."""
        return (
            self.log_prob(context[i - 2], context[i - 1], context[i])
            + self.log_prob(context[i - 1], context[i], context[i + 1])
            + self.log_prob(context[i], context[i + 1], context[i + 2])
        )


def rescore_readings(
    readings: list[str],
    confidences: list[float | None],
    alternatives: list[list[tuple[str, float]] | None],
    lm: CharTrigramLM,
    rescoring: Rescoring = Rescoring(),
) -> list[int]:
    """For each doubtful character, the index of its alternative that reads best in context.

    Pure: returns, per character, the chosen alternative's index (-1 where the reading stands); left to
    right, each choice becomes context for the next.
    """
    simple = [simplified_char(r) for r in readings]
    context = [BOS, BOS, *simple, EOS, EOS]
    chosen = [-1] * len(readings)
    for k, (conf, alts) in enumerate(zip(confidences, alternatives, strict=True)):
        if conf is None or conf >= rescoring.below or not alts or len(alts) < 2:
            continue
        i = k + 2
        best, best_score = -1, -math.inf
        for j, (reading, prob) in enumerate(alts):
            if prob <= 0:
                continue
            context[i] = simplified_char(reading)
            score = math.log(prob) + rescoring.weight * lm.window_score(context, i)
            if score > best_score:
                best, best_score = j, score
        context[i] = simplified_char(alts[best][0]) if best >= 0 else simple[k]
        chosen[k] = best
    return chosen


_LOAD_LOCK = threading.Lock()


def load_char_lm(folder: str = str(DEFAULT_DIR)) -> CharTrigramLM:
    """Load (once per process, whatever the threads) the character language model folder."""
    with _LOAD_LOCK:  # page threads start together: one load (0.5 GB), not one each
        return _load(folder)


@lru_cache(maxsize=2)
def _load(folder: str) -> CharTrigramLM:
    return CharTrigramLM.from_pretrained(folder)


@lru_cache(maxsize=4)
def counts_checksum(folder: str = str(DEFAULT_DIR)) -> str:
    """SHA-256 of the counts file: page caches key on it (a rebuild the same day changes it too)."""
    return hashlib.sha256((Path(folder) / COUNTS_FILE).read_bytes()).hexdigest()[:16]
