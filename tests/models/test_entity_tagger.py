"""The person/place tagger: its input encoding, the shipped model's quality and its use in the annotate
stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from entities.evaluation import HAND_SETS, read_hand_set
from tasks.annotate import DEFAULT_TAGGER, annotate_book, load_entity_tagger
from tests.conftest import one_line_book
from wenyuan.document import Sentence


@pytest.fixture(scope="module")
def tagger():
    return load_entity_tagger(str(DEFAULT_TAGGER), "cpu")


def test_punctuation_and_spaces_read_as_the_separator_and_offsets_stay(tagger):
    text = "張儀，相秦。 𠀀X"
    ids = tagger.encoder.encode(text)
    assert len(ids) == len(text)
    sep = tagger.encoder.sep
    assert [i for i, t in enumerate(ids) if t == sep] == [2, 5, 6]
    assert ids[7] == tagger.encoder.unk  # CJK Extension B: unknown, not dropped
    assert ids[0] == tagger.encoder.encode("张")[0]  # traditional read as simplified


def test_spans_are_inside_the_text_and_never_cover_punctuation(tagger):
    texts = ["", "，。", "A1 b", "秦王使張儀說楚懷王，楚王曰：善。" * 20]
    for text, spans in zip(texts, tagger.find(texts), strict=True):
        for s in spans:
            assert 0 <= s.start < s.end <= len(text) and 0 < s.confidence <= 1
            assert not set(text[s.start : s.end]) & set("，。：；、 ")


def _f1(finder, rows) -> dict[str, float]:
    from entities.evaluation import score_spans

    return {k: c["f1"] for k, c in score_spans((t, g, finder(t)) for t, g in rows).items()}


def test_tagger_adds_names_the_rules_miss_on_the_held_out_set(tagger):
    from entities.annotator import tag_texts
    from entities.finder import find_entities

    rows = read_hand_set(HAND_SETS["heldout"])
    tagged = dict(zip((t for t, _ in rows), tag_texts(tagger, [t for t, _ in rows]), strict=True))
    rules = _f1(lambda t: {(s.kind, s.start, s.end) for s in find_entities(t)}, rows)
    both = _f1(lambda t: {(s.kind, s.start, s.end) for s in find_entities(t, None, tagged[t])}, rows)
    alone = _f1(lambda t: {(k, a, b) for k, a, b, _ in tagged[t]}, rows)
    assert both["person"] > rules["person"] and both["place"] > rules["place"]
    assert alone["person"] > 0.3 and alone["place"] > 0.3


def test_annotate_stage_with_the_tagger_records_its_method_and_version(tagger):
    # 李從朗 is in no lexicon and no pattern finds him; the tagger reads him from the context.
    text = "戊申次絳州刺史李從朗來歸"
    book = one_line_book(text, [Sentence(id="s1", start=0, end=len(text))])
    annotate_book(book, tagger)
    assert book.text == text
    assert ("person", "李從朗", "entity-tagger") in {(e.kind, e.text, e.method) for e in book.entities}
    for e in book.entities:
        assert text[e.start : e.end] == e.text
    step = next(s for s in book.steps if s.stage == "annotate")
    assert step.settings["tagger"] == f"wenyuan-entity-tagger {tagger.version}"
    assert step.settings["tagger_sha256"] == tagger.checksum and len(tagger.checksum) == 64


def test_a_missing_tagger_folder_is_named():
    from wenyuan.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="nowhere"):
        load_entity_tagger(str(Path("/nowhere/tagger")), "cpu")
