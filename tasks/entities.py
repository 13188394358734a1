"""Lexicon entities: book titles (mined from the corpus's 《》 marks) and official titles (a hand list).

Matching runs on a per-character simplified form of the text, so offsets stay those of the original, and
prefers the longest entry at each position. Persons and places are not found yet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICONS = Path(__file__).resolve().parent.parent / "corpora" / "lexicons"


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str
    method: str


def _read(name: str, column: str) -> set[str]:
    with open(LEXICONS / name, encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {row[column] for row in rows if row[column]}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[str, str]]:
    """Simplified entry -> (kind, method)."""
    entries = {t: ("title", "title-lexicon") for t in _read("titles.tsv", "title")}
    entries.update({o: ("office", "office-lexicon") for o in _read("offices.tsv", "office")})
    return entries


def find_entities(text: str) -> list[Span]:
    """Non-overlapping lexicon matches in ``text``, longest first at each position."""
    from models.punctuator import to_model_script

    simple = "".join(to_model_script(c) for c in text)
    entries = lexicon()
    lengths = sorted({len(k) for k in entries}, reverse=True)
    spans, i = [], 0
    while i < len(simple):
        for n in lengths:
            if i + n > len(simple):
                continue
            hit = entries.get(simple[i : i + n])
            if hit:
                spans.append(Span(hit[0], i, i + n, text[i : i + n], hit[1]))
                i += n
                break
        else:
            i += 1
    return spans
