"""Reading order from hand-built boxes: columns, commentary, registers, horizontal pages."""

from tasks.ocr.reading_order import page_direction, reading_order


def _col(x: float, y0: float, y1: float, w: float = 60):
    return (x, y0, x + w, y1)


def test_columns_read_right_to_left():
    boxes = [_col(100, 0, 900), _col(300, 0, 900), _col(200, 0, 900)]
    direction, units = reading_order(boxes, 1000)
    assert direction == "vertical-rl"
    assert [u.lines for u in units] == [[1], [2], [0]]


def test_commentary_is_read_right_subcolumn_first_in_its_place():
    boxes = [
        _col(300, 0, 400),  # 0 main text, column 1 top
        _col(300, 420, 700, 28),  # 1 left sub-column
        _col(332, 420, 760, 28),  # 2 right sub-column
        _col(300, 780, 900),  # 3 main text continues below the commentary
        _col(200, 0, 900),  # 4 next column
    ]
    _, units = reading_order(boxes, 1000)
    assert [(u.kind, u.lines) for u in units] == [
        ("main", [0]),
        ("commentary", [2, 1]),
        ("main", [3]),
        ("main", [4]),
    ]


def test_two_registers_are_read_top_register_first():
    top = [_col(x, 0, 400) for x in (400, 300, 200, 100)]
    bottom = [_col(x, 500, 900) for x in (400, 300, 200, 100)]
    _, units = reading_order(bottom + top, 1000)
    assert [u.lines[0] for u in units] == [4, 5, 6, 7, 0, 1, 2, 3]
    assert [u.register for u in units] == [0] * 4 + [1] * 4


def test_horizontal_page_reads_rows_top_down_left_to_right():
    boxes = [(0, 100, 400, 130), (0, 0, 400, 30), (450, 0, 800, 30)]
    assert page_direction(boxes) == "horizontal-tb"
    _, units = reading_order(boxes, 200)
    assert [u.lines for u in units] == [[1, 2], [0]]


def test_a_fold_strip_column_across_both_registers_stays_out_of_the_text():
    # Two ruled registers and, left of the frame, a fold-strip column as tall as the page: by boxes alone no
    # gap is free of lines, so the registers interleave; the frame and the ruled registers separate them.
    top = [_col(x, 100, 480) for x in (700, 600, 500, 400)]
    bottom = [_col(x, 520, 900) for x in (700, 600, 500, 400)]
    strip = _col(200, 100, 900, 40)
    boxes = [strip, *bottom, *top]
    _, mixed = reading_order(boxes, 1000)
    assert len({u.register for u in mixed}) == 1  # what boxes alone give: one register
    _, units = reading_order(boxes, 1000, frame=(380, 90, 780, 910), registers=[(90, 495), (505, 910)])
    text = [u for u in units if u.kind != "marginalia"]
    assert [u.lines[0] for u in text] == [5, 6, 7, 8, 1, 2, 3, 4]
    assert [u.register for u in text] == [0] * 4 + [1] * 4
    assert [(u.kind, u.lines) for u in units if u.kind == "marginalia"] == [("marginalia", [0])]


def test_two_lines_side_by_side_in_one_slot_are_commentary_however_wide():
    # The detector draws a commentary half as wide as a main column when it grows its boxes; in one slot of
    # the printed grid, two lines side by side are still the two halves, read right then left.
    edges = [400.0, 300.0, 200.0]
    boxes = [
        (305, 0, 395, 300),  # 0 main text of the right column
        (300, 320, 366, 600),  # 1 left half, starting a little higher (as wide as 3/4 of a column)
        (334, 330, 400, 640),  # 2 right half
        (205, 0, 295, 900),  # 3 next column
    ]
    _, units = reading_order(boxes, 1000, edges=[edges])
    assert [(u.kind, u.lines) for u in units] == [("main", [0]), ("commentary", [2, 1]), ("main", [3])]
