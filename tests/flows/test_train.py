"""Training flows (tiny configurations): train, stop, resume where they stopped, evaluate, ship only if better."""

from __future__ import annotations

import gzip
import itertools
import json

import numpy as np
import pytest

from corpora.punct import iter_labelled
from corpora.punct_sources import dev_runs, iter_source_paragraphs
from models.punctuator import PunctuatorArch
from models.translator import TranslatorArch
from tests.conftest import shared_file


def _state(run_dir) -> dict:
    return json.loads((run_dir / "last" / "state.json").read_text())


@pytest.fixture(scope="module")
def tiny_punct(tmp_path_factory):
    d = tmp_path_factory.mktemp("punct")
    with gzip.open(shared_file("corpora/punct_dev.jsonl.gz"), "rt", encoding="utf-8") as fh:
        lines = list(itertools.islice(fh, 40))
    for name, part in (("train.jsonl.gz", lines[:30]), ("dev.jsonl.gz", lines[30:])):
        with gzip.open(d / name, "wt", encoding="utf-8") as out:
            out.writelines(part)
    return d


@pytest.fixture(scope="module")
def tiny_parallel(tmp_path_factory):
    d = tmp_path_factory.mktemp("cm")
    with gzip.open(shared_file("corpora/cm_dev.tsv.gz"), "rt", encoding="utf-8") as fh:
        lines = list(itertools.islice(fh, 421))
    (d / "train.tsv").write_text("".join(lines[:401]), encoding="utf-8")
    (d / "dev.tsv").write_text(lines[0] + "".join(lines[401:]), encoding="utf-8")
    return d


TINY_TRANSLATOR = TranslatorArch(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ffn=64)


def _tiny_translator_config(train_path, dev_path=None) -> dict:
    """A translator run small enough for a test (give it ``arch``, or continue a model)."""
    return dict(
        train_path=train_path,
        **({"dev_path": dev_path} if dev_path else {}),
        max_tokens=512,
        eval_every_steps=2,
        dev_eval_sentences=10,
        vocab_size=800,
        threads=1,
        device="cpu",
    )


def _tiny_punct_config(folder) -> dict:
    """A punctuator (or encoder) run small enough for a test: the tiny corpus, a one-layer model."""
    return dict(
        train_path=folder / "train.jsonl.gz",
        dev_path=folder / "dev.jsonl.gz",
        batch_size=4,
        seq_len=32,
        dev_eval_chars=2000,
        vocab_size=500,
        threads=1,
        device="cpu",
        arch=PunctuatorArch(hidden=32, layers=1, heads=2, intermediate=64, max_positions=64),
    )


def _punctuator_seeded_by(init_encoder, config: dict, tmp_path):
    """Two steps at learning rate 0 from ``init_encoder``; the shipped result, loaded in fp32."""
    import torch
    from transformers import AutoModelForTokenClassification

    from flows.train_punctuator import train_punctuator

    train_punctuator(
        total_steps=2,
        lr=0.0,
        eval_every_steps=2,
        run_dir=tmp_path / "punct",
        ship_to=tmp_path / "shipped",
        init_encoder=init_encoder,
        **config,
    )
    return AutoModelForTokenClassification.from_pretrained(tmp_path / "shipped", dtype=torch.float32)


