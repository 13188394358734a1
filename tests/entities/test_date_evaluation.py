"""The hand-checked date sets: their spans point at their texts, and the finder is scored on them."""

from __future__ import annotations

import gzip
import json

import pytest

from entities.date_evaluation import (
    HAND_SETS,
    IN_SCOPE,
    Dated,
    dev_units,
    heldout_units,
    same_era,
    score_dates,
    wenyuan_finder,
)
from tests.conftest import shared_file


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in HAND_SETS[name].read_text(encoding="utf-8").splitlines()]


def test_dev_dates_point_at_their_rows_of_cm_dev():
    rows = _rows("dev")
    assert len(rows) == 141 and sum(len(r["dates"]) for r in rows) == 133
    with gzip.open(shared_file("corpora/cm_dev.tsv.gz"), "rt", encoding="utf-8") as fh:
        corpus = [line.rstrip("\n").split("\t") for line in fh][1:]
    for row in rows:
        assert corpus[row["row"]][2] == row["text"]
        for d in row["dates"]:
            assert row["text"][d["start"] : d["end"]] == d["text"]
            assert d["kind"] in (*IN_SCOPE, "ruler-year")


def test_heldout_candidates_and_dates_point_at_their_paragraphs():
    rows = _rows("heldout")
    assert len(rows) == 150
    with gzip.open(shared_file("corpora/punct_dev.jsonl.gz"), "rt", encoding="utf-8") as fh:
        paragraphs = [json.loads(line)["text"] for line in fh]
    for row in rows:
        text = paragraphs[row["paragraph"]]
        a, b = row["candidate"]
        assert text[a:b] == row["candidate_text"] and text[b - 1] in "年载載"
        if row["date"]:
            d = row["date"]
            assert text[d["start"] : d["end"]] == d["text"] and d["start"] < b and a < d["end"]


def test_scoring_counts_overlaps_exact_spans_eras_and_false_finds():
    gold = [Dated(0, 4, "至元", "era-year"), Dated(10, 13, "至元", "carried-year"), Dated(20, 23, None, "ruler-year")]
    found = [Dated(0, 4, "至元"), Dated(10, 12, "大德"), Dated(20, 23, "元封"), Dated(30, 33, "至元")]
    s = score_dates([(gold, found)])
    assert (s["predicted"], s["false_finds"], s["recall"], s["exact_span_recall"], s["era_right"]) == (
        4,
        2,
        1.0,
        0.5,
        0.5,
    )
    assert s["precision"] == 0.5


@pytest.mark.parametrize(
    ("name", "units", "corpus"), [("dev", dev_units, "cm_dev.tsv.gz"), ("heldout", heldout_units, "punct_dev.jsonl.gz")]
)
def test_reading_in_sequence_finds_the_years_histories_write_without_their_era(name, units, corpus):
    path = shared_file(f"corpora/{corpus}")
    alone = score_dates(units(wenyuan_finder(in_sequence=False), HAND_SETS[name], path), same_era)
    carried = score_dates(units(wenyuan_finder(), HAND_SETS[name], path), same_era)
    assert alone["kinds"]["carried-year"]["found"] == 0
    assert carried["kinds"]["carried-year"]["found"] > carried["kinds"]["carried-year"]["gold"] / 2
    assert carried["f1"] > alone["f1"] and carried["f1"] >= 0.9 and carried["precision"] >= 0.95
    assert carried["era_right"] >= 0.95


def test_a_broken_hand_set_line_is_an_error_naming_file_and_line(tmp_path):
    from wenyuan.errors import CorpusError

    bad = tmp_path / "dates_bad.jsonl"
    bad.write_text('{"row": 0, "dates": []}\n{"row": 1, "dates": [\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"dates_bad\.jsonl:2: not a JSON line"):
        dev_units(wenyuan_finder(), bad, tmp_path / "unused.tsv.gz")
