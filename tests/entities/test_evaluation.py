"""The hand-checked entity sets and the chapters they were drawn from."""

import json
from pathlib import Path

import pytest

from entities.evaluation import HAND_SETS, chapter_texts, read_hand_set
from tests.conftest import shared_file
from wenyuan.errors import CorpusError


def test_each_hand_checked_sentence_is_found_in_its_chapter_of_the_corpus() -> None:
    corpus = shared_file("corpora/cm_dev.tsv.gz")
    rows = read_hand_set(HAND_SETS["heldout"])
    chapters = chapter_texts(HAND_SETS["heldout"], corpus)
    assert len(chapters) == len(rows)
    assert all(text in chapter for (text, _), chapter in zip(rows, chapters, strict=True))
    assert sum(len(c) for c in chapters) > 5 * len(rows)  # whole chapters, not the sentence alone


def test_a_row_that_does_not_match_the_corpus_is_named(tmp_path: Path) -> None:
    corpus = shared_file("corpora/cm_dev.tsv.gz")
    bad = tmp_path / "shifted.jsonl"
    row = json.loads(HAND_SETS["dev"].read_text(encoding="utf-8").splitlines()[0])
    bad.write_text(json.dumps({**row, "row": row["row"] + 1}, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"shifted\.jsonl:1"):
        chapter_texts(bad, corpus)
