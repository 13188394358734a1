"""The pattern miner: biographies' formulas name persons and where they came from."""

from __future__ import annotations

import gzip
import json

from corpora.mine_names import mine


def test_origin_formula_names_a_person_and_a_place_but_not_a_description(tmp_path):
    path = tmp_path / "punct.jsonl.gz"
    texts = ["张良，颍川人也。", "毛嫱，天下之姣人也。", "王猛，非常人也。", "刘氏，一妇人也。"]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"book": "书", "chapter": "一", "text": t}, ensure_ascii=False) + "\n" for t in texts)
    persons, places = mine(path)
    assert {"张良", "毛嫱", "王猛"} <= set(persons)
    assert set(places) == {"颍川"}  # 天下之姣 "the fairest under heaven", 非常 "no ordinary", 一妇 "a woman"
