"""Inbox conventions: which uploads are complete, claiming a batch once, filing it without overwriting."""

from __future__ import annotations

from flows.inbox import claim, complete_batches, file_away, is_complete


def test_complete_batches_need_a_manifest_or_ready_marker(tmp_path):
    (tmp_path / "with-ready").mkdir()
    (tmp_path / "with-ready" / "READY").write_text("")
    (tmp_path / "with-manifest").mkdir()
    (tmp_path / "with-manifest" / "manifest.csv").write_text("title\n論語\n")
    (tmp_path / "still-copying").mkdir()
    (tmp_path / "still-copying" / "page1.jpg").write_bytes(b"x")
    (tmp_path / "upload.zip").write_bytes(b"PK")
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "READY").write_text("")
    assert {p.name for p in complete_batches(tmp_path)} == {"with-ready", "with-manifest"}
    assert not is_complete(tmp_path / "upload.zip")
    (tmp_path / "upload.zip.READY").write_text("")
    assert is_complete(tmp_path / "upload.zip")
    assert "upload.zip" in [p.name for p in complete_batches(tmp_path)]


def test_a_batch_is_claimed_once_and_filed_without_overwriting(tmp_path):
    batch = tmp_path / "b1"
    batch.mkdir()
    (batch / "READY").write_text("")
    work = claim(batch, tmp_path)
    assert work == tmp_path / ".processing" / "b1" and work.is_dir()
    assert claim(batch, tmp_path) is None  # a second run finds it gone
    first = file_away(work, tmp_path / "done", "# b1: done\n")
    again = tmp_path / ".processing" / "b1"
    again.mkdir()
    second = file_away(again, tmp_path / "done", "# b1 again\n")
    assert first != second and first.is_dir() and second.is_dir()
    assert (tmp_path / "done" / "b1.report.md").read_text() == "# b1: done\n"
