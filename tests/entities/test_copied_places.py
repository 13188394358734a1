"""Places a translation copies unchanged (龙虎台; 战于长桥 as 在长桥交战), told from common words by that copy."""

from __future__ import annotations

from entities.copied_places import LOCATIVE_METHOD, METHOD, copied_landmarks, copied_locatives
from entities.finder import find_entities


def test_landmarks_the_translation_copies_are_places():
    # cm_dev sentences of the hand set's kind, translated by the shipped translator (NiuTrans Classical-Modern, MIT).
    src = "时驻跸龙虎台，遣使驰还"
    assert copied_landmarks(src, "当时歇驾于龙虎台，派遣使者驰回") == [("place", 3, 6)]
    assert copied_landmarks("遂下岭，西南循外谷入水帘洞。", "于是下了岭，向西南沿着外谷流入水帘洞。") == [
        ("place", 10, 13)
    ]


def test_common_words_verbs_and_offices_before_a_landmark_word_are_not():
    # Rendered in modern words, so not copied: 登高台 "climbed the high terrace".
    assert copied_landmarks("王登高台而望", "国王登上高台眺望") == []
    # Copied, yet no names: a verb or a pronoun first (在东宫, 其城), a generic tail (立宗庙), two directions,
    # a court of the central government (大理寺), and a Mongol name ending in 台.
    for src in ("太子在东宫", "攻其城", "立宗庙", "东南山", "下大理寺", "速不台"):
        assert copied_landmarks(src, src) == [], src


def test_a_copied_landmark_replaces_the_place_it_begins_with_but_not_one_after_a_verb():
    found = find_entities("帝幸洛阳宫", translation="皇帝驾临洛阳宫")
    assert [(s.text, s.kind, s.method) for s in found] == [("洛阳宫", "place", METHOD)]
    # 讨伐南山 keeps the verb's 伐 beside 南山: the place stays the lexicon's.
    found = find_entities("遂伐南山", translation="于是讨伐南山")
    assert [(s.text, s.method) for s in found if s.kind == "place"] == [("南山", "place-lexicon")]
    # Without a translation nothing is read as a landmark.
    assert all(s.method != METHOD for s in find_entities("时驻跸龙虎台"))


def test_what_yu_ends_a_clause_with_is_a_place_when_the_translation_writes_it_after_zai():
    # cm_dev sentences translated by the shipped translator (NiuTrans Classical-Modern, MIT).
    src, tgt = "遂克蚩尤于中冀，诛榆罔于阪泉。", "于是在中冀攻克蚩尤，在阪泉诛杀榆罔。"
    assert copied_locatives(src, tgt) == [("place", 5, 7), ("place", 12, 14)]
    # One character only where the translation names it a land or state.
    assert copied_locatives("郑伯会楚子于息。", "郑穆公在息地会见楚子。") == [("place", 6, 7)]
    assert copied_locatives("相与游于世。", "在世上互相交游。") == []


def test_positions_palace_buildings_eras_and_words_after_yu_are_not():
    for src, tgt in [
        ("遂畋于城西。", "便在城西狩猎。"),  # a position
        ("辛丑，崩于东宫。", "辛丑，在东宫去世。"),  # part of every palace
        ("祀于太庙。", "在太庙祭祀。"),
        ("乃罢于太和。", "在太和年间停止。"),  # an era
        ("有星孛于天市。", "孛星出现在天市垣。"),  # an asterism after 孛
    ]:
        assert copied_locatives(src, tgt) == [], src


def test_the_annotator_takes_copied_locatives_as_places_only_beside_a_translation():
    text = "诛榆罔于阪泉。"
    assert all(s.method != LOCATIVE_METHOD for s in find_entities(text))
    found = find_entities(text, translation="在阪泉诛杀榆罔。")
    assert ("阪泉", "place", LOCATIVE_METHOD) in [(s.text, s.kind, s.method) for s in found]
