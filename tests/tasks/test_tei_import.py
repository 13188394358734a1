"""TEI import: a wenyuan edition reads back into the document model losslessly; corrections are found."""

from __future__ import annotations

import pytest
from lxml import etree

from tasks.tei import TEI_NS, book_to_tei
from tasks.tei_import import corrections, tei_to_book
from tests.conftest import one_line_book
from wenyuan.document import Book
from wenyuan.errors import BadInputError

NS = {"t": TEI_NS}


def _canonical(tree) -> str:
    return etree.tostring(tree, pretty_print=True, encoding="unicode")


def test_tei_import_export_round_trip_is_lossless(digitized_sample):
    original = etree.parse(digitized_sample["tei"])
    book = tei_to_book(digitized_sample["tei"])
    assert _canonical(book_to_tei(book)) == _canonical(original)
    source = Book.load(digitized_sample["json"])
    assert book.text == source.text
    assert [(s.id, s.start, s.end, s.stream, s.translation) for s in book.sentences] == [
        (s.id, s.start, s.end, s.stream, s.translation) for s in source.sentences
    ]


def test_archivist_corrections_become_edits_and_training_examples(digitized_sample, tmp_path):
    tree = etree.parse(digitized_sample["tei"])
    first = tree.xpath("//t:div[@type='transcription']//t:s[1]", namespaces=NS)[0]
    first.text = "斆" + first.text[1:]  # a corrected reading
    first.findall(f"{{{TEI_NS}}}pc")[-1].text = "！"  # a corrected sentence-final mark
    trans = tree.xpath("//t:div[@type='translation']//t:s[1]", namespaces=NS)[0]
    trans.text = "学习并且按时温习，不也很愉快吗？"
    path = tmp_path / "corrected.tei.xml"
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    base = Book.load(digitized_sample["json"])
    book = tei_to_book(path, base=base)
    assert [(e.before, e.after, e.reason) for e in book.edits if e.reason == "archivist"] == [("學", "斆", "archivist")]
    # Boxes and confidences of untouched characters come from the base document.
    assert all(c.polygon is not None for *_, c in book.chars())
    found = corrections(base, book)
    assert len(found["ocr_lines"]) == 1 and found["ocr_lines"][0]["text"].startswith("斆")
    assert any(p["text"].endswith("！") for p in found["punctuation"])
    assert found["translation_pairs"][0]["tgt"] == "学习并且按时温习，不也很愉快吗？"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("<TEI><text>", "not well-formed"),  # broken XML
        ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "not TEI"),
        (f'<TEI xmlns="{TEI_NS}"><text><body/></text></TEI>', "transcription"),
    ],
)
def test_bad_tei_is_refused_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.tei.xml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError, match=reason) as info:
        tei_to_book(path)
    assert "bad.tei.xml" in str(info.value)


def test_astral_private_use_and_control_characters_survive_or_are_replaced_round_trip():
    from wenyuan.document import BookMetadata

    book = one_line_book("𠀀\ue000學\x01", metadata=BookMetadata(title="𠀀<&>"))
    tree = book_to_tei(book)
    back = tei_to_book(etree.ElementTree(etree.fromstring(etree.tostring(tree))))
    assert back.text == "𠀀\ue000學\ufffd"  # the control character became U+FFFD, with a warning
    assert back.metadata.title == "𠀀<&>"
    assert _canonical(book_to_tei(back)) == _canonical(tree)
