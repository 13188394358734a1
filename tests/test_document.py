from wenyuan.document import Book, BookMetadata, Char, Line, Page, Region, box_polygon


def _book() -> Book:
    line = Line(
        id="p1-l001",
        polygon=box_polygon(0, 0, 10, 100),
        chars=[
            Char(text="學", confidence=0.9, polygon=box_polygon(0, 0, 10, 10)),
            Char(text="𠀀", confidence=0.4, orig="𠀁", punct_after="。"),
        ],
    )
    page = Page(
        id="p1",
        index=0,
        source="a.png",
        sha256="ab",
        width=10,
        height=100,
        image="images/a.png",
        regions=[Region(id="p1-r001", kind="commentary", polygon=box_polygon(0, 0, 10, 100), lines=[line])],
    )
    book = Book(id="b", metadata=BookMetadata(title="論語", extra={"x": "y"}), pages=[page])
    book.add_step("ocr", "engine", "1.0", device="cpu")
    return book


def test_book_survives_a_json_round_trip(tmp_path):
    book = _book()
    book.save(tmp_path / "b.json")
    again = Book.load(tmp_path / "b.json")
    assert again == book
    assert again.text == "學𠀀"  # punctuation is not part of the reading text


def test_chars_iterates_in_reading_order_with_their_places():
    book = _book()
    places = [(p.id, r.kind, ln.id, c.text) for p, r, ln, c in book.chars()]
    assert places == [("p1", "commentary", "p1-l001", "學"), ("p1", "commentary", "p1-l001", "𠀀")]
