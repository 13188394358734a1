"""The shared character classes agree with each other."""

import re

from wenyuan.chars import HAN, is_cjk


def test_the_han_class_holds_every_ideograph_and_nothing_alphabetic():
    han = re.compile(f"[{HAN}]")
    ideographs = [chr(c) for c in range(0x3000, 0x32400) if is_cjk(chr(c))]
    assert len(ideographs) > 90_000  # the extension blocks beyond the BMP are in Python's tables
    assert all(han.fullmatch(c) for c in ideographs)
    assert not any(han.fullmatch(c) for c in "aZ9é〇，。、《》　ー")
    assert han.fullmatch("𫖯")  # 頫 simplified: Extension E
