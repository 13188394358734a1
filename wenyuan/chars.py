"""Character classes the text stages share: which characters are Han, which belong to alphabetic words."""

from __future__ import annotations

import unicodedata


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
