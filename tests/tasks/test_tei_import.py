"""TEI import: a wenyuan edition reads back into the document model losslessly; corrections are found."""

from __future__ import annotations

import pytest
from lxml import etree

from tasks.corrections import training_rows, write_training_data
from tasks.tei import TEI_NS, book_to_tei, validate_tei, write_tei
from tasks.tei_import import tei_to_book
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


def test_archivist_corrections_are_recorded_as_corrections_and_training_examples(digitized_sample, tmp_path):
    tree = etree.parse(digitized_sample["tei"])
    first = tree.xpath("//t:div[@type='transcription']//t:s[1]", namespaces=NS)[0]
    first.text = "斆" + first.text[1:]  # a corrected reading
    first.findall(f"{{{TEI_NS}}}pc")[-1].text = "！"  # a corrected sentence-final mark
    second = tree.xpath("//t:div[@type='transcription']//t:s[2]", namespaces=NS)[0]
    second.text = "甲" + second.text[1:]  # only a character: no punctuation correction
    trans = tree.xpath("//t:div[@type='translation']//t:s[1]", namespaces=NS)[0]
    trans.text = "学习并且按时温习，不也很愉快吗？"
    path = tmp_path / "corrected.tei.xml"
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    base = Book.load(digitized_sample["json"])
    book = tei_to_book(path, base=base, who="wang")
    archivist = [(e.before, e.after) for e in book.edits if e.reason == "archivist"]
    assert archivist[0] == ("學", "斆") and len(archivist) == 2
    # Boxes and confidences of untouched characters come from the base document.
    assert all(c.polygon is not None for *_, c in book.chars())
    corrected = [c for *_, c in book.chars() if c.sic is not None]
    assert (corrected[0].sic, corrected[0].text, corrected[0].corrected_by) == ("學", "斆", "wang")
    assert [c.punct_after for *_, c in book.chars() if c.punct_by == "wang"] == ["！"]
    assert book.sentences[0].translated_by == "wang" and book.sentences[1].translated_by is None
    assert book.changes[-1].who == "wang" and "2 character(s), 1 punctuation mark(s)" in book.changes[-1].what

    punctuation, translation = training_rows(book)
    assert len(punctuation) == 1 and punctuation[0][2].endswith("！")  # the sentence whose mark changed, only
    assert [row[3] for row in translation] == ["学习并且按时温习，不也很愉快吗？"]
    counts = write_training_data(book, digitized_sample["out"] / book.id, tmp_path / "corrections")
    assert counts == {"ocr_lines": 1, "punctuation": 1, "translations": 1}  # both characters on one line
    assert len(list((tmp_path / "corrections" / "lines").glob("*.png"))) == 1

    # Exported again, the edition says whose the corrections are, and reads back the same.
    tei = write_tei(book, tmp_path / "again.tei.xml")
    assert validate_tei(tei) == []
    again = etree.parse(str(tei))
    assert again.xpath("//t:choice/t:corr[@resp='#reviewer-wang']", namespaces=NS)
    assert again.xpath("//t:pc[@resp='#reviewer-wang']", namespaces=NS)
    back = tei_to_book(tei, base=book, who="someone else")
    assert [(c.sic, c.corrected_by) for *_, c in back.chars() if c.sic] == [(c.sic, c.corrected_by) for c in corrected]
    # Nothing changed by the round trip: no new correction recorded.
    assert [(c.who, c.what) for c in back.changes] == [(c.who, c.what) for c in book.changes]


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
