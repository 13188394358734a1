"""Lexicon entities (book titles, offices) and the annotate stage's combination with dates."""

from __future__ import annotations

from lxml import etree

from tasks.annotate import annotate_book
from tasks.entities import find_entities
from tasks.tei import TEI_NS, book_to_tei, validate_tei
from tasks.tei_import import tei_to_book
from tests.conftest import one_line_book
from wenyuan.document import Sentence


def test_titles_and_offices_are_found_in_traditional_text_with_aligned_offsets():
    text = "臣讀孝經及華嚴經，拜大將軍"
    spans = [(s.kind, s.start, s.end, s.text) for s in find_entities(text)]
    assert ("title", 2, 4, "孝經") in spans and ("title", 5, 8, "華嚴經") in spans
    assert ("office", 10, 13, "大將軍") in spans  # the longest entry wins over 將軍
    for _kind, start, end, found in spans:
        assert text[start:end] == found


def test_annotation_keeps_entities_inside_sentences_dates_first_and_exports_valid_tei():
    text = "貞觀元年正月太宗讀孝經拜丞相"
    book = one_line_book(text, [Sentence(id="s00001", start=0, end=9), Sentence(id="s00002", start=9, end=len(text))])
    annotate_book(book)
    assert [(e.kind, e.text) for e in book.entities] == [
        ("date", "貞觀元年正月"),
        ("title", "孝經"),
        ("office", "丞相"),
    ]
    assert book.text == text
    for e in book.entities:
        assert any(s.start <= e.start and e.end <= s.end for s in book.sentences)
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    ns = {"t": TEI_NS}
    assert tree.xpath("//t:s//t:title/text()", namespaces=ns) == ["孝經"]
    assert tree.xpath("//t:s//t:roleName[@type='office']/text()", namespaces=ns) == ["丞相"]
    assert etree.tostring(book_to_tei(tei_to_book(tree))) == etree.tostring(tree)


def test_rerunning_annotation_does_not_duplicate_entities():
    text = "讀孝經"
    book = one_line_book(text, [Sentence(id="s1", start=0, end=len(text))])
    annotate_book(book)
    annotate_book(book)
    assert [(e.kind, e.text) for e in book.entities] == [("title", "孝經")]
