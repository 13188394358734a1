"""A person's corrections on the document model: characters, marks, translations, sessions, training rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from corpora.parallel import iter_pairs
from tasks.corrections import (
    CorrectionError,
    Tally,
    correct_char,
    record_session,
    repunctuate,
    retranslate,
    training_rows,
    write_training_data,
)
from tests.conftest import one_line_book
from wenyuan.document import Char, Sentence


def test_a_corrected_character_keeps_the_machine_reading_and_setting_it_back_undoes_the_correction():
    ch = Char(text="學")
    assert correct_char(ch, "斆", "wang") and (ch.text, ch.sic, ch.corrected_by) == ("斆", "學", "wang")
    assert correct_char(ch, "敎", "li") and (ch.sic, ch.corrected_by) == ("學", "li")  # still the machine's
    assert correct_char(ch, "學", "li") and (ch.text, ch.sic, ch.corrected_by) == ("學", None, None)
    assert not correct_char(ch, "學", "li")
    for bad in ("", "ab", " ", "\u0301", "\x00"):
        with pytest.raises(CorrectionError):
            correct_char(ch, bad, "li")


def test_repunctuating_changes_only_the_marks_that_differ_and_keeps_the_rest_as_they_were():
    chars = [Char(text=c) for c in "子曰·學而"]
    chars[1].punct_after = "：「"  # a mark the label set reads as ：, with an opening bracket
    chars[4].punct_after = "」。"
    # The middle dot is a page character the punctuator reads as a mark: left out on both sides.
    assert repunctuate(chars, "子曰：學而。", "wang") == 0
    assert [c.punct_after for c in chars] == [None, "：「", None, None, "」。"]
    assert repunctuate(chars, "子曰：學，而。", "wang") == 1
    assert (chars[3].punct_after, chars[3].punct_by) == ("，", "wang")
    assert chars[4].punct_after == "」。" and chars[4].punct_by is None
    with pytest.raises(CorrectionError, match="characters"):
        repunctuate(chars, "子曰學。", "wang")  # one character short: refused, nothing changed
    assert chars[3].punct_after == "，"


def test_a_translation_set_by_a_person_says_so():
    s = Sentence(id="s1", start=0, end=2, translation="机器译文")
    assert not retranslate(s, " 机器译文 ", "wang")
    assert retranslate(s, "人工译文", "wang") and (s.translation, s.translated_by) == ("人工译文", "wang")


def test_saves_by_one_person_within_the_hour_are_one_session_of_work():
    book = one_line_book("學而")
    t0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    record_session(book, "wang", Tally(characters=1), t0)
    record_session(book, "wang", Tally(marks=2), t0 + timedelta(minutes=30))
    assert len(book.changes) == 1 and "1 character(s), 2 punctuation mark(s)" in book.changes[0].what
    record_session(book, "li", Tally(characters=1), t0 + timedelta(minutes=40))
    record_session(book, "wang", Tally(characters=1), t0 + timedelta(minutes=45))
    record_session(book, "wang", Tally(characters=1), t0 + timedelta(hours=3))
    assert [c.who for c in book.changes] == ["wang", "li", "wang", "wang"]


def test_training_rows_are_what_people_changed_and_read_back_as_a_corpus(tmp_path):
    book = one_line_book(
        [Char(text=c) for c in "學而時習之不亦說乎"],
        sentences=[Sentence(id="s1", start=0, end=5, translation='机器"译文'), Sentence(id="s2", start=5, end=9)],
    )
    chars = next(book.pages[0].lines()).chars
    repunctuate(chars[:5], "學而時習之。", "wang")
    retranslate(book.sentences[0], '学习\t"并且"\\复习', "wang")
    correct_char(chars[6], "示", "wang")  # a character only: no punctuation example for s2
    punctuation, translation = training_rows(book)
    assert [r[1] for r in punctuation] == ["s1"] and [r[1] for r in translation] == ["s1"]
    counts = write_training_data(book, tmp_path, tmp_path / "corrections")
    assert counts == {"ocr_lines": 1, "punctuation": 1, "translations": 1}
    pairs = list(iter_pairs(tmp_path / "corrections" / "translations.tsv"))
    # Quotes and backslashes as written (the tab became a space, which the corpus loader drops).
    assert [(p.src, p.tgt) for p in pairs] == [("學而時習之。", '学习"并且"\\复习')]
