"""Names a translation writes in full (仪 of 张仪, 燕 of 燕国), projected onto the classical source."""

from __future__ import annotations

from entities.finder import find_entities
from entities.name_projection import METHOD, projected_spans


def test_translations_name_persons_the_source_calls_by_given_name_or_surname():
    # A cm_dev sentence with a translation written for this test, then a cm_train pair as its translator wrote it
    # (NiuTrans Classical-Modern, MIT).
    src, tgt = "仪之出秦，因与秦王约曰", "张仪离开秦国时，与秦王约定说"
    # Without the rules' 秦王, 秦 stands twice for one 秦国, so only 仪 is projected.
    assert projected_spans(src, tgt) == [("person", 0, 1)]
    assert projected_spans("因袒示韩，都无挞痕。", "并露出前胸给韩弘看。都没有打伤的痕迹。") == [("person", 3, 4)]


def test_projection_leaves_full_forms_taken_spans_and_characters_used_more_often_than_named():
    # The full name is in the source: the rules' business, nothing projected.
    assert projected_spans("张仪之出秦", "张仪离开秦") == []
    # 秦 of 秦王 is already the rules' (a ruler); the other 秦 is the state the translation writes 秦国.
    assert projected_spans("仪之出秦，因与秦王约曰", "离开秦国，与秦王约定", [("person", 7, 9)]) == [("place", 3, 4)]
    # 秦 twice, 秦国 once: which one it renders is unknown, so neither.
    assert projected_spans("秦使入秦", "秦国派使者") == []
    # 子 of 孔子 in 子曰 is "the Master", not a name.
    assert projected_spans("子曰：学而时习之", "孔子说：学习了又时常温习") == []


def test_the_annotator_takes_projected_names_before_the_taggers_guesses():
    text = "仪之出秦，因与秦王约曰："
    alone = {(s.text, s.method) for s in find_entities(text)}
    assert ("仪", METHOD) not in alone
    found = find_entities(text, tagged=[("person", 0, 2, 0.9)], translation="张仪离开秦国时，与秦王约定说：")
    assert [(s.text, s.kind, s.method) for s in found if s.method == METHOD] == [
        ("仪", "person", METHOD),
        ("秦", "place", METHOD),
    ]
    assert all(s.method != "entity-tagger" for s in found if s.start < 2)  # 仪之 from the tagger loses


def test_projection_reads_traditional_sources_and_variant_names():
    found = find_entities("儀之出秦，因與秦王約曰：", translation="张仪离开秦国时，与秦王约定说：")
    assert next((s.start, s.end, s.text) for s in found if s.method == METHOD) == (0, 1, "儀")


def test_the_annotate_stage_reads_each_sentences_translation_and_exports_the_projection():
    from tasks.annotate import annotate_book
    from tasks.tei import TEI_NS, book_to_tei, validate_tei
    from tests.conftest import one_line_book
    from wenyuan.document import Sentence

    text = "辛垣衍曰燕吾不知若梁則吾乃梁人也"
    sentences = [Sentence(id="s1", start=0, end=8), Sentence(id="s2", start=8, end=len(text))]
    book = one_line_book(text, sentences)
    annotate_book(book)
    assert not [e for e in book.entities if e.method == METHOD]  # untranslated: nothing to project
    sentences[0].translation, sentences[1].translation = "辛垣衍说：燕国我不知道；", "如果是梁国，那么我就是梁国人。"
    annotate_book(book)
    assert [(e.kind, e.text, e.start) for e in book.entities if e.method == METHOD] == [
        ("place", "燕", 4),
        ("place", "梁", 9),
        ("place", "梁", 13),
    ]
    tree = book_to_tei(book)
    assert validate_tei(tree) == []
    assert tree.xpath("//t:s//t:placeName/text()", namespaces={"t": TEI_NS}) == ["燕", "梁", "梁"]