def test_punctuator_training_resumes_and_ships(prefect_server, tiny_punct, tmp_path):
    from flows.train_punctuator import train_punctuator

    kwargs = dict(_tiny_punct_config(tiny_punct), run_dir=tmp_path / "run", ship_to=tmp_path / "shipped")
    kwargs["eval_every_steps"] = 3
    train_punctuator(total_steps=3, **kwargs)
    assert _state(tmp_path / "run")["step"] == 3
    scores = train_punctuator(total_steps=6, **kwargs)
    state = _state(tmp_path / "run")
    assert state["step"] == 6  # resumed at 3, not restarted
    assert [p["step"] for p in state["curve"]] == [3, 6]
    assert "segmentation" in scores
    meta = json.loads((tmp_path / "shipped" / "wenyuan.json").read_text())
    assert meta["architecture"] == "punctuator.v1" and meta["metrics"]["chars"] > 0
    # Trained with boundary tokens between paragraphs, so read with them: the folder says so.
    assert meta["text_boundary_token"] == "[SEP]"
    from transformers import AutoModelForTokenClassification

    from models.punctuator import Punctuator

    AutoModelForTokenClassification.from_pretrained(tmp_path / "shipped")
    assert Punctuator.from_pretrained(tmp_path / "shipped", device="cpu").boundary_token == "[SEP]"
    # The run's cached arrays hold boundary tokens; a resume that asks for none is refused, not mixed.
    with pytest.raises(ValueError, match="text boundary token"):
        train_punctuator(total_steps=7, text_boundaries=False, **kwargs)


def test_punctuator_trains_on_the_parallel_corpus_sources_too(prefect_server, tiny_punct, tiny_parallel, tmp_path):
    from flows.train_punctuator import train_punctuator

    kwargs = dict(_tiny_punct_config(tiny_punct), run_dir=tmp_path / "run", ship_to=tmp_path / "shipped")
    train_punctuator(total_steps=2, eval_every_steps=2, extra_train=(tiny_parallel / "train.tsv",), **kwargs)
    data = tmp_path / "run" / "data"
    cleaning = json.loads((data / "cleaning.json").read_text())
    added = cleaning["extra"]["train.tsv"]["characters"]
    assert added > 5000
    main = list(iter_labelled(tiny_punct / "train.jsonl.gz"))
    extra = list(iter_source_paragraphs(tiny_parallel / "train.tsv", dev_runs(tiny_punct / "dev.jsonl.gz")))
    assert added == sum(len(p.chars) for p in extra)
    # Both corpora are encoded, one boundary token before each paragraph and one after the last.
    paragraphs = main + extra
    assert len(np.load(data / "ids.npy")) == sum(len(p.chars) for p in paragraphs) + len(paragraphs) + 1
    meta = json.loads((tmp_path / "shipped" / "wenyuan.json").read_text())
    assert meta["cleaning"]["extra"]["train.tsv"]["characters"] == added
    assert "punctuated sources of `train.tsv`" in (tmp_path / "shipped" / "README.md").read_text()
    # The cached arrays hold the extra corpus; a resume without it is refused, not mixed.
    with pytest.raises(ValueError, match="extra corpora"):
        train_punctuator(total_steps=3, **kwargs)


def test_a_punctuator_grown_deeper_trains_resumes_and_ships_with_its_new_depth(prefect_server, tiny_punct, tmp_path):
    # Grown and continued without dropout, as a capacity-limited model may be: the folder records the rate.
    import torch
    from transformers import AutoModelForTokenClassification

    from flows.train_punctuator import train_punctuator

    config = dict(_tiny_punct_config(tiny_punct), eval_every_steps=2)
    train_punctuator(total_steps=2, run_dir=tmp_path / "base_run", ship_to=tmp_path / "base", **config)
    grown = dict(config, init_from=tmp_path / "base", deepen_to=2, dropout=0.0)
    grown.update(run_dir=tmp_path / "run", ship_to=tmp_path / "ship")
    train_punctuator(total_steps=2, **grown)
    # The resume builds the same deeper model before loading its checkpoint (else the weights would not fit).
    train_punctuator(total_steps=4, **grown)
    assert _state(tmp_path / "run")["step"] == 4
    meta = json.loads((tmp_path / "ship" / "wenyuan.json").read_text())
    assert meta["arch"]["layers"] == 2 and meta["continued_from"].startswith("1.")
    assert meta["grown"] == {"from_layers": 1, "inserted_after": [0]}
    assert meta["arch"]["dropout"] == 0.0
    assert "grown from 1 to 2 layers" in (tmp_path / "ship" / "README.md").read_text(encoding="utf-8")
    model = AutoModelForTokenClassification.from_pretrained(tmp_path / "ship", dtype=torch.float32)
    assert model.config.num_hidden_layers == len(model.bert.encoder.layer) == 2
    assert model.config.hidden_dropout_prob == model.config.attention_probs_dropout_prob == 0.0
    # Nothing to grow, or fewer layers than the model has: refused before any data work, naming the folder.
    with pytest.raises(ValueError, match="give init_from or init_encoder"):
        train_punctuator(total_steps=1, deepen_to=2, run_dir=tmp_path / "bad1", **config)
    with pytest.raises(ValueError, match=r"ship: its encoder has 2 layers; it cannot be deepened to 1"):
        train_punctuator(total_steps=1, init_from=tmp_path / "ship", deepen_to=1, run_dir=tmp_path / "bad2", **config)
    assert not (tmp_path / "bad1" / "data").exists() and not (tmp_path / "bad2" / "data").exists()


