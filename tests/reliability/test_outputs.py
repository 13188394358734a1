"""What a run leaves on disk: files others can read (a web or OAI server under another account)."""

from __future__ import annotations

import stat

from wenyuan.io import atomic_write_text


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomically_written_files_are_readable_by_others_under_the_usual_umask(tmp_path):
    path = tmp_path / "book.tei.xml"
    atomic_write_text(path, "<TEI/>")
    assert _mode(path) & 0o044 == 0o044  # group and others may read (umask 022 in CI and at archives)


def test_every_output_of_a_digitised_book_is_readable_by_others(digitized_sample):
    out = digitized_sample["out"]
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert any(p.suffix == ".xml" for p in files) and any(p.parent.name == "pages" for p in files)
    unreadable = [str(p.relative_to(out)) for p in files if _mode(p) & 0o044 != 0o044]
    assert unreadable == []
