"""Script conversion, traditional to simplified (OpenCC ``t2s``): the one converter every stage shares.

Two kinds of conversion are needed. Text-level (:func:`to_simplified`) lets OpenCC use its phrase tables and
may change the length (a catalog title, a translator's input). Character-level (:func:`simplified_char`,
:func:`simplified_chars`) maps one character at a time and keeps each one that OpenCC would turn into more or
fewer characters, so offsets into the result are offsets into the page text (the models that label
characters, the language model that rescores readings).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in simplified characters, converted with OpenCC's phrase tables."""
    return _t2s().convert(text)


@lru_cache(maxsize=65536)
def simplified_char(ch: str) -> str:
    """The simplified form of one character (itself when OpenCC maps it to more or fewer characters)."""
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


def simplified_chars(text: str) -> str:
    """``text`` converted one character at a time (:func:`simplified_char`): same length, same offsets."""
    return "".join(map(simplified_char, text))
