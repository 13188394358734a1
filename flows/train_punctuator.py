"""Train the punctuation model as a resumable Prefect flow.

prepare data (tokenizer + encoded corpus, cached) -> train on a time budget (checkpoints, dev evaluation,
learning-curve artifact) -> evaluate the best on the whole dev set -> ship it to ``models/punctuator`` only
if it beats the model already there.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
from prefect import flow, task
from prefect.artifacts import create_table_artifact

from corpora.punct import PUNCT_LABELS, LabelledText, first_paragraphs, iter_labelled
from corpora.punct_sources import dev_runs, iter_source_paragraphs
from flows.shipping import ship_and_report
from models.char_classifier import TRAINED_WINDOW
from models.device import select_device
from models.encoder_transfer import as_encoder_folder
from models.folder import check_model_folder, read_metadata, save_fp16_folder, update_metadata
from models.growth import inserted_after
from models.punctuator import (
    ARCHITECTURE,
    BOUNDARY_TOKEN,
    LABEL_CONFIG,
    CharEncoder,
    Punctuator,
    PunctuatorArch,
    build_model,
    calibrate_no_mark_bias,
    deepen_encoder,
    encode_labelled,
    evaluate_punctuator,
    window_batch,
)
from models.training import (
    TrainConfig,
    TrainState,
    continued_model,
    cumulative_record,
    set_dropout,
    train,
)

log = logging.getLogger(__name__)
SHIPPED = Path(__file__).resolve().parent.parent / "models" / "punctuator"


def _cached_format(data: Path) -> dict:
    """How a cached data folder was encoded: its text-boundary token and extra corpora (none for old caches)."""
    fmt = data / "format.json"
    return json.loads(fmt.read_text(encoding="utf-8")) if fmt.exists() else {}


def _extra_paragraphs(extra_train: tuple[Path, ...], dev_path: Path, record: dict) -> Iterator[LabelledText]:
    """The punctuated sources of each parallel corpus in ``extra_train``, dev text left out; what each gave
    and left out goes into ``record`` (by file name)."""
    if not extra_train:
        return
    runs = dev_runs(dev_path)
    for path in extra_train:
        dropped: Counter = Counter()
        n = 0
        for lt in iter_source_paragraphs(path, runs, dropped):
            n += len(lt.chars)
            yield lt
        record[Path(path).name] = {"characters": n, **dropped}


def _check_deepening(start_from: Path | None, layers: int) -> None:
    """Refuse, before any data work, a ``deepen_to`` with no model to grow or fewer layers than it has."""
    if start_from is None:
        raise ValueError("deepen_to grows a starting model: give init_from or init_encoder as well")
    have = read_metadata(start_from).get("arch", {}).get("layers")
    if have is not None and layers < have:
        raise ValueError(f"{start_from}: its encoder has {have} layers; it cannot be deepened to {layers}")


@task
def prepare_data(
    train_path: Path,
    run_dir: Path,
    init_from: Path | None,
    vocab_size: int,
    boundary_token: str | None = None,
    extra_train: tuple[Path, ...] = (),
    dev_path: Path | None = None,
) -> Path:
    """Build (or reuse) the tokenizer and the encoded training arrays under ``run_dir/data``; with
    ``boundary_token``, that token stands between paragraphs (``encode_labelled``). ``extra_train``:
    parallel corpora whose punctuated sources are added (``corpora.punct_sources``), with the text they share
    with ``dev_path`` left out."""
    from transformers import AutoTokenizer

    from models.char_tokenizer import build_char_tokenizer, count_characters

    data = run_dir / "data"
    extra_names = [Path(p).name for p in extra_train]
    if (data / "ids.npy").exists():
        cached = _cached_format(data)
        if cached.get("text_boundary_token") != boundary_token:
            raise ValueError(
                f"{data}: training data cached with text boundary token {cached.get('text_boundary_token')!r},"
                f" this run asks for {boundary_token!r}; use another --run-dir"
            )
        if cached.get("extra_train", []) != extra_names:
            raise ValueError(
                f"{data}: training data cached with extra corpora {cached.get('extra_train', [])}, this run asks"
                f" for {extra_names}; use another --run-dir"
            )
        return data
    if extra_train and dev_path is None:
        raise ValueError("extra_train needs dev_path: the dev text is kept out of the extra corpora")
    data.mkdir(parents=True, exist_ok=True)
    if init_from is not None:
        tokenizer = AutoTokenizer.from_pretrained(init_from)
    else:
        counts = count_characters(lt.chars for lt in iter_labelled(train_path))
        tokenizer = build_char_tokenizer(counts, max_size=vocab_size)
    tokenizer.save_pretrained(data / "tokenizer")
    dropped: Counter = Counter()
    boundary_id = tokenizer.convert_tokens_to_ids(boundary_token) if boundary_token else None
    extra: dict = {}
    texts = itertools.chain(iter_labelled(train_path, dropped=dropped), _extra_paragraphs(extra_train, dev_path, extra))
    ids, labels = encode_labelled(texts, CharEncoder(tokenizer), boundary_id)
    fmt = {"text_boundary_token": boundary_token, "extra_train": extra_names}
    (data / "format.json").write_text(json.dumps(fmt), encoding="utf-8")
    cleaning = {**dropped, "extra": extra} if extra else dict(dropped)
    (data / "cleaning.json").write_text(json.dumps(cleaning, ensure_ascii=False, indent=1), encoding="utf-8")
    np.save(data / "labels.npy", labels)
    np.save(data / "ids.npy", ids)  # written last: its presence marks the cache complete
    log.info("encoded %d training characters; left out: %s", len(ids), dict(dropped))
    return data


def _left_out(cleaning: dict | None) -> str:
    """The card's line on the unpunctuated paragraphs left out; none for models trained before that cleaning."""
    if cleaning is None:
        return ""
    n = cleaning.get("unpunctuated characters")
    return (
        "\nParagraphs their source left unpunctuated (30 characters or more, fewer than one mark in 25) are left"
        f" out of training{f' ({n:,} characters)' if n else ''}."
    )


