"""The ``wenyuan`` command line: help everywhere, meaningful exit codes, real output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, main
from models.metrics import character_error_rate
from tests.conftest import SAMPLE_BOOK, shared_file

COMMANDS = [
    "digitize",
    "ocr",
    "validate",
    "punctuate",
    "eval-punctuation",
    "train-punctuator",
    "translate",
    "eval-translation",
    "train-translator",
    "export",
    "import-tei",
    "serve-oai",
    "dates",
    "annotate",
    "calibrate-punctuator",
    "prune-results",
    "train-entity-tagger",
    "setup-prefect",
    "pretrain-encoder",
]


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_ocr_text_prints_one_line_per_column_in_reading_order(runner, sample_truth):
    result = runner.invoke(main, ["ocr", str(SAMPLE_BOOK / "page_0003.jpg")])
    assert result.exit_code == EXIT_OK, result.output
    lines = result.output.splitlines()
    truth = sample_truth[2]
    assert len(lines) >= len([ln for ln in truth["lines"] if ln["text"]]) - 1
    assert character_error_rate("".join(lines), truth["text"]) < 0.05


def test_ocr_json_and_unreadable_input(runner, tmp_path):
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    result = runner.invoke(main, ["ocr", "--format", "json", str(SAMPLE_BOOK / "page_0003.jpg"), str(bad)])
    assert result.exit_code == EXIT_PARTIAL
    page = json.loads(result.stdout.splitlines()[0])
    assert page["regions"] and page["regions"][0]["lines"][0]["chars"][0]["confidence"] > 0
    assert "empty.png" in result.stderr


def test_validate_exit_codes(runner, digitized_sample, tmp_path):
    ok = runner.invoke(main, ["validate", digitized_sample["tei"]])
    assert ok.exit_code == EXIT_OK and "valid" in ok.output
    broken = tmp_path / "broken.tei.xml"
    broken.write_text("<TEI><text>", encoding="utf-8")
    result = runner.invoke(main, ["validate", digitized_sample["tei"], str(broken), str(tmp_path / "missing.xml")])
    assert result.exit_code == EXIT_FAILED
    assert "broken.tei.xml: INVALID" in result.stderr and "missing.xml" in result.stderr


def test_punctuate_only_inserts_marks(runner):
    text = "學而時習之不亦說乎有朋自遠方來不亦樂乎\n\nabc 123 𠀀字"
    result = runner.invoke(main, ["punctuate"], input=text + "\n")
    assert result.exit_code == EXIT_OK, result.output
    out = result.stdout.splitlines()
    assert len(out) == 3 and out[1] == ""
    strip = lambda s: "".join(c for c in s if c not in "，。、；：？！")  # noqa: E731
    assert strip(out[0]) == text.splitlines()[0]
    assert strip(out[2]) == "abc 123 𠀀字"


def test_translate_keeps_line_count_and_empty_lines(runner):
    result = runner.invoke(main, ["translate"], input="學而時習之，不亦說乎？\n\n子曰：溫故而知新。\n")
    assert result.exit_code == EXIT_OK, result.output
    out = result.stdout.splitlines()
    assert len(out) == 3 and out[1] == ""
    assert out[0] and out[2]


def test_digitize_reports_quarantine_with_exit_code_3(runner, prefect_server, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    result = runner.invoke(
        main,
        [
            "digitize",
            str(SAMPLE_BOOK / "page_0003.jpg"),
            str(bad),
            "--out",
            str(tmp_path / "out"),
            "--book-id",
            "cli-test",
        ],
    )
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "broken.jpg" in result.stderr
    assert (tmp_path / "out" / "cli-test" / "cli-test.tei.xml").exists()
    assert [p.name.split("-", 1)[1] for p in (tmp_path / "out" / "cli-test" / "quarantine").glob("*.jpg")] == [
        "broken.jpg"
    ]


def test_translate_passes_non_chinese_lines_and_rejects_non_utf8_naming_the_line(runner):
    ok = runner.invoke(main, ["translate"], input="Hello, world 123\n")
    assert ok.exit_code == EXIT_OK and len(ok.stdout.splitlines()) == 1
    bad = runner.invoke(main, ["translate"], input="子曰\n".encode() + b"\xff\xfe\n")
    assert bad.exit_code == EXIT_FAILED
    assert "line 2" in bad.stderr and "UTF-8" in bad.stderr


@pytest.mark.parametrize("command", ["translate", "punctuate"])
def test_each_batch_is_written_before_the_rest_of_the_input_arrives(command):
    """A long input shows results at once: the first batch's lines come out while stdin is still open."""
    import select
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", command, "--batch-size", "2", "--device", "cpu"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.stdin.write("學而時習之不亦說乎\n子曰溫故而知新\n".encode())
        proc.stdin.flush()
        got, deadline = b"", time.monotonic() + 180
        while got.count(b"\n") < 2 and time.monotonic() < deadline:
            if select.select([proc.stdout], [], [], 1)[0]:
                got += proc.stdout.read1(4096)
        assert got.count(b"\n") == 2, f"no output while stdin was open: {got!r}"
        proc.stdin.write("有朋自遠方來\n".encode())
        rest, _ = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_OK and rest.count(b"\n") == 1
    finally:
        proc.kill()


