"""The characters too common to be read as a one-character given name: ``python -m entities.mining.common_chars``.

Histories name a person in full once (陈桷, 牛皋) and by the given name alone after (桷入乱兵中). Where that name
is one character, it is only a name if the character is rare as a word: 桷 and 皋 are, 之 and 军 are not. A sample
of 400 ``cm_train.tsv.gz`` chapters (the full name found in the chapter, its given name at the start of a clause)
showed how often the corpus's translation writes the full name there, by the character's frequency in
``punct_train.jsonl.gz``: 75 % under 100 per million, 69 % under 200, about 50 % from 200 to 500, 28 % from 500
to 1,000 and 10 % above. Translators often write 他 for the name, so the true rates are higher; the line is drawn
at 500 per million. So read (with the rest of :func:`entities.document_names.given_names`), 39 of a random 50
one-character names found over 300 other chapters were the person named in full; the rest were parts of longer
names (章 of 章邯) or words (丰俭, 咸 "all").

Written (simplified script, with frequencies per million Han characters) to
``corpora/lexicons/common_chars.tsv``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from corpora.punct import iter_paragraphs
from entities.lexicons import LEXICONS
from entities.vocabulary import name_form
from wenyuan.chars import is_han_text
from wenyuan.script import simplified_chars

ROOT = Path(__file__).resolve().parents[2]
OUT = LEXICONS / "common_chars.tsv"
PER_MILLION = 500.0


def common_characters(texts: Iterable[str], per_million: float = PER_MILLION) -> dict[str, float]:
    """Han characters (in the models' simplified script) making up at least ``per_million`` of every million
    Han characters of ``texts``, with that frequency, most frequent first."""

    # The form find_entities matches names in.
    counts = Counter(ch for text in texts for ch in name_form(simplified_chars(text)) if is_han_text(ch))
    total = sum(counts.values()) or 1
    rates = {ch: n / total * 1e6 for ch, n in counts.most_common()}
    return {ch: round(rate, 1) for ch, rate in rates.items() if rate >= per_million}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--punct", type=Path, default=ROOT.parent / "shared" / "corpora" / "punct_train.jsonl.gz")
    ap.add_argument("--per-million", type=float, default=PER_MILLION)
    args = ap.parse_args()
    if not args.punct.is_file():
        ap.error(f"{args.punct}: corpus not found (pass --punct, or put ../shared beside the checkout)")
    common = common_characters((text for _, text in iter_paragraphs(args.punct)), args.per_million)
    # Names the miner's path before issue #40, like the shipped file's header: update it at the next re-mining.
    header = (
        f"# Characters at >= {args.per_million:g} per million Han characters of {args.punct.name} (NiuTrans\n"
        "# Classical-Modern corpus, MIT), by corpora/mine_common_chars.py: too common to be read as a one-character\n"
        "# given name; simplified.\n"
        "char\tper_million\n"
    )
    OUT.write_text(header + "".join(f"{ch}\t{rate}\n" for ch, rate in common.items()), encoding="utf-8")
    print(f"{len(common)} characters -> {OUT}")


if __name__ == "__main__":
    main()
