"""Punctuated corpus: label extraction and re-insertion on real corpus lines."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpora.punct import (
    PUNCT_LABELS,
    canonical_punctuation,
    extract_labels,
    insert_labels,
    is_punctuation,
    iter_paragraphs,
    mark_may_follow,
)
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def dev_paragraphs() -> list[str]:
    return [p for _b, p in itertools.islice(iter_paragraphs(shared_file("corpora/punct_dev.jsonl.gz")), 500)]


def test_round_trip_is_exact_on_real_corpus_lines(dev_paragraphs):
    exact = 0
    for para in dev_paragraphs:
        lt = extract_labels(para)
        assert len(lt.chars) == len(lt.labels)
        back = insert_labels(lt.chars, lt.labels)
        assert back == canonical_punctuation(para)
        # Characters survive in order; only marks the label set cannot express are gone.
        assert "".join(c for c in back if c not in PUNCT_LABELS) == "".join(c for c in para if not is_punctuation(c))
        exact += back == para
    # Lines that use only the label set's marks (most of the corpus) come back byte for byte.
    assert exact >= 0.5 * len(dev_paragraphs)


@pytest.mark.parametrize(
    ("text", "chars", "labels"),
    [
        ("子曰：學而時習之。", "子曰學而時習之", ["O", "：", "O", "O", "O", "O", "。"]),
        # The strongest of adjacent marks wins; a mark before any character is dropped.
        ("，甲，。乙", "甲乙", ["。", "O"]),
        # Quotation and book-title marks are stripped and carry no label.
        ("讀《史記》曰“善”", "讀史記曰善", ["O"] * 5),
        # Half-width marks fold into the label set.
        ("甲,乙.", "甲乙", ["，", "。"]),
    ],
)
def test_extract_labels_cases(text, chars, labels):
    lt = extract_labels(text)
    assert lt.chars == chars and list(lt.labels) == labels


def test_insert_labels_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="2 characters but 1 labels"):
        insert_labels("甲乙", ["O"])


@given(st.text(alphabet=st.sampled_from(list("甲乙丙丁𠀀ab1 ，。、；：？！《》“”")), max_size=40))
def test_extract_then_insert_is_idempotent(text):
    once = canonical_punctuation(text)
    assert canonical_punctuation(once) == once


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", r"bad\.jsonl\.gz: cannot be read"),
        (None, r"bad\.jsonl\.gz: line 2 is not a record"),
    ],
)
def test_unreadable_corpus_is_a_corpus_error_naming_file_and_line(tmp_path, content, message):
    import gzip

    from corpora.punct import iter_paragraphs
    from wenyuan.errors import CorpusError

    bad = tmp_path / "bad.jsonl.gz"
    if content is None:
        with gzip.open(bad, "wt", encoding="utf-8") as fh:
            fh.write('{"book": "论语", "text": "学而时习之。"}\n{"book": "论语"}\n')
    else:
        bad.write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        list(iter_paragraphs(bad))


def test_paragraphs_their_source_left_unpunctuated_are_left_out_of_training_data():
    from collections import Counter

    from corpora.punct import is_unpunctuated, iter_labelled

    dev = shared_file("corpora/punct_dev.jsonl.gz")
    unpunctuated = [extract_labels(p) for book, p in iter_paragraphs(dev) if book == "册府元龟"]
    assert unpunctuated and all(is_unpunctuated(lt) for lt in unpunctuated if len(lt.chars) >= 30)
    # A sparsely punctuated line is kept (two breaks in 34 characters), a bare one is not.
    assert not is_unpunctuated(
        extract_labels("初仕後周为大将军袭爵隋国公，周武帝聘高祖长女为皇太子妃，齐王宪言於周帝曰")
    )
    assert is_unpunctuated(extract_labels("初仕後周为大将军袭爵隋国公周武帝聘高祖长女为皇太子妃齐王宪言於周帝曰"))

    dropped: Counter = Counter()
    kept = list(iter_labelled(dev, dropped=dropped))
    left_out = dropped["unpunctuated characters"]
    assert sum(len(lt.chars) for lt in unpunctuated) * 0.95 <= left_out <= 0.03 * sum(len(lt.chars) for lt in kept)
    assert not any(is_unpunctuated(lt) for lt in kept)
    assert len(list(iter_labelled(dev, skip_unpunctuated=False))) == len(kept) + dropped["unpunctuated paragraphs"]


@pytest.mark.parametrize(
    ("ch", "nxt", "allowed"),
    [
        ("之", "不", True),
        ("之", None, True),
        ("b", "c", False),  # inside a Latin word
        ("7", "1", False),  # inside a number
        ("ｂ", "ｃ", False),  # full-width letters too
        ("3", "冊", True),  # a number then a Han character: a mark may stand between them
        ("子", "\ufe00", False),  # before a variation selector
        ("之", "\U000e0100", False),  # before an ideographic variation selector
        ("e", "\u0301", False),  # before a combining accent
        ("子", "\u200d", False),  # before a joiner
        ("〇", "一", True),  # Han numerals are not a word run
    ],
)
def test_marks_may_not_split_a_word_or_detach_a_combining_mark(ch, nxt, allowed):
    assert mark_may_follow(ch, nxt) is allowed
