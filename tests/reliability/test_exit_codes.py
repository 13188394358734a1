"""Exit codes that mean what they say: 0 all done, 3 done with inputs quarantined, 1 nothing usable.

A missing path fails at once, before Prefect or a model loads; an empty folder and a batch of bad inputs only
fail too, writing no empty edition, and the bad inputs' evidence is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import EXIT_FAILED, main
from flows.digitize import digitize
from wenyuan.errors import NoInputError


def test_a_missing_path_fails_at_once_naming_it(tmp_path):
    result = CliRunner().invoke(main, ["digitize", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_FAILED
    assert "nope" in result.stderr and "no such file or folder" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_empty_folder_fails_and_writes_no_edition(prefect_server, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoInputError, match="no usable page image"):
        digitize(inputs=[str(tmp_path / "empty")], out=str(tmp_path / "out"), device="cpu", punctuate=False)
    assert not list((tmp_path / "out").rglob("*.tei.xml"))


def test_a_batch_of_only_bad_inputs_fails_keeping_the_evidence(prefect_server, tmp_path):
    batch = tmp_path / "bad"
    batch.mkdir()
    (batch / "zero.png").write_bytes(b"")
    (batch / "text.jpg").write_bytes(b"not an image\n")
    (batch / "notes.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(NoInputError) as err:
        digitize(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False)
    assert "zero.png" in str(err.value) and "text.jpg" in str(err.value)
    assert not list((tmp_path / "out").rglob("*.tei.xml"))
    [record] = list((tmp_path / "out").rglob("quarantine.json"))
    assert {q["path"].rsplit("/", 1)[-1] for q in json.loads(record.read_text())} == {
        "zero.png",
        "text.jpg",
        "notes.docx",
    }


def test_a_batch_whose_every_page_fails_to_decode_keeps_its_quarantine(prefect_server, tmp_path):
    batch = tmp_path / "undecodable"
    batch.mkdir()
    (batch / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # a PNG signature, then garbage
    (batch / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    with pytest.raises(NoInputError, match="every input was quarantined"):
        digitize(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False)
    [record] = list((tmp_path / "out").rglob("quarantine.json"))
    assert {q["path"].rsplit("/", 1)[-1] for q in json.loads(record.read_text())} == {"a.png", "b.jpg"}
    assert not list((tmp_path / "out").rglob("*.tei.xml"))


def test_bad_files_of_the_same_name_in_two_folders_are_both_kept(prefect_server, tmp_path):
    import shutil

    from tests.conftest import SAMPLE_BOOK

    batch = tmp_path / "batch"
    for sub, content in (("sub1", b"first bad file"), ("sub2", b"second bad file")):
        (batch / sub).mkdir(parents=True)
        (batch / sub / "scan.jpg").write_bytes(content)
    shutil.copy(SAMPLE_BOOK / "page_0001.jpg", batch / "page_0001.jpg")
    result = digitize(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False)
    qdir = Path(result["json"]).parent / "quarantine"
    record = json.loads((qdir / "quarantine.json").read_text())
    copies = {q["path"].split("batch/")[1]: (qdir / q["kept_as"]).read_bytes() for q in record}
    assert copies == {"sub1/scan.jpg": b"first bad file", "sub2/scan.jpg": b"second bad file"}
    assert result["pages"] == 1


def test_a_killed_runs_debris_is_swept_and_a_live_runs_is_not(tmp_path):
    import os
    import subprocess

    from flows.batch import sweep_sections, sweep_stale_workdirs

    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = tmp_path / f"wenyuan-ingest-{gone.pid}-abc"
    live = tmp_path / f"wenyuan-ingest-{os.getpid()}-def"
    for folder in (stale, live):
        (folder / "unzipped").mkdir(parents=True)
    assert sweep_stale_workdirs(tmp_path) == [stale] and live.is_dir()
    book = tmp_path / "out" / "book"
    (book / ".sections-x1y2").mkdir(parents=True)
    (book / "pages").mkdir()
    assert [p.name for p in sweep_sections(book)] == [".sections-x1y2"] and (book / "pages").is_dir()
