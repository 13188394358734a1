"""TEI export: validity against tei_all, structure, and hostile content."""

from __future__ import annotations

from lxml import etree

from tasks.tei import TEI_NS, book_to_tei, validate_tei
from wenyuan.document import Book, BookMetadata, Char, Line, Page, Region, box_polygon

NS = {"t": TEI_NS}


def _book(chars: list[Char], metadata: BookMetadata | None = None) -> Book:
    main = Line(id="p1-l001", polygon=box_polygon(10, 10, 60, 400), chars=chars)
    note = Line(id="p1-l002", polygon=box_polygon(10, 410, 30, 600), chars=[Char(text="注", confidence=0.99)])
    page = Page(
        id="p1",
        index=0,
        source="a.png",
        sha256="x",
        width=100,
        height=700,
        image="images/a.png",
        regions=[
            Region(id="p1-r1", polygon=main.polygon, lines=[main]),
            Region(id="p1-r2", kind="commentary", polygon=note.polygon, lines=[note]),
        ],
    )
    return Book(id="b1", metadata=metadata or BookMetadata(), pages=[page])


def test_minimal_book_is_valid_tei_with_facsimile_links():
    book = _book(
        [
            Char(text="學", confidence=0.99),
            Char(text="為", orig="爲", confidence=0.95),
            Char(text="習", confidence=0.3, punct_after="。"),
        ]
    )
    book.add_step("punctuate", "wenyuan-punctuator", "1.2")
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    assert tree.xpath("//t:surface/@xml:id", namespaces=NS) == ["p1"]
    assert tree.xpath("//t:pb/@facs", namespaces=NS) == ["#p1"]
    assert tree.xpath("//t:lb/@facs", namespaces=NS) == ["#p1-l001", "#p1-l002"]
    assert tree.xpath("//t:choice/t:orig/text()", namespaces=NS) == ["爲"]
    assert tree.xpath("//t:unclear/@cert", namespaces=NS) == ["0.30"]
    assert tree.xpath("//t:pc[@resp='#punctuator']/text()", namespaces=NS) == ["。"]
    assert tree.xpath("//t:note[@type='commentary']//text()", namespaces=NS) == ["注"]
    ids = tree.xpath("//@xml:id", namespaces=NS)
    assert len(ids) == len(set(ids))


def test_header_comes_from_the_manifest():
    md = BookMetadata(
        title="史記", author="司馬遷", dynasty="漢", institution="某圖書館", shelfmark="善本 01", rights="CC BY 4.0"
    )
    tree = book_to_tei(_book([Char(text="學")], md))
    assert validate_tei(tree) == []
    get = lambda xp: tree.xpath(xp, namespaces=NS)  # noqa: E731
    assert get("//t:titleStmt/t:title/text()") == ["史記"]
    assert get("//t:msIdentifier/t:idno[@type='shelfmark']/text()") == ["善本 01"]
    assert get("//t:licence/text()") == ["CC BY 4.0"]
    assert get("//t:origDate/text()") == ["漢"]


def test_the_header_says_who_published_from_which_scans_with_which_tools_in_which_languages(tmp_path):
    from tasks.tei_import import tei_to_book
    from wenyuan.document import Edit, Sentence

    md = BookMetadata(title="史記", institution="某圖書館", publisher="某大學數字人文中心")
    book = _book([Char(text="學"), Char(text="而")], md)
    book.add_step("ocr", "PaddleOCR PP-OCRv6-small (ONNX)", "rapidocr-3.10.0")
    book.add_step("clean", "wenyuan.clean")
    # Cleaning dropped a speck between 學 and 而 (index 1 of the line as read) and one after them.
    book.edits = [
        Edit(page="p1", line="p1-l001", index=1, before="・", after="", reason="ocr-junk"),
        Edit(page="p1", line="p1-l001", index=3, before="、", after="", reason="ocr-junk"),
    ]
    book.add_step("annotate", "wenyuan.annotate", "1", tagger="wenyuan-entity-tagger 1.847")
    book.sentences = [Sentence(id="s00001", start=0, end=2, translation="学习")]
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    get = lambda xp: tree.xpath(xp, namespaces=NS)  # noqa: E731
    # The edition's publisher, not the library that holds the print.
    assert get("//t:publicationStmt/t:publisher/text()") == ["某大學數字人文中心"]
    assert get("//t:publicationStmt/t:authority") == []
    assert get("//t:msIdentifier/t:institution/text()") == ["某圖書館"]
    resps = {rs.findtext(f"{{{TEI_NS}}}resp"): rs.findtext(f"{{{TEI_NS}}}name") for rs in get("//t:respStmt")}
    assert resps["optical character recognition"] == "PaddleOCR PP-OCRv6-small (ONNX) rapidocr-3.10.0"
    assert resps["person and place tagging (with lexicons and patterns)"] == "wenyuan-entity-tagger 1.847"
    assert get("//t:langUsage/t:language/@ident") == ["lzh", "zh-Hans"]
    assert get("//t:extent/t:measure/@quantity") == ["1", "3"]
    assert get("//t:surface/t:desc[@type='source']/text()") == ["Scan: a.png"]
    # The dropped characters leave a trace where they stood.
    sentence = get("//t:div[@type='transcription']//t:s")[0]
    assert sentence.text == "學" and [(el.tag, el.tail) for el in sentence] == [(f"{{{TEI_NS}}}gap", "而")]
    after = sentence.getnext()  # the speck after 而, outside the sentence that ends with 而
    assert after.tag == f"{{{TEI_NS}}}gap" and get("//t:gap/@reason") == ["ocr-noise", "ocr-noise"]
    # All of it reads back: publisher, tools, scans and gaps, so a re-export is the same edition.
    path = tmp_path / "b1.tei.xml"
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    again = book_to_tei(tei_to_book(path))
    assert etree.tostring(again, encoding="unicode") == etree.tostring(tree, encoding="unicode")
    # Without a named publisher the edition says so, rather than naming the library.
    bare = book_to_tei(_book([Char(text="學")], BookMetadata(institution="某圖書館")))
    assert bare.xpath("//t:publicationStmt/t:authority/text()", namespaces=NS) == [
        "wenyuan (automatic edition; no publisher named)"
    ]


