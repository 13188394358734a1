"""Silver entity labels: BIO tags, chapter-wise labelling, and the made-up names that replace silver ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from entities.silver import label_chapter, name_pools, swap_names
from models.entity_tagger import TAG_TO_ID, TAGS, bio_tags, spans_from_tags


@st.composite
def _spans(draw):
    length = draw(st.integers(0, 40))
    cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=12))))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if b > a:
            spans.append((draw(st.sampled_from(["person", "place"])), a, b))
    return length, spans


@given(_spans())
def test_bio_tags_round_trip_to_the_same_spans(case):
    length, spans = case
    tags = bio_tags(length, spans)
    assert len(tags) == length and set(tags) <= set(TAGS)
    assert spans_from_tags(tags) == spans


def test_an_inside_tag_without_its_beginning_still_makes_a_span():
    assert spans_from_tags(["O", "I-person", "I-person", "B-place", "I-person"]) == [
        ("person", 1, 3),
        ("place", 3, 4),
        ("person", 4, 5),
    ]


def test_silver_labels_mark_given_names_where_the_chapter_names_the_person_in_full():
    tags = label_chapter(["李怀光反于河中。", "怀光遣使。"])
    assert spans_from_tags(tags[1]) == [("person", 0, 2)]
    assert ("person", 0, 3) in spans_from_tags(tags[0])


def test_projected_names_join_the_chapters_silver_labels():
    tags = label_chapter(["燕吾不知。"], ["燕国我不知道。"])
    assert spans_from_tags(tags[0]) == [("place", 0, 1)]
    assert spans_from_tags(label_chapter(["燕吾不知。"])[0]) == []


@pytest.fixture(scope="module")
def encoder():
    from transformers import AutoTokenizer

    from models.entity_tagger import TaggerEncoder
    from tasks.punctuate import DEFAULT_MODEL

    return TaggerEncoder(AutoTokenizer.from_pretrained(DEFAULT_MODEL))


def test_swapped_names_keep_length_tags_and_context(encoder):
    from entities.vocabulary import SURNAMES_1

    text = "李怀光反于河中，遣使至扬州。"
    spans = [("person", 0, 3), ("place", 5, 7), ("place", 11, 13)]
    ids = np.stack([encoder.encode(text)] * 50)
    tags = np.array([[TAG_TO_ID[t] for t in bio_tags(len(text), spans)]] * 50)
    pools = name_pools(encoder)
    out = swap_names(ids, tags, np.random.default_rng(0), pools, p=0.5)
    assert out.shape == ids.shape and not np.array_equal(out, ids)
    inside = tags[0] > 0
    assert (out[:, ~inside] == ids[:, ~inside]).all()  # context untouched
    assert (out[:, [7, 13]] == ids[:, [7, 13]]).all()  # a place keeps its last character (中, 州)
    surname_ids = set(encoder.encode("".join(sorted(SURNAMES_1))).tolist())
    assert set(out[:, 0].tolist()) <= surname_ids
    assert (out != encoder.unk).all()
    assert np.array_equal(swap_names(ids, tags, np.random.default_rng(0), pools, p=0.0), ids)
