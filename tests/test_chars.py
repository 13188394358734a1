"""The shared character classes agree with each other."""

import re

from wenyuan.chars import HAN, is_cjk, is_han_text


def test_the_han_class_holds_every_ideograph_and_nothing_alphabetic():
    han = re.compile(f"[{HAN}]")
    ideographs = [chr(c) for c in range(0x3000, 0x32400) if is_cjk(chr(c))]
    assert len(ideographs) > 90_000  # the extension blocks beyond the BMP are in Python's tables
    assert all(han.fullmatch(c) for c in ideographs)
    assert not any(han.fullmatch(c) for c in "aZ9é〇，。、《》　ー")
    assert han.fullmatch("𫖯")  # 頫 simplified: Extension E


def test_han_text_is_han_characters_only_and_never_empty():
    assert is_han_text("𫖯") and is_han_text("赵孟𫖯")
    assert not is_han_text("") and not is_han_text("赵，") and not is_han_text("a")
