"""Character classes the text stages share: which characters are Han, which belong to alphabetic words."""

from __future__ import annotations

import re
import unicodedata

#: The Han blocks as the body of a regular-expression character class (``f"[{HAN}]"``): the unified ideographs
#: with every extension (A, and B onwards beyond the BMP) and the compatibility ideographs. Simplifying a rare
#: traditional character often gives one of the extensions (頫 → 𫖯, 勣 → 𪟝), so patterns over simplified text
#: that stop at U+9FFF miss such names. Unassigned code points inside the ranges are let in, being no letters.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_HAN_RUN = re.compile(f"[{HAN}]+")


def is_han_text(text: str) -> bool:
    """Whether ``text`` is one or more characters of :data:`HAN` and nothing else (so "" is not)."""
    return _HAN_RUN.fullmatch(text) is not None


def is_cjk(ch: str) -> bool:
    """A CJK unified or compatibility ideograph (any extension block)."""
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds at least one Han character (else there is no Chinese to punctuate or translate)."""
    return any(is_cjk(ch) for ch in text)


def is_alphabetic(ch: str) -> bool:
    """A letter or digit of an alphabetic script (Latin, Greek, Cyrillic, … and the full-width Latin forms):
    below the CJK blocks, so Han characters and 〇 are not."""
    return ch.isalnum() and (ord(ch) < 0x2E80 or 0xFF10 <= ord(ch) <= 0xFF5A)
