"""OCR-like noise for clean classical sentences: what the translator meets when the text comes from a scan.

The errors follow what ``bench/ocr_real.py`` shows on real woodblock pages: a character dropped (a worn or
faint stroke group the detector missed), a character read twice (a line crop overlapping its neighbour),
and a character read as one that looks like it (the bulk of recognition errors). Rates are per character;
the same seed gives the same noise.
"""

from __future__ import annotations

import random

# Pairs a recogniser confuses on worn prints (both directions), in simplified script like the corpus.
LOOK_ALIKES = [
    "己已巳",
    "未末",
    "土士",
    "日曰",
    "人入八",
    "大太犬",
    "天夭",
    "戊戌戍",
    "千干于",
    "刀力",
    "王玉壬",
    "木本",
    "目自",
    "田由甲申",
    "子孑",
    "儿几",
    "今令",
    "问间",
    "候侯",
    "拔拨",
    "亨享",
    "母毋",
    "失矢",
    "史吏",
    "折拆",
]
_SIMILAR = {c: group.replace(c, "") for group in LOOK_ALIKES for c in group}


def ocr_noise(text: str, rate: float = 0.05, seed: int = 0) -> str:
    """``text`` with about ``rate`` of its characters dropped, doubled or read as a look-alike (a third each
    when the character has a look-alike; dropped or doubled otherwise). Punctuation is left alone."""
    rng = random.Random(f"{seed}:{text}")
    out = []
    for ch in text:
        if not ("\u4e00" <= ch <= "\u9fff") or rng.random() >= rate:
            out.append(ch)
            continue
        kinds = ["drop", "double"] + (["similar"] if ch in _SIMILAR else [])
        kind = rng.choice(kinds)
        if kind == "double":
            out.append(ch + ch)
        elif kind == "similar":
            out.append(rng.choice(_SIMILAR[ch]))
    return "".join(out)
