"""The batch's book folder: a book people have corrected is never rebuilt over their corrections."""

import pytest

from flows.batch import open_book_dir
from wenyuan.errors import BookConflictError


def test_a_proofread_book_is_not_digitised_again(tmp_path):
    book = tmp_path / "b"
    with open_book_dir(book, "inputs:a"):
        pass  # a first run claims the folder
    with open_book_dir(book, "inputs:a"):
        pass  # a re-run of the same batch may resume it
    (book / ".workbench").mkdir()
    (book / ".workbench" / "versions.json").write_text('{"p1": 1}')
    with pytest.raises(BookConflictError, match="corrected this edition"), open_book_dir(book, "inputs:a"):
        pass
