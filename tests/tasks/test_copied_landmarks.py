"""Named landmarks a translation copies unchanged (龙虎台, 水帘洞), told from common words by that copy."""

from __future__ import annotations

from tasks.copied_landmarks import METHOD, copied_landmarks
from tasks.entities import find_entities


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
