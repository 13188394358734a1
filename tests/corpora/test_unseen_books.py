"""The unseen-book dev set: whole books held out of training, drawn reproducibly from the training corpus."""

from __future__ import annotations

import gzip

import pytest

from corpora.parallel import DropReport, iter_pairs
from corpora.unseen_books import UNSEEN_BOOKS, dev_set_id, main, unseen_dev_pairs, write_pairs
from tests.conftest import shared_file


def _corpus(tmp_path, rows):
    path = tmp_path / "train.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("book\tchapter\tsrc\ttgt\n")
        fh.writelines(f"{b}\t{c}\t{s}\t{t}\n" for b, c, s, t in rows)
    return path


def test_held_out_books_are_sampled_evenly_and_interleaved(tmp_path):
    rows = [("甲书", "一", f"子曰{i}甲", f"孔子说{i}甲") for i in range(10)]
    rows += [("乙书", "一", f"王曰{i}乙", f"王说{i}乙") for i in range(3)]
    rows += [("丙书", "一", "他书也", "别的书")]
    pairs = unseen_dev_pairs(_corpus(tmp_path, rows), books=("甲书", "乙书"), per_book=4)
    assert [p.book for p in pairs] == ["乙书", "甲书"] * 3 + ["甲书"]
    # Spread over the book, not its first rows.
    assert [p.src for p in pairs if p.book == "甲书"] == ["子曰0甲", "子曰2甲", "子曰5甲", "子曰7甲"]


def test_a_missing_held_out_book_is_an_error_naming_it(tmp_path):
    path = _corpus(tmp_path, [("甲书", "一", "子曰", "孔子说")])
    with pytest.raises(ValueError, match="乙书"):
        unseen_dev_pairs(path, books=("甲书", "乙书"))


def test_training_reads_never_see_held_out_books(tmp_path):
    path = _corpus(tmp_path, [("甲书", "一", "子曰", "孔子说"), ("乙书", "一", "王曰", "王说")])
    report = DropReport()
    assert [p.book for p in iter_pairs(path, report=report, exclude_books={"乙书"})] == ["甲书"]
    assert report.dropped["held-out book"] == 1


def test_the_file_is_reproducible_and_its_id_names_its_content(tmp_path):
    path = _corpus(tmp_path, [("甲书", "一", "子曰", "孔子说"), ("甲书", "二", "王曰", "王说")])
    pairs = unseen_dev_pairs(path, books=("甲书",))
    a, b = write_pairs(pairs, tmp_path / "a.tsv.gz"), write_pairs(pairs, tmp_path / "b.tsv.gz")
    assert a.read_bytes() == b.read_bytes()
    assert [p.src for p in iter_pairs(a)] == ["子曰", "王曰"]
    assert dev_set_id(a).split()[1] == dev_set_id(b).split()[1]
    write_pairs(pairs[:1], b)
    assert dev_set_id(a).split()[1] != dev_set_id(b).split()[1]


def test_the_real_corpus_holds_every_unseen_book(tmp_path, capsys):
    train = shared_file("corpora/cm_train.tsv.gz")
    out = tmp_path / "unseen.tsv.gz"
    main(["--train", str(train), "--out", str(out), "--per-book", "50"])
    pairs = list(iter_pairs(out))
    assert {p.book for p in pairs} == set(UNSEEN_BOOKS)
    assert len(pairs) == 50 * len(UNSEEN_BOOKS)
    assert "250 pairs" in capsys.readouterr().out
