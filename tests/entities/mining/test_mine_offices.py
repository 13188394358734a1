"""The office miner: titles are the objects of appointment verbs that translators copy, places taken off."""

from __future__ import annotations

from entities.lexicons import LEXICONS
from entities.mining.offices import appointment_objects, mine, without_place


def test_titles_are_read_after_appointment_verbs_up_to_the_first_function_word():
    assert appointment_objects("寻转尚书左丞。") == {"尚书左丞"}
    assert appointment_objects("泾原节度使段秀实为宰相杨炎所恶，征为司农卿。") == {"宰相", "司农卿"}
    # A verb after the verb belongs to the verb (征拜, 加赠); a title may begin like a verb (征虏, 转运).
    assert appointment_objects("征拜议郎，加赠太师。") == {"议郎", "太师"}
    assert appointment_objects("拜征虏将军，迁转运使。") == {"征虏将军", "转运使"}
    assert appointment_objects("贬信州司马、虔州司户。") == {"信州司马", "虔州司户"}
    assert appointment_objects("为之奈何？") == set()


def test_a_place_before_the_title_is_taken_off_but_an_armys_name_stays():
    places = frozenset({"信州", "归德", "京兆"})
    assert without_place("信州司马", places) == "司马"
    assert without_place("山南东道节度使", places) == "节度使"  # unknown place, ended by its unit (道)
    assert without_place("归德军节度使", places) == "归德军节度使"
    assert without_place("兵部侍郎", places) == "兵部侍郎"
    assert without_place("京兆尹", places) is None  # 尹 alone is no title to match


def test_mined_titles_are_copied_frequent_and_not_held_over_unknown_places():
    pairs = [
        ("迁兵部侍郎。", "升任兵部侍郎。"),
        ("拜丹阳太守。", "任命为丹阳太守。"),  # 丹阳 is no place the lexicon knows: 丹阳太守 is not kept
        ("除吴郡太守。", "任命为吴郡太守。"),  # 吴郡 ends in its unit: the title is 太守
        ("拜公卿。", "拜见公卿。"),  # a collective
        ("迁司勋郎中。", "升任司勋的郎中。"),  # title-shaped, but the translators reword it
        ("补县尉。", "补任县尉。"),  # two characters ending in 尉: needs more sentences than 3
        ("拜虞卿。", "拜见虞卿。"),  # a person of the name lexicon
    ] * 3
    kept = mine(pairs, frozenset(), names=frozenset({"虞卿"}))
    assert set(kept) == {"兵部侍郎", "太守"}
    assert kept["兵部侍郎"] == (3, 1.0)
    assert "县尉" in mine(pairs * 4, frozenset())


def test_the_shipped_office_list_says_where_it_came_from():
    lines = (LEXICONS / "offices_mined.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "NiuTrans" in lines[0]
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert rows[0] == ["office", "count", "copy_rate"]
    assert len(rows) > 1000
    assert all(int(n) >= 3 and 0.5 <= float(rate) <= 1 for _, n, rate in rows[1:])
    titles = {row[0] for row in rows[1:]}
    assert {"刺史", "节度使", "尚书左丞", "兵部侍郎", "征虏将军"} <= titles
    assert not titles & {"公卿", "国史", "丹阳太守", "虏将军"}