def test_encoder_pretraining_resumes_and_seeds_the_punctuator(prefect_server, tiny_punct, tmp_path):
    import torch
    from transformers import AutoModelForMaskedLM

    from flows.pretrain_encoder import pretrain_encoder
    from flows.train_punctuator import train_punctuator

    common = _tiny_punct_config(tiny_punct)
    pre = dict(common, run_dir=tmp_path / "encoder", eval_every_steps=3)
    pretrain_encoder(total_steps=3, **pre)
    result = pretrain_encoder(total_steps=6, **pre)
    state = _state(tmp_path / "encoder")
    assert state["step"] == 6 and [p["step"] for p in state["curve"]] == [3, 6]  # resumed, not restarted
    assert 0.0 <= result["mlm_acc"] <= 1.0
    encoder_dir = tmp_path / "encoder" / "best"
    encoder = AutoModelForMaskedLM.from_pretrained(encoder_dir, dtype=torch.float32)
    assert "masked accuracy" in (encoder_dir / "README.md").read_text(encoding="utf-8")

    # lr 0: the punctuator's encoder must still be the pre-trained one after its (no-op) steps.
    punctuator = _punctuator_seeded_by(encoder_dir, common, tmp_path)
    assert punctuator.config.num_labels == 8
    torch.testing.assert_close(
        punctuator.bert.embeddings.word_embeddings.weight, encoder.bert.embeddings.word_embeddings.weight
    )
    meta = json.loads((tmp_path / "shipped" / "wenyuan.json").read_text())
    assert meta["encoder_from"].startswith("wenyuan-char-encoder 0.")

    from wenyuan.errors import ModelLoadError

    (tmp_path / "not_a_model").mkdir()
    with pytest.raises(ModelLoadError, match=r"not_a_model: no config\.json"):
        train_punctuator(total_steps=1, run_dir=tmp_path / "bad", init_encoder=tmp_path / "not_a_model", **common)


def test_punctuator_starts_from_the_translators_encoder(prefect_server, tiny_punct, tmp_path):
    import torch
    from transformers import AutoModelForSeq2SeqLM

    from tasks.translate import DEFAULT_MODEL as SHIPPED_TRANSLATOR

    # lr 0: after its (no-op) steps the punctuator's layers must still be the translator's encoder layers.
    punctuator = _punctuator_seeded_by(SHIPPED_TRANSLATOR, _tiny_punct_config(tiny_punct), tmp_path)
    translator = AutoModelForSeq2SeqLM.from_pretrained(SHIPPED_TRANSLATOR, dtype=torch.float32)
    assert punctuator.config.num_hidden_layers == translator.config.encoder_layers
    torch.testing.assert_close(
        punctuator.bert.encoder.layer[-1].intermediate.dense.weight,
        translator.get_encoder().layers[-1].fc1.weight,
    )
    meta = json.loads((tmp_path / "shipped" / "wenyuan.json").read_text())
    assert meta["encoder_from"].startswith("the encoder of wenyuan-translator 1.")
    assert "Its encoder started as the encoder of" in (tmp_path / "shipped" / "README.md").read_text()