def _extra_corpora(meta: dict) -> dict:
    """What each parallel corpus added to training (``--extra-train``) gave and left out, by file name."""
    return (meta.get("cleaning") or {}).get("extra") or {}


def _extra_line(extra: dict) -> str:
    """The card's line on the parallel corpora's sources added to training, if any."""
    return "".join(
        f"\nThe last run also read the punctuated sources of `{name}` ({r['characters']:,} characters, packed"
        f" chapter by chapter into paragraphs; {r.get('shares text with dev sentences', 0):,} sentences sharing a"
        f" 12-character run with the dev file and {r.get('no closing mark sentences', 0):,} without a closing mark"
        " left out)."
        for name, r in extra.items()
    )


def _boundary_line(meta: dict) -> str:
    token = meta.get("text_boundary_token")
    if not token:
        return ""
    return (
        f"\nEvery text is read between two `{token}` tokens, as the model saw paragraphs in training (one between"
        "\nevery two): it knows where a text ends, and so whether its last sentence is closed."
    )


def _card(meta: dict) -> str:
    m, decoding = meta["metrics"], meta.get("decoding", {})
    extra = _extra_corpora(meta)
    extra_options = "".join(f" \\\n        --extra-train ../shared/corpora/{name}" for name in extra)
    continued = f" Continued from {meta['continued_from']}." if meta.get("continued_from") else ""
    if meta.get("encoder_from"):
        continued += f" Its encoder started as {meta['encoder_from']}."
    if meta.get("grown"):
        g = meta["grown"]
        continued += (
            f" Its encoder was grown from {g['from_layers']} to {meta['arch']['layers']} layers when it was continued"
            f" (`--deepen-to`: near-identity copies of layers {', '.join(map(str, g['inserted_after']))} inserted after"
            " them)."
        )
    curve = "\n".join(
        f"| {p['step']} | {p['seconds']} | {p['seg_f1']:.3f} | {p['punct_f1']:.3f} |" for p in meta["curve"]
    )
    per_mark = "\n".join(
        f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        for k, v in m["per_mark"].items()
    )
    return f"""---
license: mit
language: lzh
tags: [token-classification, punctuation, classical-chinese]
---
# wenyuan punctuator ({ARCHITECTURE})

Inserts editorial punctuation ({"".join(PUNCT_LABELS[1:])}) into unpunctuated classical Chinese, one label per
character (the mark that follows it). A BERT token classifier ({meta["parameters"]:,} parameters,
{meta["arch"]["layers"]} layers, hidden {meta["arch"]["hidden"]}), trained from scratch on characters; weights
stored in fp16.

## Data and licence
Trained on `punct_train.jsonl.gz` from the NiuTrans Classical-Modern corpus (MIT licence, copyright 2022
NiuTrans Open Source), simplified script; traditional input is mapped to simplified per character.
Quotation marks are not learned (the corpus dropped many of them); book-title marks are left to annotation.\
{_left_out(meta.get("cleaning"))}{_extra_line(extra)}

## Training
{meta["steps"]} steps, {meta["tokens"]:,} training characters seen, {meta["train_seconds"] / 3600:.2f} h on
{meta["device"]} ({meta.get("trained_on", date.today().isoformat())}).{continued} Retrain or continue with:

    wenyuan train-punctuator --train ../shared/corpora/punct_train.jsonl.gz \\
        --dev ../shared/corpora/punct_dev.jsonl.gz --budget-minutes 120 --init-from models/punctuator{extra_options}

## Decoding
A mark is predicted where the best label, after adding {decoding.get("no_mark_bias", 0.0):+.2f} to the no-mark
logit, is a mark: the model alone under-predicts breaks (high precision, low recall), so the bias is
calibrated for segmentation F1 on the {decoding.get("calibrated_on", "dev set")} (`wenyuan
calibrate-punctuator`) and stored in `wenyuan.json`. Long texts are read in overlapping windows of
{meta.get("trained_window", TRAINED_WINDOW)} characters, the length the model was trained on.{_boundary_line(meta)}
No mark is put inside a run of letters or digits (a Latin word, a number), nor before a combining mark,
variation selector or joiner, which would lose its base character (`corpora.punct.mark_may_follow`), nor
anywhere in a text with no Han character.

## Dev metrics (`punct_dev.jsonl.gz`, {m["chars"]:,} characters)
Segmentation F1 **{m["segmentation"]["f1"]:.3f}** (P {m["segmentation"]["precision"]:.3f},
R {m["segmentation"]["recall"]:.3f}); punctuation F1 **{m["punctuation"]["f1"]:.3f}**.
Measured with `wenyuan eval-punctuation --data ../shared/corpora/punct_dev.jsonl.gz`.

| mark | precision | recall | F1 | support |
|---|---|---|---|---|
{per_mark}

## Learning curve (dev subset)
| step | seconds | segmentation F1 | punctuation F1 |
|---|---|---|---|
{curve}
"""


