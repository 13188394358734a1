"""The pattern miner: biographies' formulas name persons and where they came from."""

from __future__ import annotations

import gzip
import json

from entities.mining.names import mine


def test_origin_formula_names_a_person_and_a_place_but_not_a_description(tmp_path):
    path = tmp_path / "punct.jsonl.gz"
    texts = ["张良，颍川人也。", "毛嫱，天下之姣人也。", "王猛，非常人也。", "刘氏，一妇人也。"]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"book": "书", "chapter": "一", "text": t}, ensure_ascii=False) + "\n" for t in texts)
    persons, places = mine(path)
    assert {"张良", "毛嫱", "王猛"} <= set(persons)
    assert set(places) == {"颍川"}  # 天下之姣 "the fairest under heaven", 非常 "no ordinary", 一妇 "a woman"


def test_pattern_finds_that_are_words_or_a_places_people_are_dropped_and_copied_names_kept(tmp_path):
    # Real finds of the shipped miners before this filter: 千里 and 公孙 as courtesy names, 何必 as a speaker,
    # 鲁人 and 江阴人 by the courtesy-name formula (鲁人，字子…). Names stay, whatever jieba says of them: 屈原
    # is a noun there, but the translators copy it as a name; 子产 and 本初 are too rare in it to be words.
    from entities.mining.names import drop_pattern_words

    persons = {
        "千里": (2, "courtesy-name"),
        "公孙": (2, "courtesy-name"),
        "何必": (12, "speaker-pattern"),
        "鲁人": (5, "style-pattern"),
        "江阴人": (1, "style-pattern"),
        "屈原": (75, "copy-through"),
        "子产": (3, "courtesy-name"),
        "本初": (2, "courtesy-name"),
        "王夫人": (113, "copy-through"),
        "尹真人": (2, "style-pattern"),
        "张良": (40, "origin-pattern+style-pattern"),
    }
    assert drop_pattern_words(persons) == ["何必", "公孙", "千里", "江阴人", "鲁人"]
    assert set(persons) == {"屈原", "子产", "本初", "王夫人", "尹真人", "张良"}


def test_the_shipped_person_lexicon_has_no_common_word_that_only_a_pattern_found():
    from entities.lexicons import common_words, read_lexicon

    words = common_words()
    assert {"千里", "自然", "公孙"} <= words and "子产" not in words and "孙皓" not in words
    persons = read_lexicon("persons.tsv", "person")
    assert not {"千里", "自然", "公孙", "何必", "鲁人"} & persons
    assert {"屈原", "子产", "孔子"} <= persons