def test_translator_trains_on_corrected_translations_too(prefect_server, tiny_parallel, tmp_path):
    from corpora.parallel import DropReport, iter_pairs
    from corpora.unseen_books import UNSEEN_BOOKS
    from flows.train_translator import train_translator
    from tasks.corrections import TSV_HEADER

    corrected = tmp_path / "translations.tsv"
    rows = "".join(f"論語\ts{k}\t學而時習之，不亦說乎{k}？\t学习并且按时温习，不也很愉快吗{k}？\n" for k in range(3))
    corrected.write_text("\t".join(TSV_HEADER) + "\n" + rows, encoding="utf-8")
    kwargs = dict(
        **_tiny_translator_config(tiny_parallel / "train.tsv", tiny_parallel / "dev.tsv"),
        run_dir=tmp_path / "run",
        ship_to=tmp_path / "shipped",
        arch=TINY_TRANSLATOR,
    )
    train_translator(total_steps=1, extra_train=(corrected,), **kwargs)
    cleaning = json.loads((tmp_path / "run" / "data" / "cleaning.json").read_text())
    alone = DropReport()
    list(iter_pairs(tiny_parallel / "train.tsv", report=alone, exclude_books=UNSEEN_BOOKS))
    assert cleaning["extra_train"][0].startswith("translations.tsv sha256:") and cleaning["kept"] == alone.kept + 3
    # The run's encoded pairs hold the corrections: resuming it without them is refused, not mixed.
    with pytest.raises(ValueError, match="extra corpora"):
        train_translator(total_steps=2, **kwargs)
    corrected.write_text(corrected.read_text(encoding="utf-8") + rows, encoding="utf-8")  # more corrections since
    with pytest.raises(ValueError, match="extra corpora"):
        train_translator(total_steps=2, extra_train=(corrected,), **kwargs)


def test_translator_training_resumes_and_ships_only_when_better(prefect_server, tiny_parallel, tmp_path):
    from flows.train_translator import train_translator

    kwargs = dict(
        **_tiny_translator_config(tiny_parallel / "train.tsv", tiny_parallel / "dev.tsv"),
        run_dir=tmp_path / "run",
        ship_to=tmp_path / "shipped",
        arch=TINY_TRANSLATOR,
    )
    train_translator(total_steps=2, **kwargs)
    assert _state(tmp_path / "run")["step"] == 2
    scores = train_translator(total_steps=4, **kwargs)
    assert _state(tmp_path / "run")["step"] == 4
    assert {"bleu", "chrf", "copy_bleu", "sentences_per_s"} <= set(scores)
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "shipped")
    AutoTokenizer.from_pretrained(tmp_path / "shipped")
    # A shipped model that scores higher on the same dev set is not replaced by a worse one.
    meta_file = tmp_path / "shipped" / "wenyuan.json"
    meta = json.loads(meta_file.read_text())
    assert meta["metrics"]["dev_set"].startswith("dev.tsv sha256:")
    meta["metrics"]["bleu"] = 99.0
    meta_file.write_text(json.dumps(meta))
    train_translator(total_steps=4, **kwargs)
    assert json.loads(meta_file.read_text())["metrics"]["bleu"] == 99.0
    # A score recorded on another dev set is not compared with: the shipped model is measured on this one.
    from corpora.unseen_books import dev_set_id
    from flows.train_translator import _dev_pairs, _shipped_baseline

    dev = dev_set_id(kwargs["dev_path"])
    src, tgt = _dev_pairs(kwargs["dev_path"], None)
    assert _shipped_baseline(tmp_path / "shipped", dev, src, tgt, "cpu") is None
    meta["metrics"]["dev_set"] = "cm_dev.tsv.gz sha256:000000000000"
    meta_file.write_text(json.dumps(meta))
    assert 0 <= _shipped_baseline(tmp_path / "shipped", dev, src, tgt, "cpu") < 99.0

    # Continuing from a shipped model picks the batch stream up after the batches that model has seen.
    seen = json.loads(meta_file.read_text())["batches_seen"]
    assert 1 <= seen <= 4
    onward = {**kwargs, "run_dir": tmp_path / "run2", "ship_to": tmp_path / "shipped2", "arch": None}
    train_translator(total_steps=2, init_from=tmp_path / "shipped", **onward)
    best = json.loads((tmp_path / "run2" / "best" / "wenyuan.json").read_text())
    # The best weights are one checkpoint's, or the mean of the last ones (then counted to the run's end).
    last_step = best["steps"] if "averaged" in best else best["best_step"]
    assert best["batches_seen"] == seen + last_step
    assert best["version"] == f"1.{seen + last_step}"
    # Resumed without naming the folder it continues, the run still counts that folder's batches.
    onward.pop("arch")
    train_translator(total_steps=3, **onward)
    assert _state(tmp_path / "run2")["step"] == 3
    best = json.loads((tmp_path / "run2" / "best" / "wenyuan.json").read_text())
    last_step = best["steps"] if "averaged" in best else best["best_step"]
    assert best["batches_seen"] == seen + last_step >= seen + 1


