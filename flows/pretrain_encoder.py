"""Pre-train the punctuator's encoder as a masked language model, as a resumable Prefect flow.

prepare data (the punctuator's cached tokenizer and encoded corpus) -> train BERT's masked-character task on a
time budget (checkpoints, masked-accuracy on dev windows, learning-curve artifact) -> keep the best encoder
in ``run_dir/best``. ``train-punctuator --init-encoder`` then starts from it with a fresh classification head.

Why: whether a short MLM pre-training on the same characters pays before the punctuation training is an open
question for this corpus (issue #5); this flow makes it a measurement rather than a guess.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
from prefect import flow
from prefect.artifacts import create_table_artifact

from corpora.punct import iter_labelled
from flows.train_punctuator import prepare_data
from models.char_classifier import TRAINED_WINDOW, CharEncoder
from models.char_tokenizer import SPECIAL_TOKENS
from models.device import select_device
from models.folder import check_model_folder, read_metadata, save_fp16_folder, update_metadata
from models.punctuator import (
    ENCODER_ARCHITECTURE,
    PunctuatorArch,
    build_masked_lm,
    encoder_metadata,
    masked_positions_loss,
    masked_window_batch,
)
from models.training import TrainConfig, TrainState, train

log = logging.getLogger(__name__)
#: Seed of the fixed dev windows and masks (unrelated to the training stream's).
DEV_SEED = 20_261_124


def _dev_ids(dev_path: Path, encoder: CharEncoder, max_chars: int) -> np.ndarray:
    ids, n = [], 0
    for lt in iter_labelled(dev_path, skip_unpunctuated=False):
        ids.append(encoder.encode(lt.chars))
        n += len(lt.chars)
        if n >= max_chars:
            break
    return np.concatenate(ids)


def masked_accuracy(model, batches: list[dict], device: str) -> dict[str, float]:
    """Share of masked positions whose character the model restores, and the mean loss, over ``batches``."""
    import torch

    right = total = 0
    loss = 0.0
    model.eval()
    with torch.inference_mode():
        for batch in batches:
            batch = {k: v.to(device) for k, v in batch.items()}
            out = model(**batch)
            chosen = batch["labels"] != -100
            right += int((out.logits.argmax(-1)[chosen] == batch["labels"][chosen]).sum())
            total += int(chosen.sum())
            loss += float(out.loss)
    return {"mlm_acc": round(right / max(total, 1), 4), "mlm_loss": round(loss / max(len(batches), 1), 4)}


def _card(meta: dict) -> str:
    curve = "\n".join(
        f"| {p['step']} | {p['seconds']} | {p['mlm_acc']:.4f} | {p['mlm_loss']:.3f} |" for p in meta["curve"]
    )
    return f"""---
license: mit
language: lzh
tags: [fill-mask, classical-chinese]
---
# wenyuan character encoder ({ENCODER_ARCHITECTURE})

A BERT masked language model of the punctuator's shape ({meta["parameters"]:,} parameters, {meta["arch"]["layers"]}
layers, hidden {meta["arch"]["hidden"]}), pre-trained from scratch on the characters of `punct_train.jsonl.gz`
(NiuTrans Classical-Modern corpus, MIT licence), punctuation removed; weights in fp16. It is a starting point
for `wenyuan train-punctuator --init-encoder`, not a pipeline model.

## Training
{meta["steps"]} steps, {meta["tokens"]:,} characters seen, {meta["train_seconds"] / 3600:.2f} h on {meta["device"]}
({date.today().isoformat()}); 15 % of positions predicted (BERT's 80/10/10 masking). Best masked-character
accuracy on fixed windows of the dev file: **{meta["best_metric"]:.4f}** (step {meta["best_step"]}).

| step | seconds | masked accuracy | loss |
|---|---|---|---|
{curve}
"""


@flow(name="pretrain-encoder")
def pretrain_encoder(
    train_path: Path,
    dev_path: Path,
    run_dir: Path = Path("runs/encoder"),
    init_from: Path | None = None,
    budget_minutes: float = 60.0,
    device: str = "auto",
    batch_size: int = 64,
    seq_len: int = TRAINED_WINDOW,
    lr: float = 1e-3,
    total_steps: int = 20_000,
    eval_every_steps: int = 500,
    checkpoint_minutes: float = 5.0,
    dev_eval_chars: int = 40_000,
    vocab_size: int = 8000,
    threads: int = 0,
    arch: PunctuatorArch | None = None,
) -> dict:
    """Pre-train (or resume) the encoder; the best is kept in ``run_dir/best``. ``init_from`` continues an
    encoder folder from an earlier run."""
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    run_dir, dev_path, train_path = Path(run_dir), Path(dev_path), Path(train_path)
    dev = select_device(device)
    if init_from is not None:
        check_model_folder(init_from)  # a clear error naming the folder, before any data work
    data = prepare_data(train_path, run_dir, init_from, vocab_size)
    tokenizer = AutoTokenizer.from_pretrained(data / "tokenizer")
    ids = np.load(data / "ids.npy", mmap_mode="r")
    arch = arch or PunctuatorArch()
    if init_from is not None:
        model = AutoModelForMaskedLM.from_pretrained(init_from, dtype=torch.float32)
        arch = PunctuatorArch(**read_metadata(init_from).get("arch", asdict(arch)))
    else:
        model = build_masked_lm(len(tokenizer.get_vocab()), arch, pad_id=tokenizer.pad_token_id)
    mask_id = tokenizer.mask_token_id
    # Random replacements come from the characters the corpus uses (a pass over it, so once, not per batch).
    char_ids = (len(SPECIAL_TOKENS), int(ids.max()))
    dev_ids = _dev_ids(dev_path, CharEncoder(tokenizer), dev_eval_chars)
    dev_char_ids = (char_ids[0], int(dev_ids.max()))
    dev_batches = [
        masked_window_batch(dev_ids, k, DEV_SEED, batch_size, seq_len, mask_id, dev_char_ids)
        for k in range(max(1, dev_eval_chars // (batch_size * seq_len)))
    ]
    best_dir = run_dir / "best"

    def on_best(m, state: TrainState) -> None:
        meta = encoder_metadata(m, arch, f"0.{state.step}", device=dev)
        save_fp16_folder(m, tokenizer, best_dir, meta, card=f"# wenyuan character encoder\n\nStep {state.step}.\n")

    def on_eval(state: TrainState) -> None:
        create_table_artifact(key="encoder-learning-curve", table=state.curve, description="Dev masked accuracy")

    cfg = TrainConfig.for_budget(
        lr, total_steps, budget_minutes, checkpoint_minutes, eval_every_steps, threads, max_warmup=1000
    )
    state = train(
        model,
        lambda step: masked_window_batch(ids, step, cfg.seed, batch_size, seq_len, mask_id, char_ids),
        lambda m: masked_accuracy(m, dev_batches, dev),
        on_best,
        run_dir,
        cfg,
        metric="mlm_acc",
        device=dev,
        on_eval=on_eval,
        loss_fn=masked_positions_loss,
    )
    meta = update_metadata(best_dir, best_metric=state.best_metric, **state.record())
    (best_dir / "README.md").write_text(_card(meta), encoding="utf-8")
    log.info("best masked accuracy %.4f at step %d, in %s", state.best_metric, state.best_step, best_dir)
    return {"mlm_acc": state.best_metric, "best_step": state.best_step, "folder": str(best_dir)}