def calibrate_and_score(folder: Path, dev_path: Path, device: str, calibration_chars: int = 40_000) -> dict:
    """Calibrate the no-mark bias on the first ``calibration_chars`` of dev, score the whole dev set with it,
    and record both in the folder's ``wenyuan.json`` and model card. Returns the scores."""
    punctuator = Punctuator.from_pretrained(folder, device=device, bias=0.0)
    bias, _ = calibrate_no_mark_bias(punctuator, first_paragraphs(dev_path, calibration_chars))
    punctuator.bias = bias
    paragraphs = first_paragraphs(dev_path, None)
    scores = evaluate_punctuator(punctuator, paragraphs)
    scores["chars"] = sum(len(p) for p in paragraphs)
    decoding = {"no_mark_bias": bias, "calibrated_on": f"first {calibration_chars:,} characters of {dev_path.name}"}
    meta = update_metadata(folder, metrics=scores, decoding=decoding)
    (folder / "README.md").write_text(_card(meta), encoding="utf-8")
    return scores


#: How much a run's whole-dev segmentation F1 must beat the shipped punctuator's by to replace it. Gains that
#: paid were 0.002 to 0.004 a run; two runs of 2026-12-03 reached +0.0007 (a second pass over the same text) and
#: +0.0011 (grown to 8 layers: a third more layers to run and 3 MB more) and were taken back by hand.
MIN_GAIN = 0.002