def test_hostile_text_and_metadata_stay_well_formed_and_valid():
    md = BookMetadata(title="<script>alert(1)</script>&" + "長" * 5000, author="a\x07b")
    tree = book_to_tei(_book([Char(text="\x01"), Char(text="𠀀"), Char(text="\ue000")], md))
    data = etree.tostring(tree, encoding="UTF-8")
    again = etree.fromstring(data)  # well-formed
    assert validate_tei(etree.ElementTree(again)) == []
    assert "𠀀" in data.decode() and "\ue000" in data.decode()  # astral and private-use survive
    assert "<script>" not in data.decode()


def test_validator_rejects_invalid_tei(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(f'<TEI xmlns="{TEI_NS}"><text><body/></text></TEI>', encoding="utf-8")
    assert validate_tei(bad) != []
    broken = tmp_path / "broken.xml"
    broken.write_text("<TEI><unclosed>", encoding="utf-8")
    assert validate_tei(broken)[0].startswith("not well-formed")


def test_sentences_get_ids_and_translations_point_to_them():
    from wenyuan.document import Sentence

    book = _book(
        [
            Char(text="學", confidence=0.99),
            Char(text="而", confidence=0.99, punct_after="。"),
            Char(text="時", confidence=0.99, punct_after="。"),
        ]
    )
    # Offsets: 學0 而1 時2 (main), 注3 (commentary block).
    book.sentences = [
        Sentence(id="s00001", start=0, end=2, translation="学习。"),
        Sentence(id="s00002", start=2, end=3, translation="按时。"),
        Sentence(id="s00003", start=3, end=4, stream="commentary", translation="注释。"),
    ]
    book.add_step("punctuate", "wenyuan-punctuator", "1.2")
    book.add_step("translate", "wenyuan-translator", "1.9")
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    get = lambda xp: tree.xpath(xp, namespaces=NS)  # noqa: E731
    assert get("//t:div[@type='transcription']//t:s/@xml:id") == ["s00001", "s00002"]
    assert "".join(get("//t:s[@xml:id='s00001']//text()")) == "學而。"
    # Commentary sentences are segs inside their note, never an s nested in an s.
    assert get("//t:note/t:seg[@type='sentence']/@xml:id") == ["s00003"]
    assert get("//t:s//t:s") == []
    trans = get("//t:div[@type='translation']")[0]
    assert trans.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
    assert get("//t:div[@type='translation']//t:s/@corresp") == ["#s00001", "#s00002", "#s00003"]
    assert get("//t:div[@type='translation']//t:s/text()") == ["学习。", "按时。", "注释。"]
    assert get("//t:respStmt/t:name[@xml:id='translator']/text()") == ["wenyuan-translator 1.9"]


def test_a_book_without_readable_pages_is_still_a_valid_edition():
    # Every file of a batch can be quarantined; the edition then records the book and nothing else.
    tree = book_to_tei(Book(id="b1", metadata=BookMetadata(title="空")))
    assert validate_tei(tree) == []
    assert tree.xpath("//t:facsimile", namespaces=NS) == []


def test_fold_strip_text_is_forme_work_never_punctuated_or_in_a_sentence():
    from tasks.punctuate import _streams

    book = _book([Char(text=c, confidence=0.99) for c in "學而時習之"])
    strip = Line(id="p1-l003", polygon=box_polygon(80, 10, 95, 400), chars=[Char(text=c) for c in "論語卷一"])
    book.pages[0].regions.insert(1, Region(id="p1-r0", kind="marginalia", polygon=strip.polygon, lines=[strip]))
    streams = _streams(book)
    assert ["".join(ch.text for _, ch in chars) for _, chars in streams] == ["學而時習之", "注"]
    assert [off for off, _ in streams[1][1]] == [9]  # offsets still count the margin text
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    assert tree.xpath("string(//t:fw[@place='margin'])", namespaces=NS) == "論語卷一"
    assert tree.xpath("//t:fw/t:lb/@facs", namespaces=NS) == ["#p1-l003"]
    assert "論" not in "".join(tree.xpath("//t:s//text()", namespaces=NS))


def test_bce_dates_are_written_in_tei_numbering_and_read_back(tmp_path):
    """TEI's W3C dates follow XML Schema 1.0 (-0001 = 1 BCE): 建元元年十月 (141 BCE) is -0141, not -0140."""
    from tasks.tei_import import tei_to_book
    from wenyuan.document import Entity

    book = _book([Char(text=c) for c in "建元元年"])
    attrs = {"valid": True, "from": "-0140-11-04", "to": "-0140-12-03", "calendar": "julian"}
    book.entities = [Entity(id="e1", kind="date", start=0, end=4, text="建元元年", confidence=1.0, attributes=attrs)]
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    date = tree.xpath("//t:date[@from]", namespaces=NS)[0]
    assert (date.get("from"), date.get("to")) == ("-0141-11-04", "-0141-12-03")
    path = tmp_path / "b1.tei.xml"
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    (back,) = [e for e in tei_to_book(path).entities if e.kind == "date"]
    assert (back.attributes["from"], back.attributes["to"]) == ("-0140-11-04", "-0140-12-03")
