"""Evaluation metrics shared by tests, benches and training flows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two sequences (characters, usually)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def character_error_rate(hypothesis: str, reference: str) -> float:
    """Edit distance divided by the reference length (0 for an empty reference read as empty)."""
    if not reference:
        return float(bool(hypothesis))
    return edit_distance(hypothesis, reference) / len(reference)


def bag_error(hypothesis: Sequence, reference: Sequence) -> float:
    """Order-free error: ``(max(|h|, |r|) - |h ∩ r|) / |r|`` over the multisets of characters.

    A lower bound of the edit distance's rate, so the gap between the two is what reading order costs and
    the bag error alone is what recognition and detection cost.
    """
    if not reference:
        return float(bool(hypothesis))
    common = sum((Counter(hypothesis) & Counter(reference)).values())
    return (max(len(hypothesis), len(reference)) - common) / len(reference)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def punctuation_scores(pairs: Iterable[tuple[Sequence[str], Sequence[str]]], marks: Sequence[str]) -> dict[str, object]:
    """Score predicted against gold per-character labels ("O" = no mark).

    Returns segmentation F1 (a mark predicted where any mark is gold), punctuation F1 (micro over
    ``marks``: position and mark both right), and per-mark precision/recall/F1.
    """
    seg = Counter()
    per = {m: Counter() for m in marks}
    for pred, gold in pairs:
        if len(pred) != len(gold):
            raise ValueError(f"prediction has {len(pred)} labels, gold has {len(gold)}")
        for p, g in zip(pred, gold, strict=True):
            if p != "O" and g != "O":
                seg["tp"] += 1
            elif p != "O":
                seg["fp"] += 1
            elif g != "O":
                seg["fn"] += 1
            if p == g and p != "O":
                per[p]["tp"] += 1
            else:
                if p != "O":
                    per[p]["fp"] += 1
                if g != "O":
                    per[g]["fn"] += 1
    micro = Counter()
    for c in per.values():
        micro.update(c)
    return {
        "segmentation": _prf(seg["tp"], seg["fp"], seg["fn"]),
        "punctuation": _prf(micro["tp"], micro["fp"], micro["fn"]),
        "per_mark": {m: {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]} for m, c in per.items()},
    }