def test_translator_holds_the_unseen_books_out_and_is_selected_on_them(prefect_server, tiny_parallel, tmp_path):
    from corpora.parallel import iter_pairs
    from corpora.unseen_books import UNSEEN_BOOKS
    from flows.train_translator import train_translator
    from tasks.translate import DEFAULT_MODEL as SHIPPED_TRANSLATOR

    header, *rows = (tiny_parallel / "train.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    books = list(UNSEEN_BOOKS)
    renamed = [books[i % len(books)] + row[row.index("\t") :] for i, row in enumerate(rows[:50])]
    train = tmp_path / "train.tsv"
    train.write_text(header + "".join(renamed + rows[50:]), encoding="utf-8")
    config = dict(**_tiny_translator_config(train), arch=TINY_TRANSLATOR)
    scores = train_translator(
        total_steps=2,
        run_dir=tmp_path / "run",
        ship_to=tmp_path / "shipped",
        in_book_dev=tiny_parallel / "dev.tsv",
        **config,
    )
    # With no dev_path the dev set is the held-out books' pairs, and they are never trained on.
    assert scores["dev_set"].startswith("cm_unseen_dev.tsv.gz sha256:")
    assert scores["sentences"] == len(list(iter_pairs(train))) - len(list(iter_pairs(train, exclude_books=books)))
    assert scores["in_book"]["dev_set"].startswith("dev.tsv sha256:")
    cleaning = json.loads((tmp_path / "run" / "data" / "cleaning.json").read_text())
    held_rows = sum(line.split("\t")[0] in UNSEEN_BOOKS for line in renamed + rows[50:])
    assert cleaning["dropped"]["held-out book"] == held_rows >= 50
    assert cleaning["kept"] == len(list(iter_pairs(train, exclude_books=books)))
    card = (tmp_path / "shipped" / "README.md").read_text()
    assert "books never trained on" in card and "墨子 (pre-Qin philosopher)" in card
    # A model trained on those books cannot be continued: its unseen-book score would not be unseen.
    with pytest.raises(ValueError, match="trained on 墨子"):
        train_translator(total_steps=1, run_dir=tmp_path / "again", init_from=SHIPPED_TRANSLATOR, **config)


def test_a_translator_grown_deeper_trains_resumes_and_ships_with_its_new_depth(prefect_server, tiny_parallel, tmp_path):
    import torch
    from transformers import AutoModelForSeq2SeqLM

    from flows.train_translator import train_translator

    config = _tiny_translator_config(tiny_parallel / "train.tsv", tiny_parallel / "dev.tsv")
    tiny = TINY_TRANSLATOR
    train_translator(total_steps=2, run_dir=tmp_path / "base_run", ship_to=tmp_path / "base", arch=tiny, **config)
    grown = dict(
        config, init_from=tmp_path / "base", deepen_encoder_to=3, run_dir=tmp_path / "run", ship_to=tmp_path / "ship"
    )
    train_translator(total_steps=2, **grown)
    # The resume builds the same deeper model before loading its checkpoint (else the weights would not fit).
    train_translator(total_steps=4, **grown)
    assert _state(tmp_path / "run")["step"] == 4
    meta = json.loads((tmp_path / "ship" / "wenyuan.json").read_text())
    assert meta["arch"]["encoder_layers"] == 3 and meta["arch"]["decoder_layers"] == 1
    assert meta["grown"] == {"from_encoder_layers": 1, "inserted_after": [0, 0]}
    assert "grown from 1 to 3 layers" in (tmp_path / "ship" / "README.md").read_text(encoding="utf-8")
    model = AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "ship", dtype=torch.float32)
    assert model.config.encoder_layers == len(model.get_encoder().layers) == 3
    # Nothing to grow, or fewer layers than the model has: refused before any data work, naming the folder.
    with pytest.raises(ValueError, match="give init_from"):
        train_translator(total_steps=1, deepen_encoder_to=2, run_dir=tmp_path / "bad1", **config)
    with pytest.raises(ValueError, match=r"ship: its encoder has 3 layers; it cannot be deepened to 2"):
        train_translator(
            total_steps=1, init_from=tmp_path / "ship", deepen_encoder_to=2, run_dir=tmp_path / "bad2", **config
        )


