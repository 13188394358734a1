"""A translation dev set of whole books the translator never trains on.

``cm_dev.tsv.gz`` shares its books with ``cm_train.tsv.gz``, so it measures how well a model knows those
books; every book an archive digitises is one the model has not seen. The books below are held out of
training entirely (``iter_pairs(..., exclude_books=UNSEEN_BOOKS)``) and a sample of their pairs is the dev set
models are selected, calibrated and shipped on. They cover the kinds of text the pipeline meets and the
corpus's main genre alike.

Reproduce the file with ``python -m corpora.unseen_books [--shared ../shared] [--out PATH]``: the selection is
a pure function of ``cm_train.tsv.gz`` (pairs spread evenly over each book, books interleaved), and the gzip
carries no timestamp, so the same corpus gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from corpora.parallel import Pair, iter_pairs

# Held-out book -> the kind of text it stands for.
UNSEEN_BOOKS: dict[str, str] = {
    "墨子": "pre-Qin philosopher",
    "陈书": "Tang-compiled dynastic history (Chen, 557–589)",
    "世说新语": "Six Dynasties anecdote collection",
    "梦溪笔谈": "Song notebook of essays",
    "易传": "commentary (the Ten Wings on the Book of Changes)",
}
PER_BOOK = 500
DEFAULT_NAME = "cm_unseen_dev.tsv.gz"


def unseen_dev_pairs(
    train_path: str | Path, books: Iterable[str] = tuple(UNSEEN_BOOKS), per_book: int = PER_BOOK
) -> list[Pair]:
    """Up to ``per_book`` cleaned pairs of each held-out book, spread evenly over it, books interleaved.

    Spread, not the first pairs: a book's first chapters are not the book. Interleaved, so that any evenly
    spread subset a training run evaluates on holds every book.
    """
    wanted = set(books)
    by_book: dict[str, list[Pair]] = defaultdict(list)
    for pair in iter_pairs(train_path):
        if pair.book in wanted:
            by_book[pair.book].append(pair)
    missing = wanted - set(by_book)
    if missing:
        raise ValueError(f"{train_path}: no pairs of the held-out book(s) {', '.join(sorted(missing))}")
    picked = []
    for book in sorted(by_book):
        pairs = by_book[book]
        n = min(per_book, len(pairs))
        picked.append([pairs[i * len(pairs) // n] for i in range(n)])
    longest = max(map(len, picked))
    return [group[i] for i in range(longest) for group in picked if i < len(group)]


def write_pairs(pairs: Iterable[Pair], out: str | Path) -> Path:
    """Write ``pairs`` as a ``book chapter src tgt`` TSV, gzipped without a timestamp (same pairs, same bytes)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["book\tchapter\tsrc\ttgt"] + [f"{p.book}\t{p.chapter}\t{p.src}\t{p.tgt}" for p in pairs]
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    tmp.replace(out)
    return out


def dev_set_id(path: str | Path) -> str:
    """A name for a dev set's content: its file name and a checksum of its cleaned pairs.

    Scores are only compared between models measured on the same pairs; the checksum says when they were.
    """
    digest = hashlib.sha256()
    for p in iter_pairs(path):
        digest.update(f"{p.src}\t{p.tgt}\n".encode())
    return f"{Path(path).name} sha256:{digest.hexdigest()[:12]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"), help="the shared data folder")
    parser.add_argument("--train", type=Path, default=None, help="cm_train.tsv.gz (default: under --shared)")
    parser.add_argument("--out", type=Path, default=Path("runs") / DEFAULT_NAME)
    parser.add_argument("--per-book", type=int, default=PER_BOOK)
    args = parser.parse_args(argv)
    train = args.train or args.shared / "corpora" / "cm_train.tsv.gz"
    pairs = unseen_dev_pairs(train, per_book=args.per_book)
    write_pairs(pairs, args.out)
    counts = ", ".join(f"{book} {sum(p.book == book for p in pairs)}" for book in UNSEEN_BOOKS)
    print(f"{args.out}: {len(pairs)} pairs ({counts}); {dev_set_id(args.out)}")


if __name__ == "__main__":
    main()
