"""The word lists the annotator reads: the shipped lexicons of ``corpora/lexicons/`` (persons, places,
polities, regions, legendary figures, book titles, offices, common characters) with their lookup and
checksum, and the common words of modern Chinese from jieba's dictionary."""

from __future__ import annotations

import csv
import hashlib
from functools import lru_cache
from pathlib import Path

import corpora
from entities.vocabulary import DETERMINERS
from wenyuan.script import simplified_chars

#: The shipped lexicons: data, so they stay with the corpora.
LEXICONS = Path(corpora.__file__).resolve().parent / "lexicons"


def lexicons_checksum() -> str:
    """SHA-256 over the shipped lexicons (names, offices, titles, eras): the annotate stage's cache keys on it,
    so a regenerated lexicon re-runs annotation."""
    digest = hashlib.sha256()
    for f in sorted(p for p in LEXICONS.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(LEXICONS)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


def read_lexicon(name: str, column: str) -> set[str]:
    """The entries of one shipped lexicon file (``column`` of ``corpora/lexicons/NAME``)."""
    with open(LEXICONS / name, encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {row[column] for row in rows if row[column]}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[str, str]]:
    """Simplified entry -> (kind, method)."""
    entries = {p: ("place", "place-lexicon") for p in read_lexicon("places.tsv", "place")}
    entries.update({p: ("place", "polity-lexicon") for p in read_lexicon("polities.tsv", "polity")})
    entries.update({r: ("place", "region-lexicon") for r in read_lexicon("regions.tsv", "region")})
    entries.update({p: ("person", "person-lexicon") for p in read_lexicon("persons.tsv", "person")})
    entries.update({p: ("person", "legend-lexicon") for p in read_lexicon("legendary.tsv", "person")})
    entries.update({t: ("title", "title-lexicon") for t in read_lexicon("titles.tsv", "title")})
    entries.update({o: ("office", "office-lexicon") for o in read_lexicon("offices_mined.tsv", "office")})
    entries.update({o: ("office", "office-lexicon") for o in read_lexicon("offices.tsv", "office")})
    # Text is matched in the models' script, where a traditional character the corpus kept is simplified
    # (刘鄩 is read 刘𬩽, 李勣 李𪟝): each entry is matched in that form too, unless the form is an entry already
    # or its first character became a determiner the miner did not know in its traditional form (於南山 is
    # 于 "at" + 南山); a determiner kept as it was is the entry's own (知罃, read 知䓨).
    for entry, hit in list(entries.items()):
        form = simplified_chars(entry)
        if form not in entries and (form[0] == entry[0] or form[0] not in DETERMINERS):
            entries[form] = hit
    return entries


def lexicon_kind(entry: str) -> str:
    """The kind the lexicon gives ``entry`` (simplified), or "" when it has none."""
    return lexicon().get(entry, ("",))[0]


@lru_cache(maxsize=1)
def common_characters() -> frozenset[str]:
    """Characters too common to be a one-character given name (``entities/mining/common_chars.py``)."""
    return frozenset(read_lexicon("common_chars.tsv", "char"))


# ----------------------------------------------------------------------------------------- modern words
# Common words of modern Chinese, from the dictionary that ships with the PyPI package ``jieba`` (MIT). The
# biographical patterns that mine names from the corpus also catch words: ``X字千里`` makes 千里 ("a thousand li")
# a courtesy name, ``公孙``, ``自然`` and ``直言`` come the same way, and ``何必曰`` reads as a speaker named 何必. A
# name found only by a pattern, never copied as a name by the translators, that a general dictionary lists as a
# frequent word and does not tag as a person's name, is such a word. The entity tagger, trained on labels from
# those lexicons, learned some of them: the annotator drops a tagged person that is such a word too.

#: Below this count in jieba's dictionary a word is rare enough to be a name as well (本初 29, 公明 20 are
#: courtesy names; 安国 103 and 周颠 134 are given or nick names as often as words); the words the patterns
#: caught by mistake all stand above it (公孙 301, 国宝 358, 建平 528, 千里 742, 何必 1,876, 自然 20,269).
COMMON_WORD_MIN_COUNT = 200


def dictionary_path() -> Path:
    """jieba's ``dict.txt`` (word, count, part-of-speech tag per line); a clear error when jieba is missing."""
    try:
        import jieba
    except ImportError as exc:
        raise RuntimeError("wenyuan needs jieba's dictionary of common words: pip install jieba==0.42.1") from exc
    return Path(jieba.__file__).resolve().parent / "dict.txt"


def read_common_words(path: str | Path, min_count: int = COMMON_WORD_MIN_COUNT) -> frozenset[str]:
    """Words of ``path`` (jieba's format) counted at least ``min_count`` times and not tagged as a person's
    name (tags ``nr``, ``nrfg``, ``nrt``), in jieba's (simplified) script."""
    words = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) >= min_count and not parts[2].startswith("nr"):
                words.add(parts[0])
    return frozenset(words)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """:func:`read_common_words` of jieba's dictionary."""
    return read_common_words(dictionary_path())
