"""Parallel corpus loader: streaming, cleaning of the known quirks, and a record of what was dropped."""

from __future__ import annotations

import gzip
import itertools

import pytest

from corpora.parallel import CleaningConfig, DropReport, clean_pair, iter_pairs
from tests.conftest import shared_file


@pytest.mark.parametrize(
    ("src", "tgt", "expected"),
    [
        # Spaces left by dropped quotation marks go.
        ("子曰 學而時習之", "孔子说 学习", ("子曰學而時習之", "孔子说学习")),
        # A 原文 heading glued to the translation is stripped.
        (
            "李牧，趙北邊良將也。",
            "原文李牧是赵国戍守北方边境的大将。",
            ("李牧，趙北邊良將也。", "李牧是赵国戍守北方边境的大将。"),
        ),
        ("甲**乙", "甲乙丙", "placeholder **"),
        ("", "甲", "empty"),
        ("甲" * 200, "乙" * 200, "too long"),
        ("甲乙丙丁戊己庚辛", "甲", "target too short"),
    ],
)
def test_clean_pair(src, tgt, expected):
    assert clean_pair(src, tgt, CleaningConfig()) == expected


def test_real_corpus_streams_and_counts_drops():
    report = DropReport()
    pairs = list(itertools.islice(iter_pairs(shared_file("corpora/cm_dev.tsv.gz"), report=report), 3000))
    assert report.kept == len(pairs) > 2800
    assert report.read == report.kept + sum(report.dropped.values())
    assert all(p.src and p.tgt and " " not in p.src + p.tgt for p in pairs)


def test_wrong_header_is_refused_naming_the_file(tmp_path):
    bad = tmp_path / "bad.tsv.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as fh:
        fh.write("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match=r"bad\.tsv\.gz"):
        list(iter_pairs(bad))


def test_a_file_that_is_not_gzip_is_a_corpus_error_naming_it(tmp_path):
    from wenyuan.errors import CorpusError

    bad = tmp_path / "notgzip.tsv.gz"
    bad.write_bytes(b"book\tchapter\tsrc\ttgt\n")
    with pytest.raises(CorpusError, match=r"notgzip\.tsv\.gz: cannot be read"):
        list(iter_pairs(bad))
