"""The character trigram model and the OCR re-scoring that uses it (the shipped counts, real scoring)."""

from __future__ import annotations

import pytest

from models.build_char_lm import count_ngrams
from models.char_lm import CharTrigramLM, Rescoring, load_char_lm, rescore_readings
from wenyuan.errors import ModelLoadError


def test_counts_are_of_han_runs_padded_and_pruned():
    counts, total = count_ngrams(["學而時習之，學而", "ab 學而"], min_bigram=2, min_trigram=2)
    assert total == 9
    assert counts["學"] == 3 and counts["學而"] == 3  # runs are split at punctuation and Latin
    assert counts["^學而"] == 3 and "習之$" not in counts  # boundaries count; a trigram seen once is pruned
    assert "而時" not in counts  # a bigram seen once is pruned


def test_a_doubtful_reading_yields_to_the_one_that_reads_in_context():
    lm = load_char_lm()
    text = "學而時習之不亦說乎"
    readings = list(text)
    readings[3] = "羽"  # a worn 習 read as 羽, with 習 the second guess
    confidences = [0.99] * len(text)
    confidences[3] = 0.5
    alternatives = [None] * len(text)
    alternatives[3] = [("羽", 0.5), ("習", 0.4), ("翌", 0.05)]
    assert rescore_readings(readings, confidences, alternatives, lm) == [-1, -1, -1, 1, -1, -1, -1, -1, -1]


def test_a_confident_reading_is_never_changed():
    lm = load_char_lm()
    readings = list("學而時羽之")
    alternatives = [None, None, None, [("羽", 0.95), ("習", 0.04)], None]
    chosen = rescore_readings(readings, [0.99, 0.99, 0.99, 0.95, 0.99], alternatives, lm, Rescoring(below=0.9))
    assert chosen == [-1] * 5


def test_a_folder_without_counts_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match=str(tmp_path)):
        CharTrigramLM.from_pretrained(tmp_path)


def test_corrupt_counts_are_a_clear_error_naming_the_file(tmp_path):
    (tmp_path / "counts.tsv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ModelLoadError, match=r"counts\.tsv\.gz: corrupt"):
        CharTrigramLM.from_pretrained(tmp_path)
