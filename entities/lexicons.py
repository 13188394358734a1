"""Common words of modern Chinese, from the dictionary that ships with the PyPI package ``jieba`` (MIT).

Why: the biographical patterns that mine names from the corpus also catch words. ``X字千里`` makes 千里 ("a
thousand li") a courtesy name, ``公孙``, ``自然`` and ``直言`` come the same way, and ``何必曰`` reads as a speaker
named 何必. A name found only by a pattern, never copied as a name by the translators, that a general dictionary
lists as a frequent word and does not tag as a person's name, is such a word. The entity tagger, trained on
labels from those lexicons, learned some of them: the annotator drops a tagged person that is such a word too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

#: Below this count in jieba's dictionary a word is rare enough to be a name as well (本初 29, 公明 20 are
#: courtesy names; 安国 103 and 周颠 134 are given or nick names as often as words); the words the patterns
#: caught by mistake all stand above it (公孙 301, 国宝 358, 建平 528, 千里 742, 何必 1,876, 自然 20,269).
MIN_COUNT = 200


def dictionary_path() -> Path:
    """jieba's ``dict.txt`` (word, count, part-of-speech tag per line); a clear error when jieba is missing."""
    try:
        import jieba
    except ImportError as exc:
        raise RuntimeError("wenyuan needs jieba's dictionary of common words: pip install jieba==0.42.1") from exc
    return Path(jieba.__file__).resolve().parent / "dict.txt"


def read_common_words(path: str | Path, min_count: int = MIN_COUNT) -> frozenset[str]:
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
