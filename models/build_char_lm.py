"""Build the character trigram language model (``models/char_lm``) from the punctuation corpus.

    python -m models.build_char_lm                                # ../shared/corpora/punct_train.jsonl.gz
    python -m models.build_char_lm --corpus PATH --out models/char_lm

Counts every unigram, bigram and trigram of the corpus's runs of Han characters (each run padded with ``^``
and ``$``), keeps bigrams seen at least ``--min-bigram`` times and trigrams ``--min-trigram`` times, and writes
``counts.tsv.gz`` and ``wenyuan.json``. Only the training split is read: the OCR re-scoring is measured on
real pages (``bench/ocr_real.py``), never built from them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

from models.char_lm import BOS, COUNTS_FILE, DEFAULT_DIR, EOS
from models.folder import METADATA_FILE
from wenyuan.chars import HAN

ROOT = Path(__file__).resolve().parent.parent
_RUN = re.compile(f"[{HAN}]+")


def count_ngrams(texts, min_bigram: int = 2, min_trigram: int = 3) -> tuple[dict[str, int], int]:
    """Pruned n-gram counts (orders 1–3) of the Han runs of ``texts``, and the number of characters."""
    uni: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    tri: Counter[str] = Counter()
    for text in texts:
        for run in _RUN.findall(text):
            padded = BOS + run + EOS
            uni.update(run)
            bi.update(padded[i : i + 2] for i in range(len(padded) - 1))
            tri.update(padded[i : i + 3] for i in range(len(padded) - 2))
    total = sum(uni.values())
    counts = dict(uni)
    counts.update({g: n for g, n in bi.items() if n >= min_bigram})
    counts.update({g: n for g, n in tri.items() if n >= min_trigram})
    return counts, total


def write_model(counts: dict[str, int], total: int, out: Path, corpus: Path, min_bigram: int, min_trigram: int):
    out.mkdir(parents=True, exist_ok=True)
    # Sorted, and no time stamp in the gzip header: the same corpus gives the same bytes.
    with (
        open(out / COUNTS_FILE, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as packed,
    ):
        packed.write("".join(f"{gram}\t{counts[gram]}\n" for gram in sorted(counts)).encode("utf-8"))
    meta = {
        "name": "wenyuan-char-lm",
        "architecture": "char-trigram-stupid-backoff.v1",
        "version": date.today().strftime("1.%y%m%d"),
        "corpus": corpus.name,
        "script": "simplified (readings mapped with OpenCC t2s)",
        "characters": total,
        "min_bigram": min_bigram,
        "min_trigram": min_trigram,
        "ngrams": len(counts),
    }
    (out / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "punct_train.jsonl.gz")
    ap.add_argument("--out", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--min-bigram", type=int, default=2)
    ap.add_argument("--min-trigram", type=int, default=3)
    args = ap.parse_args()
    from corpora.punct import iter_paragraphs

    texts = (text for _book, text in iter_paragraphs(args.corpus))
    counts, total = count_ngrams(texts, args.min_bigram, args.min_trigram)
    meta = write_model(counts, total, args.out, args.corpus, args.min_bigram, args.min_trigram)
    print(json.dumps(meta, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