def _tiny_tagger_config(folder, tmp_path, eval_every_steps: int) -> dict:
    """An entity-tagger run small enough for a test: the tiny parallel corpus, short windows."""
    return dict(
        train_path=folder / "train.tsv",
        run_dir=tmp_path / "run",
        ship_to=tmp_path / "shipped",
        every=1,
        batch_size=4,
        seq_len=32,
        eval_every_steps=eval_every_steps,
        threads=1,
        device="cpu",
    )


def test_entity_tagger_training_resumes_and_ships(prefect_server, tiny_parallel, tmp_path):
    from flows.train_entity_tagger import train_entity_tagger

    kwargs = _tiny_tagger_config(tiny_parallel, tmp_path, eval_every_steps=2)
    train_entity_tagger(total_steps=2, **kwargs)
    assert _state(tmp_path / "run")["step"] == 2
    silver = json.loads((tmp_path / "run" / "data" / "silver.json").read_text())
    assert silver["sentences"] == 400 and 0 < silver["tagged"] < silver["characters"] and silver["project"]
    # Labels made otherwise are not taken for these: resuming with other labelling settings is refused.
    with pytest.raises(ValueError, match="use another --run-dir"):
        train_entity_tagger(total_steps=4, **{**kwargs, "project": False})
    metrics = train_entity_tagger(total_steps=4, **kwargs)
    state = _state(tmp_path / "run")
    assert state["step"] == 4 and [p["step"] for p in state["curve"]] == [2, 4]
    assert set(metrics["sets"]) == {"dev", "heldout"}
    from models.entity_tagger import EntityTagger

    tagger = EntityTagger.from_pretrained(tmp_path / "shipped", device="cpu")
    meta = json.loads((tmp_path / "shipped" / "wenyuan.json").read_text())
    assert meta["architecture"] == "entity-tagger.v1" and tagger.bias == meta["decoding"]["o_bias"]
    assert meta["silver"]["sentences"] == 400
    assert "continued_from" not in meta  # it started from the punctuator's encoder
    # Continuing the shipped tagger counts its training too, so the version never goes back.
    onward = {**kwargs, "run_dir": tmp_path / "run2", "ship_to": tmp_path / "shipped2"}
    train_entity_tagger(total_steps=2, init_from=tmp_path / "shipped", **onward)
    best = json.loads((tmp_path / "run2" / "best" / "wenyuan.json").read_text())
    assert best["steps"] == meta["steps"] + 2 and best["best_step"] > meta["steps"]
    assert best["version"] == f"1.{best['best_step']}"
    assert best["continued_from"].startswith(meta["version"] + " ")


