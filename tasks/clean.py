"""Cleaning: Unicode normalisation, variant characters, simplified-form leaks and OCR junk.

Every change is recorded as an :class:`~wenyuan.document.Edit` and the reading before it is kept in
``Char.orig``, so the TEI edition can show ``choice/orig+reg`` and nothing the OCR read is lost.

Variant policy: old-form glyph variants are regularised to the Taiwan-standard traditional form with the
project's curated table ``corpora/lexicons/variants.tsv`` (爲→為, 衆→眾); semantic variants (纔/才, 着/著)
are left alone. A simplified form the recogniser sometimes emits inside traditional text (鲜) is mapped to
its traditional form when it is not itself a traditional character (OpenCC's tables, Apache-2.0).
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from wenyuan.chars import is_cjk
from wenyuan.document import Book, Char, Edit


@dataclass
class CleanConfig:
    """Cleaning settings.

    Attributes:
        normalize_variants: regularise variant forms to the standard traditional form.
        fix_simplified: map simplified-only forms to traditional.
        drop_junk: remove isolated Latin letters, digits and symbols in CJK lines (OCR of specks).
        junk_max_run: a non-CJK run at most this long inside a CJK line counts as junk.
    """

    normalize_variants: bool = True
    fix_simplified: bool = True
    drop_junk: bool = True
    junk_max_run: int = 2


def _opencc_table(name: str) -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / name
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        key, values = line.split("\t", 1)
        first = values.split()[0] if values.split() else ""
        if len(key) == 1 and len(first) == 1:
            table[key] = first
    return table


VARIANTS_FILE = Path(__file__).resolve().parent.parent / "corpora" / "lexicons" / "variants.tsv"


@lru_cache(maxsize=1)
def variant_table() -> dict[str, str]:
    """Single-character variant regularisations from ``corpora/lexicons/variants.tsv``."""
    table = {}
    for line in VARIANTS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            variant, standard = line.split("\t")[:2]
            table[variant] = standard
    return table


@lru_cache(maxsize=1)
def simplified_only_table() -> dict[str, str]:
    """Simplified characters that are not also traditional characters, to their traditional form."""
    import opencc

    traditional: set[str] = set(_opencc_table("TSCharacters.txt"))
    st_path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    for line in st_path.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            traditional.update(line.split("\t", 1)[1].split())
    return {k: v for k, v in _opencc_table("STCharacters.txt").items() if k not in traditional}


def normalize_char(ch: str, cfg: CleanConfig) -> tuple[str, str] | None:
    """The regularised form of one character and why, or None when it stays."""
    out = unicodedata.normalize("NFC", ch)
    reason = "unicode-nfc" if out != ch else ""
    if "\u2f00" <= out <= "\u2fdf" or "\u2e80" <= out <= "\u2eff":  # Kangxi radicals read for ideographs
        nfkc = unicodedata.normalize("NFKC", out)
        if nfkc != out:
            out, reason = nfkc, "radical-to-ideograph"
    if cfg.fix_simplified and out in simplified_only_table():
        out, reason = simplified_only_table()[out], "simplified-form"
    if cfg.normalize_variants and out in variant_table():
        out, reason = variant_table()[out], "variant"
    return (out, reason) if out != ch else None


def mostly_cjk(chars: list[str]) -> bool:
    """At least 60 % of ``chars`` are CJK ideographs."""
    return bool(chars) and sum(is_cjk(c) for c in chars) >= 0.6 * len(chars)


def junk_positions(chars: list[str], max_run: int, cjk_context: bool | None = None) -> set[int]:
    """Indices of short non-CJK runs in a line of CJK text (specks read as letters or marks).

    Args:
        chars: the line's characters.
        max_run: longer non-CJK runs are kept (real Latin or numbers, not specks).
        cjk_context: whether the surrounding page is CJK text; by default the line itself decides, so a
            line that is only a speck ("K") is judged by its page when the page is given.
    """
    if not chars:
        return set()
    cjk = [is_cjk(c) for c in chars]
    if not (mostly_cjk(chars) if cjk_context is None else cjk_context):
        return set()
    out: set[int] = set()
    i = 0
    while i < len(chars):
        if cjk[i]:
            i += 1
            continue
        j = i
        while j < len(chars) and not cjk[j]:
            j += 1
        if j - i <= max_run:
            out.update(range(i, j))
        i = j
    return out


def clean_book(book: Book, cfg: CleanConfig | None = None) -> Book:
    """Apply cleaning to every line of ``book`` in place, recording each edit; returns the book."""
    cfg = cfg or CleanConfig()
    for page in book.pages:
        page_is_cjk = mostly_cjk([c.text for line in page.lines() for c in line.chars])
        for line in page.lines():
            drop = (
                junk_positions([c.text for c in line.chars], cfg.junk_max_run, page_is_cjk or None)
                if cfg.drop_junk
                else set()
            )
            kept: list[Char] = []
            for i, ch in enumerate(line.chars):
                if i in drop:
                    book.edits.append(
                        Edit(page=page.id, line=line.id, index=i, before=ch.text, after="", reason="ocr-junk")
                    )
                    continue
                change = normalize_char(ch.text, cfg)
                if change:
                    book.edits.append(
                        Edit(page=page.id, line=line.id, index=i, before=ch.text, after=change[0], reason=change[1])
                    )
                    ch.orig = ch.orig or ch.text
                    ch.text = change[0]
                kept.append(ch)
            line.chars = kept
    book.add_step("clean", "wenyuan.clean", **asdict(cfg))
    return book