@task
def evaluate_and_ship(
    best: Path,
    dev_path: Path,
    ship_to: Path,
    state: TrainState,
    device: str,
    calibration_chars: int,
    cleaning: dict | None = None,
    prior: dict | None = None,
) -> dict:
    """Calibrate and score the run's best model on the whole dev set; copy it to ``ship_to`` if its
    segmentation F1 beats what is there by more than :data:`MIN_GAIN`."""
    update_metadata(best, cleaning=cleaning or {}, **cumulative_record(state.record(), prior))
    scores = calibrate_and_score(best, dev_path, device, calibration_chars)
    summary = (
        f"dev segmentation F1 {scores['segmentation']['f1']:.4f}, punctuation F1 {scores['punctuation']['f1']:.4f}"
    )
    ship_and_report(best, ship_to, "segmentation.f1", summary, "punctuator-result", min_gain=MIN_GAIN)
    return scores


@flow(name="train-punctuator")
def train_punctuator(
    train_path: Path,
    dev_path: Path,
    run_dir: Path = Path("runs/punctuator"),
    ship_to: Path = SHIPPED,
    init_from: Path | None = None,
    budget_minutes: float = 60.0,
    device: str = "auto",
    batch_size: int = 32,
    seq_len: int = TRAINED_WINDOW,
    lr: float = 1e-3,
    total_steps: int = 30_000,
    eval_every_steps: int = 500,
    checkpoint_minutes: float = 5.0,
    dev_eval_chars: int = 40_000,
    vocab_size: int = 8000,
    threads: int = 0,
    arch: PunctuatorArch | None = None,
    init_encoder: Path | None = None,
    text_boundaries: bool = True,
    deepen_to: int | None = None,
    extra_train: tuple[Path, ...] = (),
    dropout: float | None = None,
) -> dict:
    """Train, resume or continue the punctuator, then evaluate and (if better) ship it.

    Resumes from ``run_dir/last`` when it exists; otherwise starts from ``init_from`` (a shipped folder, to
    continue across sessions), from ``init_encoder`` (a pre-trained encoder from ``pretrain-encoder``, with a
    fresh classification head) or from scratch. ``text_boundaries``: a boundary token between paragraphs
    in training and around every text at inference (recorded in the folder as ``text_boundary_token``).
    ``deepen_to``: grow the starting model's encoder to this many layers first (``deepen_encoder``); a
    resumed run grows it the same way before its checkpoint is loaded. ``extra_train``: parallel corpora
    (``cm_*.tsv.gz``) whose punctuated sources are added to the training text, dev text left out.
    ``dropout``: train at this dropout rate instead of the starting model's (give it again to resume).
    """
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    run_dir, dev_path, train_path = Path(run_dir), Path(dev_path), Path(train_path)
    dev = select_device(device)
    if init_encoder is not None:
        init_encoder = as_encoder_folder(init_encoder, run_dir)
    start_from = init_from or init_encoder
    if start_from is not None:
        check_model_folder(start_from)  # a clear error naming the folder, before any data work
    if deepen_to is not None:
        _check_deepening(start_from, deepen_to)
    boundary_token = BOUNDARY_TOKEN if text_boundaries else None
    prior = continued_model(run_dir, init_from, ARCHITECTURE)
    extra_train = tuple(Path(p) for p in extra_train)
    data = prepare_data(train_path, run_dir, start_from, vocab_size, boundary_token, extra_train, dev_path)
    tokenizer = AutoTokenizer.from_pretrained(data / "tokenizer")
    ids = np.load(data / "ids.npy", mmap_mode="r")
    labels = np.load(data / "labels.npy", mmap_mode="r")
    arch = arch or PunctuatorArch()
    grown = None
    if start_from is not None:
        # From an encoder, the masked-LM head is dropped and a token-classification head is initialised.
        extra = LABEL_CONFIG if init_from is None else {}
        model = AutoModelForTokenClassification.from_pretrained(start_from, dtype=torch.float32, **extra)
        arch = PunctuatorArch(**read_metadata(start_from).get("arch", asdict(arch)))
        if deepen_to and deepen_to != arch.layers:
            model = deepen_encoder(model, deepen_to)
            grown = {"from_layers": arch.layers, "inserted_after": inserted_after(arch.layers, deepen_to - arch.layers)}
            arch = PunctuatorArch(**{**asdict(arch), "layers": deepen_to})
    else:
        model = build_model(len(tokenizer.get_vocab()), arch, pad_id=tokenizer.pad_token_id)
    if dropout is not None:
        set_dropout(model, dropout)
        arch = PunctuatorArch(**{**asdict(arch), "dropout": dropout})
    dev_subset = first_paragraphs(dev_path, dev_eval_chars)
    best_dir = run_dir / "best"
    encoder_from = None
    if init_from is None and init_encoder is not None:
        encoder_meta = read_metadata(init_encoder)
        encoder_from = encoder_meta.get("taken_from") or (
            f"{encoder_meta.get('name', 'encoder')} {encoder_meta.get('version', '?')}, pre-trained as a masked"
            " language model"
        )

    def evaluate(m) -> dict[str, float]:
        s = evaluate_punctuator(
            Punctuator(m, tokenizer, dev, window=seq_len, batch_size=64, boundary_token=boundary_token), dev_subset
        )
        return {"seg_f1": round(s["segmentation"]["f1"], 4), "punct_f1": round(s["punctuation"]["f1"], 4)}

    def on_best(m, state: TrainState) -> None:
        meta = {
            "name": "wenyuan-punctuator",
            "architecture": ARCHITECTURE,
            "version": f"1.{state.step}",
            "labels": list(PUNCT_LABELS),
            "script": "simplified (traditional mapped per character)",
            "arch": asdict(arch),
            "parameters": sum(p.numel() for p in m.parameters()),
            "device": dev,
            "min_pipeline_version": "0.1.0",
            "trained_window": seq_len,
            "trained_on": date.today().isoformat(),
        }
        if boundary_token:
            meta["text_boundary_token"] = boundary_token
        if encoder_from:
            meta["encoder_from"] = encoder_from
        if grown:
            meta["grown"] = grown
        save_fp16_folder(
            m, tokenizer, best_dir, meta, card=f"# wenyuan punctuator\n\nCheckpoint at step {state.step}.\n"
        )

    def on_eval(state: TrainState) -> None:
        create_table_artifact(
            key="punctuator-learning-curve", table=state.curve, description="Dev-subset F1 during training"
        )

    cfg = TrainConfig.for_budget(
        lr, total_steps, budget_minutes, checkpoint_minutes, eval_every_steps, threads, max_warmup=1000
    )
    state = train(
        model,
        lambda step: window_batch(ids, labels, step, cfg.seed, batch_size, seq_len),
        evaluate,
        on_best,
        run_dir,
        cfg,
        metric="seg_f1",
        device=dev,
        on_eval=on_eval,
    )
    cleaning_file = data / "cleaning.json"
    cleaning = json.loads(cleaning_file.read_text(encoding="utf-8")) if cleaning_file.exists() else {}
    return evaluate_and_ship(best_dir, dev_path, Path(ship_to), state, dev, dev_eval_chars, cleaning, prior)