@pytest.mark.parametrize("command", ["translate", "punctuate"])
def test_missing_or_corrupt_model_folder_is_named(runner, tmp_path, command):
    missing = runner.invoke(main, [command, "--model", str(tmp_path / "nowhere")], input="子曰\n")
    assert missing.exit_code == EXIT_FAILED and "nowhere" in missing.stderr and "not found" in missing.stderr
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "config.json").write_text("{not json")
    (corrupt / "model.safetensors").write_bytes(b"garbage")
    result = runner.invoke(main, [command, "--model", str(corrupt)], input="子曰\n")
    assert result.exit_code == EXIT_FAILED and "corrupt" in result.stderr
    assert "Traceback" not in result.output


def test_a_translator_folder_with_an_unreadable_decoding_config_is_named(runner, tmp_path):
    import shutil

    from tasks.translate import DEFAULT_MODEL

    # transformers alone would skip it and decode greedily without a word.
    folder = tmp_path / "translator"
    shutil.copytree(DEFAULT_MODEL, folder)
    (folder / "generation_config.json").write_text("{")
    result = runner.invoke(main, ["translate", "--model", str(folder)], input="子曰\n")
    assert result.exit_code == EXIT_FAILED and "generation_config.json: not valid JSON" in result.stderr


def test_prune_results_removes_only_old_result_files(tmp_path):
    import os
    import time

    from click.testing import CliRunner

    from app.cli import main

    old, new = tmp_path / "old-key", tmp_path / "new-key"
    old.write_bytes(b"x" * 2048)
    new.write_bytes(b"y")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.write_bytes(b"z")
    os.utime(outside, (month_ago, month_ago))
    (tmp_path / "link").symlink_to(outside)
    result = CliRunner().invoke(main, ["prune-results", "--days", "30", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "removed 1 result files" in result.output
    assert not old.exists() and new.exists() and outside.exists() and (tmp_path / "link").is_symlink()


def test_annotate_reads_stdin_as_one_document(runner):
    result = runner.invoke(main, ["annotate", "--no-tagger"], input="李建徽反\n上遣使諭建徽\n")
    assert result.exit_code == 0, result.output
    found = [json.loads(line) for line in result.output.splitlines()]
    persons = [(f["line"], f["text"], f["method"]) for f in found if f["kind"] == "person"]
    assert persons == [(1, "李建徽", "person-lexicon"), (2, "建徽", "name-propagation")]


def test_annotate_uses_the_tagger_by_default_and_names_a_missing_one(runner):
    text = "戊申次絳州刺史李從朗來歸\n"
    tagged = [json.loads(line) for line in runner.invoke(main, ["annotate"], input=text).output.splitlines()]
    assert any(f["method"] == "entity-tagger" and 0 < f["confidence"] <= 1 for f in tagged)
    untagged = [
        json.loads(line) for line in runner.invoke(main, ["annotate", "--no-tagger"], input=text).output.splitlines()
    ]
    assert all(f["method"] != "entity-tagger" for f in untagged)

    def persons(found: list[dict]) -> list[str]:
        return [f["text"] for f in found if f["kind"] == "person"]

    # The lexicon knows only the given name 從朗 used alone; the tagger reads the full name.
    assert persons(untagged) == ["從朗"] and persons(tagged) == ["李從朗"]
    result = runner.invoke(main, ["annotate", "--model", "/nowhere/tagger"], input=text)
    assert result.exit_code == 1 and "/nowhere/tagger" in result.output


def test_calibrate_punctuator_names_an_unreadable_dev_file_and_leaves_the_model_alone(runner, tmp_path):
    import shutil

    from tasks.punctuate import DEFAULT_MODEL

    model = tmp_path / "punctuator"
    shutil.copytree(DEFAULT_MODEL, model)
    before = (model / "wenyuan.json").read_bytes()
    bad = tmp_path / "dev.jsonl.gz"
    bad.write_bytes(b"not gzip")
    result = runner.invoke(main, ["calibrate-punctuator", "--model", str(model), "--dev", str(bad)])
    assert result.exit_code == 1
    assert "dev.jsonl.gz: cannot be read" in result.output
    assert (model / "wenyuan.json").read_bytes() == before


def test_prune_results_refuses_a_path_that_is_not_a_folder(runner, tmp_path):
    result = runner.invoke(main, ["prune-results", "--path", str(tmp_path / "typo")])
    assert result.exit_code == 2 and "typo" in result.output


def test_annotate_translate_finds_what_the_shipped_translators_output_writes_in_full(runner):
    text = "辛垣衍曰：燕吾不知；若梁，則吾乃梁人也。\n\n"
    plain = runner.invoke(main, ["annotate", "--no-tagger"], input=text)
    assert plain.exit_code == 0 and "translation-projection" not in plain.output
    result = runner.invoke(main, ["annotate", "--no-tagger", "--translate"], input=text)
    assert result.exit_code == 0, result.output
    projected = [json.loads(line) for line in result.output.splitlines() if "translation-projection" in line]
    # the real model writes 梁国 for 梁 (the state of Wei, by its capital), which no rule reads alone
    assert {(f["line"], f["kind"], f["text"]) for f in projected} == {(1, "place", "梁")}
    missing = runner.invoke(main, ["annotate", "--translate", "--translator", "/nowhere/translator"], input=text)
    assert missing.exit_code == 1 and "/nowhere/translator" in missing.output


def test_train_punctuator_refuses_to_deepen_a_model_it_is_not_given(runner, tmp_path):
    train = shared_file("corpora/punct_dev.jsonl.gz")
    result = runner.invoke(
        main,
        [
            "train-punctuator",
            "--train",
            str(train),
            "--dev",
            str(train),
            "--run-dir",
            str(tmp_path / "r"),
            "--deepen-to",
            "6",
        ],
    )
    assert result.exit_code == 2 and "--deepen-to grows a starting model" in result.output
    assert not (tmp_path / "r").exists()


def _on_a_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run ``wenyuan ARGS`` with stderr on a pseudo-terminal; its exit status and what the terminal showed."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a new pty is 0 columns wide
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=600), shown.decode("utf-8", "replace")


def test_digitize_shows_progress_on_a_terminal_unless_quiet(prefect_server, tmp_path):
    import os
    import shutil

    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", batch)
    env = dict(os.environ)
    args = ["digitize", str(batch), "--out", str(tmp_path / "out"), "--book-id", "bar", "--no-translate"]
    code, shown = _on_a_terminal(args, env)
    assert code == EXIT_OK, shown[-2000:]
    assert "starting Prefect's local engine" in shown  # something at once, before the models load
    assert "1/1" in shown and "page" in shown and "section" in shown  # the pages bar and the text-stages bar
    code, shown = _on_a_terminal([*args, "--quiet"], env)
    assert code == EXIT_OK, shown[-2000:]
    assert "1/1" not in shown and "starting" not in shown
