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


def test_margin_text_and_registers_read_back_as_they_were_written(tmp_path):
    from tests.tasks.test_tei import _book
    from wenyuan.document import Char, Line, Region, box_polygon

    book = _book([Char(text=c, confidence=0.99) for c in "學而時習之"])
    page = book.pages[0]
    lower = Line(id="p1-l004", polygon=box_polygon(10, 610, 60, 690), chars=[Char(text=c) for c in "不亦說乎"])
    page.regions.append(Region(id="p1-r3", register_index=1, polygon=lower.polygon, lines=[lower]))
    strip = Line(id="p1-l003", polygon=box_polygon(80, 10, 95, 400), chars=[Char(text=c) for c in "論語卷一"])
    page.regions.append(Region(id="p1-r4", kind="marginalia", polygon=strip.polygon, lines=[strip]))
    tree = book_to_tei(book)
    assert tree.xpath("//t:cb/@n", namespaces=NS) == ["1", "2"]
    assert tree.xpath("//t:lb/@n", namespaces=NS) == ["1", "2", "3", "4"]
    path = tmp_path / "b.tei.xml"
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    back = tei_to_book(path)
    read = [(r.kind, r.register_index, "".join(ln.text for ln in r.lines)) for r in back.pages[0].regions]
    assert read == [
        ("main", 0, "學而時習之"),
        ("commentary", 0, "注"),
        ("main", 1, "不亦說乎"),
        ("marginalia", 0, "論語卷一"),
    ]
    assert back.text == book.text
