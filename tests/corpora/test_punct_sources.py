"""The parallel corpus's punctuated sources as punctuator training text: packing, dev text and headings left out."""

from __future__ import annotations

import gzip
import itertools
from collections import Counter

from corpora.punct import canonical_punctuation, extract_labels, insert_labels, iter_paragraphs
from corpora.punct_sources import OVERLAP_CHARS, dev_runs, iter_source_paragraphs, text_runs
from tests.conftest import shared_file

_HEADER = "book\tchapter\tsrc\ttgt\n"


def _tsv(tmp_path, rows: list[tuple[str, str, str]]):
    path = tmp_path / "cm.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(_HEADER)
        fh.writelines(f"{book}\t{chapter}\t{src}\t译文。\n" for book, chapter, src in rows)
    return path


def test_sentences_are_packed_by_chapter_with_their_marks(tmp_path):
    rows = [
        ("史记", "卷一", "与项羽相距岁馀。"),
        ("汉书", "卷二", "是时帝在鲁，闻弇为步所攻。"),
        ("史记", "卷一", "藉使子婴有庸主之材，仅得中佐？"),
        ("史记", "卷一", "山东虽乱，秦之地可全而有。"),
    ]
    paragraphs = list(iter_source_paragraphs(_tsv(tmp_path, rows), paragraph_chars=20))
    texts = [insert_labels(p.chars, p.labels) for p in paragraphs]
    # 史记 卷一: its first two sentences reach 20 characters, the third starts a new paragraph; 汉书 stays apart.
    assert texts == [
        "与项羽相距岁馀。藉使子婴有庸主之材，仅得中佐？",
        "山东虽乱，秦之地可全而有。",
        "是时帝在鲁，闻弇为步所攻。",
    ]


def test_dev_text_and_unclosed_sentences_are_left_out_and_counted(tmp_path):
    dev_sentence = "阴乡侯阴识贵人之兄也以军功当增封"
    rows = [
        ("资治通鉴", "汉纪", "阴乡侯阴识，贵人之兄也，以军功当增封，识叩头让。"),  # shares a run with dev
        ("智囊", "卷一", "原文"),  # a heading: no closing mark
        ("史记", "卷一", "与项羽相距岁馀。"),
    ]
    dropped: Counter = Counter()
    kept = list(iter_source_paragraphs(_tsv(tmp_path, rows), text_runs([dev_sentence]), dropped))
    assert [p.chars for p in kept] == ["与项羽相距岁馀"]
    assert dropped["shares text with dev sentences"] == 1
    assert dropped["no closing mark sentences"] == 1
    assert dropped["no closing mark characters"] == 2


def test_runs_are_of_unpunctuated_text():
    runs = text_runs(["天下大势，分久必合，合久必分。"])
    assert "天下大势分久必合合久必分"[:OVERLAP_CHARS] in runs
    assert all(len(r) == OVERLAP_CHARS and "，" not in r for r in runs)
    assert text_runs(["短句。"]) == set()


def test_real_corpus_sources_keep_their_characters_and_marks(tmp_path):
    """On real rows of cm_dev, what is kept is the closed sources' own text and punctuation, nothing added."""
    with gzip.open(shared_file("corpora/cm_dev.tsv.gz"), "rt", encoding="utf-8") as fh:
        lines = list(itertools.islice(fh, 301))
    path = tmp_path / "cm_dev_slice.tsv"
    path.write_text("".join(lines), encoding="utf-8")
    sources = [canonical_punctuation(line.split("\t")[2]) for line in lines[1:]]
    closed = "".join(s for s in sources if s and s[-1] in "。？！，；：、")
    kept = "".join(insert_labels(p.chars, p.labels) for p in iter_source_paragraphs(path))
    assert not Counter(kept) - Counter(closed)  # nothing that was not in the sources
    assert len(kept) >= 0.95 * len(closed)


def test_dev_runs_cover_the_dev_file():
    path = shared_file("corpora/punct_dev.jsonl.gz")
    runs = dev_runs(path)
    _book, first = next(iter_paragraphs(path))
    chars = extract_labels(first).chars
    assert chars[:OVERLAP_CHARS] in runs and len(runs) > 100_000
