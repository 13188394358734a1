"""Books never collide: ids unique to each book (Chinese titles included), no book written over another."""

from __future__ import annotations

import shutil

import pytest

from flows.batch import book_id_for, book_identity
from flows.digitize import digitize
from tests.conftest import SAMPLE_BOOK
from wenyuan.document import BookMetadata
from wenyuan.errors import BookConflictError


def test_books_with_chinese_titles_get_different_stable_ids(tmp_path):
    a, b = tmp_path / "論語 卷一", tmp_path / "孟子 卷二"
    ids = [book_id_for([a], BookMetadata(), None), book_id_for([b], BookMetadata(), None)]
    assert ids[0] != ids[1]
    assert ids[0] == book_id_for([a], BookMetadata(), None)  # the same batch again: the same book
    assert all(i.isascii() and i[0].isalpha() for i in ids)


def test_the_same_folder_name_elsewhere_or_another_catalogued_title_is_another_book(tmp_path):
    here, there = tmp_path / "x" / "scans", tmp_path / "y" / "scans"
    assert book_id_for([here], BookMetadata(), None) != book_id_for([there], BookMetadata(), None)
    lunyu, mengzi = BookMetadata(title="論語"), BookMetadata(title="孟子")
    assert book_id_for([here], lunyu, None) != book_id_for([here], mengzi, None)
    # A catalogue record names the book (a folder given its id refuses any other), while two uploads of it
    # are two batches with folders of their own.
    assert book_identity([here], lunyu) == book_identity([there], lunyu) != book_identity([here], mengzi)
    volume_1 = BookMetadata(title="論語", extra={"volume": "1"})
    volume_2 = BookMetadata(title="論語", extra={"volume": "2"})
    assert book_identity([here], volume_1) != book_identity([here], volume_2)


def test_an_id_the_archivist_gives_is_kept(tmp_path):
    assert book_id_for([tmp_path], BookMetadata(extra={"id": "lunyu-sample"}), None) == "lunyu-sample"
    assert book_id_for([tmp_path], BookMetadata(), "my-book") == "my-book"


def test_a_different_book_is_never_written_over_an_existing_one(prefect_server, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, page in ((first, "page_0001.jpg"), (second, "page_0002.jpg")):
        folder.mkdir()
        shutil.copy(SAMPLE_BOOK / page, folder / page)
    out = tmp_path / "out"
    kept = digitize(inputs=[str(first)], out=str(out), book_id="same", device="cpu", punctuate=False)
    before = (out / "same" / "same.json").read_bytes()
    with pytest.raises(BookConflictError, match="another book"):
        digitize(inputs=[str(second)], out=str(out), book_id="same", device="cpu", punctuate=False)
    assert (out / "same" / "same.json").read_bytes() == before and kept["pages"] == 1


def test_another_batch_uploaded_under_the_same_name_is_another_book(tmp_path):
    inbox_batch = tmp_path / "inbox" / "scans"
    inbox_batch.mkdir(parents=True)
    (inbox_batch / "p1.jpg").write_bytes(b"x" * 10)
    first = book_id_for([inbox_batch], BookMetadata(), None)
    (inbox_batch / "p1.jpg").write_bytes(b"y" * 20)  # next week's upload, same folder name
    assert book_id_for([inbox_batch], BookMetadata(), None) != first
