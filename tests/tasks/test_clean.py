"""Cleaning: normalisation and junk removal, with every change recorded and the original kept."""

import pytest

from tasks.clean import CleanConfig, clean_book, junk_positions, normalize_char
from wenyuan.document import Book, Char, Line, Page, Region, box_polygon


@pytest.mark.parametrize(
    ("char", "expected", "reason"),
    [
        ("\uf900", "豈", "unicode-nfc"),  # CJK compatibility ideograph
        ("⼈", "人", "radical-to-ideograph"),  # Kangxi radical read for the ideograph
        ("爲", "為", "variant"),  # old-form variant
        ("鲜", "鮮", "simplified-form"),  # simplified leak in traditional text
    ],
)
def test_characters_are_regularised(char, expected, reason):
    assert normalize_char(char, CleanConfig()) == (expected, reason)


@pytest.mark.parametrize("char", ["后", "說", "于", "乾", "學", "𠀀"])
def test_valid_traditional_characters_are_left_alone(char):
    assert normalize_char(char, CleanConfig()) is None


def test_junk_only_inside_mostly_cjk_lines():
    assert junk_positions(list("學而a時習.之"), 2) == {2, 5}
    assert junk_positions(list("ISBN 978"), 2) == set()  # a Latin line is not junk
    assert junk_positions(list("K"), 2) == set()  # alone, a letter may be real
    assert junk_positions(list("K"), 2, cjk_context=True) == {0}  # a lone speck-line on a CJK page
    assert junk_positions(list("ISBN 978"), 2, cjk_context=True) == set()  # long runs survive anyway


def test_clean_book_records_edits_and_keeps_the_reading():
    chars = [Char(text=c) for c in "學爲l之"]
    line = Line(id="p-l1", polygon=box_polygon(0, 0, 1, 1), chars=chars)
    page = Page(
        id="p",
        index=0,
        source="s",
        sha256="h",
        width=1,
        height=1,
        image="i",
        regions=[Region(id="p-r1", polygon=box_polygon(0, 0, 1, 1), lines=[line])],
    )
    book = clean_book(Book(id="b", pages=[page]))
    assert book.text == "學為之"
    assert [(e.before, e.after, e.reason) for e in book.edits] == [("爲", "為", "variant"), ("l", "", "ocr-junk")]
    assert line.chars[1].orig == "爲"
