"""The quickstart job end to end: the sample book through the Prefect flow to valid TEI."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from lxml import etree

from flows.digitize import digitize
from models.metrics import character_error_rate
from tasks.tei import TEI_NS, validate_tei
from tests.conftest import SAMPLE_BOOK, normalized
from wenyuan.document import Book

#: Stated bound for the sample book (measured about 0.01; the bench tracks the real figure).
SAMPLE_CER_BOUND = 0.04


def test_sample_book_becomes_valid_tei(digitized_sample):
    tei = Path(digitized_sample["tei"])
    assert tei.name == "lunyu-sample.tei.xml" and tei.parent.name == "lunyu-sample"
    assert validate_tei(tei) == []
    tree = etree.parse(str(tei))
    ns = {"t": TEI_NS}
    assert tree.xpath("//t:titleStmt/t:title/text()", namespaces=ns) == ["論語（樣本）"]
    assert len(tree.xpath("//t:surface", namespaces=ns)) == 3
    assert len(tree.xpath("//t:pc", namespaces=ns)) > 20  # punctuation stage ran


def test_sample_text_matches_ground_truth_in_reading_order(digitized_sample, sample_truth):
    book = Book.load(digitized_sample["json"])
    assert len(book.pages) == len(sample_truth)
    for page, truth in zip(book.pages, sample_truth, strict=True):
        assert character_error_rate(page.text, normalized(truth["text"])) < SAMPLE_CER_BOUND
    assert [s.stage for s in book.steps][:3] == ["ocr", "clean", "punctuate"]


def test_corrupt_file_is_quarantined_and_the_rest_completes(prefect_server, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0001.jpg", batch / "page_0001.jpg")
    (batch / "page_0002.jpg").write_bytes((SAMPLE_BOOK / "page_0002.jpg").read_bytes()[:5000])  # truncated
    (batch / "page_0003.png").write_bytes(b"")  # zero bytes
    result = digitize(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False)
    assert result["pages"] == 1
    bad = {Path(q["path"]).name: q["reason"] for q in result["quarantined"]}
    assert set(bad) == {"page_0002.jpg", "page_0003.png"}
    qdir = Path(result["json"]).parent / "quarantine"
    record = json.loads((qdir / "quarantine.json").read_text())
    assert {Path(q["path"]).name for q in record} == set(bad)
    copy = next(q["kept_as"] for q in record if q["path"].endswith("page_0002.jpg"))
    assert (qdir / copy).read_bytes() == (batch / "page_0002.jpg").read_bytes()
    assert validate_tei(result["tei"]) == []


def test_rerun_reuses_finished_pages_and_skips_duplicates(prefect_server, tmp_path):
    batch = tmp_path / "b"
    batch.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", batch / "a.jpg")
    shutil.copy(SAMPLE_BOOK / "page_0003.jpg", batch / "b.jpg")  # the same page uploaded twice
    first = digitize(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False, check_tei=False)
    cache = sorted((Path(first["json"]).parent / "pages").iterdir())
    stamps = [p.stat().st_mtime_ns for p in cache]
    import flows.digitize

    flows.digitize._ENGINES.clear()
    second = digitize(inputs=[str(batch)], out=str(tmp_path / "out"), device="cpu", punctuate=False, check_tei=False)
    assert first["pages"] == second["pages"] == 1
    assert flows.digitize._ENGINES == {}  # every page was saved: no OCR model was loaded at all
    (dup,) = second["quarantined"]
    # Both named by their paths, and the duplicate kept as evidence like any other quarantined input.
    assert dup["path"] == str(batch / "b.jpg")
    assert dup["reason"].startswith(f"duplicate of page {batch / 'a.jpg'} (same content hash, page p")
    kept = Path(second["json"]).parent / "quarantine" / dup["kept_as"]
    assert kept.read_bytes() == (batch / "b.jpg").read_bytes()
    assert sorted((Path(second["json"]).parent / "pages").iterdir()) == cache
    assert [p.stat().st_mtime_ns for p in cache] == stamps  # no page was recomputed
    assert Path(first["json"]).read_text() != "" and Book.load(second["json"]).text == Book.load(first["json"]).text


def _task_states(flow_state) -> dict[str, set[str]]:
    """State names of each task of a finished flow run, by task name."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    run_id = flow_state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    states: dict[str, set[str]] = {}
    for run in runs:
        states.setdefault(run.name.rsplit("-", 1)[0], set()).add(run.state.name)
    return states


def test_rerun_takes_text_stages_from_the_cache_and_a_new_model_reruns_its_stage_and_later(prefect_server, tmp_path):
    from transformers import AutoModelForSeq2SeqLM

    from tasks.translate import DEFAULT_MODEL as TRANSLATOR_DIR

    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE_BOOK / "page_0002.jpg", batch)
    args = {"inputs": [str(batch)], "out": str(tmp_path / "out"), "device": "cpu"}
    started = time.time()
    first = digitize(**args, return_state=True)
    assert _task_states(first)["translate"] == {"Completed"}
    again = digitize(**args, return_state=True)
    states = _task_states(again)
    assert [states[s] for s in ("clean", "punctuate", "annotate", "translate")] == [{"Cached"}] * 4
    assert states["process-page"] == {"Completed"}  # read from the page cache, not OCR'd again
    assert again.result()["characters"] == first.result()["characters"]

    # A retrained translator (other weights, so another checksum) re-runs translation and the annotation
    # after it, which reads the translations (entities.name_projection); the stages before stay cached.
    other = tmp_path / "translator-v2"
    shutil.copytree(TRANSLATOR_DIR, other)
    AutoModelForSeq2SeqLM.from_pretrained(TRANSLATOR_DIR).float().save_pretrained(other)
    third = _task_states(digitize(**args, translator_model=str(other), return_state=True))
    assert [third[s] for s in ("clean", "punctuate")] == [{"Cached"}] * 2
    assert [third[s] for s in ("translate", "annotate")] == [{"Completed"}] * 2

    # The same weights decoded otherwise (greedy instead of the folder's beam search) re-run them too.
    greedy = tmp_path / "translator-greedy"
    shutil.copytree(TRANSLATOR_DIR, greedy)
    generation = json.loads((greedy / "generation_config.json").read_text())
    (greedy / "generation_config.json").write_text(json.dumps({**generation, "num_beams": 1}))
    decoded = _task_states(digitize(**args, translator_model=str(greedy), return_state=True))
    assert [decoded[s] for s in ("clean", "punctuate")] == [{"Cached"}] * 2
    assert [decoded[s] for s in ("translate", "annotate")] == [{"Completed"}] * 2

    # Results pruned away (wenyuan prune-results) are a cache miss, not an error: the stages run again.
    from wenyuan.result_store import default_result_path

    for path in default_result_path().rglob("*"):
        if path.is_file() and path.stat().st_mtime >= started:
            path.unlink()
    fourth = _task_states(digitize(**args, return_state=True))
    assert [fourth[s] for s in ("clean", "punctuate", "annotate", "translate")] == [{"Completed"}] * 4