def test_entity_tagger_starts_from_the_translators_encoder(prefect_server, tiny_parallel, tmp_path):
    import torch
    from transformers import AutoModelForTokenClassification

    from flows.train_entity_tagger import train_entity_tagger
    from tasks.translate import DEFAULT_MODEL as SHIPPED_TRANSLATOR

    config = _tiny_tagger_config(tiny_parallel, tmp_path, eval_every_steps=1)
    train_entity_tagger(init_from=SHIPPED_TRANSLATOR, limit=100, total_steps=1, lr=0.0, **config)
    encoder = AutoModelForTokenClassification.from_pretrained(
        tmp_path / "run" / "translator_encoder", dtype=torch.float32
    )
    tagger = AutoModelForTokenClassification.from_pretrained(tmp_path / "shipped", dtype=torch.float32)
    layers = json.loads((SHIPPED_TRANSLATOR / "config.json").read_text())["encoder_layers"]
    assert tagger.config.num_hidden_layers == encoder.config.num_hidden_layers == layers
    torch.testing.assert_close(
        tagger.bert.encoder.layer[0].output.dense.weight, encoder.bert.encoder.layer[0].output.dense.weight
    )


def test_a_continued_model_counts_all_its_training():
    from models.training import cumulative_record

    run = {"curve": [], "steps": 5200, "best_step": 5000, "tokens": 100, "train_seconds": 10.0}
    assert cumulative_record(run, None) == run  # from scratch: the run is all there is
    prior = {"version": "1.8370", "steps": 8370, "tokens": 900, "train_seconds": 90.0}
    got = cumulative_record(run, prior)
    assert (got["steps"], got["best_step"], got["tokens"], got["train_seconds"]) == (13570, 13370, 1000, 100.0)
    assert got["version"] == "1.13370" and got["continued_from"].startswith("1.8370 ")


def test_a_resumed_continuation_still_counts_the_model_it_came_from(tmp_path):
    from models.folder import update_metadata
    from models.training import continued_model

    start = tmp_path / "start"
    start.mkdir()
    update_metadata(start, architecture="punctuator.v1", version="1.8370", steps=8370)
    assert continued_model(tmp_path / "run", start, "punctuator.v1")["steps"] == 8370
    update_metadata(start, version="1.9000", steps=9000)  # the shipped folder moves on meanwhile
    assert continued_model(tmp_path / "run", None, "punctuator.v1")["steps"] == 8370  # resumed, no --init-from
    assert continued_model(tmp_path / "scratch", None, "punctuator.v1") is None
    # A model of another kind is where an encoder comes from, not a model the run continues.
    assert continued_model(tmp_path / "tagger", start, "entity-tagger.v1") is None
    assert not (tmp_path / "tagger" / "continued_from.json").exists()
    # A scratch run resumed with --init-from resumes its checkpoint: it continues no folder.
    (tmp_path / "scratch" / "last").mkdir(parents=True)
    (tmp_path / "scratch" / "last" / "state.json").write_text("{}")
    assert continued_model(tmp_path / "scratch", start, "punctuator.v1") is None


def test_translator_dev_subset_is_spread_over_the_whole_dev_file(tiny_parallel):
    from corpora.parallel import iter_pairs
    from flows.train_translator import _dev_pairs

    train = tiny_parallel / "train.tsv"
    every = [p.src for p in iter_pairs(train)]
    src, tgt = _dev_pairs(train, 10)
    assert len(src) == len(tgt) == 10
    assert src[0] == every[0] and src[-1] == every[len(every) * 9 // 10]  # from the end too, not only the head
    assert _dev_pairs(train, None)[0] == every
