"""Train the person and place tagger as a resumable Prefect flow.

silver labels (the shipped rules over the parallel corpus's sources, cached) -> fine-tune the punctuator's
encoder on a time budget, half the silver names swapped for made-up ones in every batch (checkpoints,
evaluation on the hand-checked dev set with a calibrated O bias, learning-curve artifact) -> score the best
on both hand-checked sets -> ship it to ``models/entity_tagger`` only if it beats the model already there on
the dev set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
from prefect import flow, task
from prefect.artifacts import create_table_artifact

from corpora.punct import is_punctuation
from entities.evaluation import HAND_SETS, calibrate_o_bias, mean_f1, read_hand_set, score_spans, spans_alone
from entities.silver import iter_silver, name_pools, swap_names
from flows.shipping import ship_and_report
from models.char_classifier import TRAINED_WINDOW
from models.device import select_device
from models.encoder_transfer import as_encoder_folder
from models.entity_tagger import (
    ARCHITECTURE,
    TAG_TO_ID,
    TAGS,
    EntityTagger,
    TaggedSpan,
    TaggerEncoder,
    build_from_encoder,
)
from models.folder import read_metadata, save_fp16_folder, update_metadata
from models.punctuator import window_batch
from models.training import TrainConfig, TrainState, continued_model, cumulative_record, train

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "entity_tagger"
ENCODER = ROOT / "models" / "punctuator"


@task
def prepare_silver(
    train_path: Path, run_dir: Path, encoder_folder: Path, every: int, limit: int | None, project: bool = True
) -> Path:
    """Label the training sentences and encode them twice under ``run_dir/data``: as written (marks become
    the separator token) and with the marks removed (unpunctuated input must work too). ``project``: add
    the names the translations write in full (:func:`entities.name_projection.projected_spans`)."""
    from transformers import AutoTokenizer

    data = run_dir / "data"
    if (data / "silver.json").exists():
        cached = {"project": False, **json.loads((data / "silver.json").read_text())}  # older caches: no projection
        asked = {"every": every, "limit": limit, "project": project}
        if {k: cached.get(k) for k in asked} == asked:
            return data
        raise ValueError(f"{data} holds silver labels made with {cached}, not {asked}: use another --run-dir")
    data.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(encoder_folder)
    encoder = TaggerEncoder(tokenizer)
    ids, tags, bare_ids, bare_tags, n = [], [], [], [], 0
    for text, bio in iter_silver(train_path, every=every, limit=limit, project=project):
        t = np.fromiter((TAG_TO_ID[x] for x in bio), dtype=np.int8, count=len(bio))
        encoded = encoder.encode(text)
        ids.append(encoded)
        tags.append(t)
        keep = np.fromiter((not is_punctuation(c) for c in text), dtype=bool, count=len(text))
        bare_ids.append(encoded[keep])
        bare_tags.append(t[keep])
        n += 1
    tokenizer.save_pretrained(data / "tokenizer")
    np.save(data / "ids.npy", np.concatenate(ids))
    np.save(data / "bare_ids.npy", np.concatenate(bare_ids))
    np.save(data / "bare_tags.npy", np.concatenate(bare_tags))
    np.save(data / "tags.npy", np.concatenate(tags))
    stats = {"sentences": n, "characters": sum(map(len, ids)), "tagged": int((np.concatenate(tags) > 0).sum())}
    stats.update(every=every, limit=limit, project=project)
    (data / "silver.json").write_text(json.dumps(stats))  # written last: its presence marks the cache complete
    log.info("silver labels: %s", stats)
    return data


def _card(meta: dict) -> str:
    curve = "\n".join(
        f"| {p['step']} | {p['seconds']} | {p['dev_f1']:.3f} | {p['o_bias']:+.1f} |" for p in meta["curve"]
    )
    rows = "\n".join(
        f"| {name} | {system} | {kind} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['gold']} |"
        for name, systems in meta["metrics"]["sets"].items()
        for system, scores in systems.items()
        for kind, c in scores.items()
    )
    trained_on = meta.get("trained_on", date.today().isoformat())
    window = meta.get("trained_window", TRAINED_WINDOW)
    continued = f" Continued from {meta['continued_from']}." if meta.get("continued_from") else ""
    return f"""---
license: mit
language: lzh
tags: [token-classification, named-entity-recognition, classical-chinese]
---
# wenyuan entity tagger ({ARCHITECTURE})

Tags persons and places in classical Chinese, one BIO tag per character ({", ".join(TAGS)}). A BERT token
classifier ({meta["parameters"]:,} parameters) whose encoder was copied from the wenyuan punctuator
{meta.get("encoder_version", "")} and fine-tuned; weights stored in fp16. Punctuation marks and spaces are read
as one separator token, so punctuated and unpunctuated text both work.

## Data and licence
No gold entity corpus is open for classical Chinese, so the labels are silver: wenyuan's own lexicons and
patterns (`entities/`, lexicons mined from the corpus by `python -m entities.mining.names`) applied,
chapter by chapter, to {meta["silver"]["sentences"]:,} source sentences of `cm_train.tsv.gz` (one chapter
in {meta["silver"]["every"]}) of the NiuTrans Classical-Modern corpus (MIT licence, copyright 2022 NiuTrans
Open Source). Half the training windows keep the punctuation, half have it removed; in every batch
{meta.get("swap_names_p", 0):.0%} of the silver names are swapped for made-up ones of the same shape (a surname and
given-name characters; new characters before a place's last one), so the model learns the contexts of names
rather than the lexicons.

## Training
{meta["steps"]} steps, {meta["tokens"]:,} characters seen, {meta["train_seconds"] / 3600:.2f} h on {meta["device"]}
({trained_on}); the weights are those of step {meta.get("best_step", meta["steps"])}, the best on the
hand-checked dev set (batches of 32 windows of {window} characters, the window it reads text in).{continued} Retrain or
continue with:

    wenyuan train-entity-tagger --train ../shared/corpora/cm_train.tsv.gz --budget-minutes 60

## Decoding
{meta["decoding"]["o_bias"]:+.1f} is added to the O logit before the argmax (silver labels miss names, so the
model alone under-tags); the bias is calibrated for the mean person/place F1 of the annotator with the tagger
(`rules+tagger` below) on the hand-checked dev set.

## Scores
Exact spans on the hand-checked sets (`corpora/eval/`): `rules` is the annotator's lexicons and patterns
alone, `tagger` this model alone, `rules+tagger` the two as the annotate stage uses them (the tagger fills
what the rules leave). `heldout` was not used for training, checkpoint choice or calibration.

| set | system | kind | precision | recall | F1 | gold |
|---|---|---|---|---|---|---|
{rows}

## Learning curve (hand-checked dev set, mean person/place F1 of rules+tagger)
| step | seconds | mean F1 | O bias |
|---|---|---|---|
{curve}
"""


def with_rules(
    text: str,
    spans: list[TaggedSpan],
    extra: dict[str, tuple[str, str]] | None = None,
    translation: str | None = None,
) -> set[tuple[str, int, int]]:
    """Persons and places as the annotator finds them: lexicons and patterns, the tagger filling the rest.
    ``extra``: the given names of the sentence's document (:func:`entities.document_names.document_given_names`);
    without it each hand-checked sentence is read alone, as training and calibration read them. ``translation``:
    the sentence's modern translation, as the annotate stage has it after the translate stage."""
    from entities.finder import find_entities

    tagged = [(s.kind, s.start, s.end, s.confidence) for s in spans]
    return {(s.kind, s.start, s.end) for s in find_entities(text, extra, tagged, translation)}


#: What the scores compare: the annotator without the tagger, the tagger alone, and the two together.
SYSTEMS: dict[str, Callable[[str, list[TaggedSpan]], set[tuple[str, int, int]]]] = {
    "rules": lambda text, spans: with_rules(text, []),
    "tagger": spans_alone,
    "rules+tagger": with_rules,
}


def score_tagger(folder: Path, device: str) -> dict:
    """Calibrate the folder's O bias for the annotator's use (``with_rules``) on the dev hand set, score
    each system on both hand sets, record it all in the folder's ``wenyuan.json`` and model card."""
    tagger = EntityTagger.from_pretrained(folder, device=device, bias=0.0)
    bias, _ = calibrate_o_bias(tagger, HAND_SETS["dev"], with_rules)
    tagger.bias = bias
    sets: dict[str, dict] = {}
    for name, path in HAND_SETS.items():
        rows = read_hand_set(path)
        found = tagger.find([text for text, _ in rows])
        for system, combine in SYSTEMS.items():
            triples = ((text, gold, combine(text, f)) for (text, gold), f in zip(rows, found, strict=True))
            scores = score_spans(triples)
            for c in scores.values():
                c.pop("missed"), c.pop("wrong")
            sets.setdefault(name, {})[system] = scores
    metrics = {
        "dev_mean_f1": mean_f1(sets["dev"]["rules+tagger"]),
        "heldout_mean_f1": mean_f1(sets["heldout"]["rules+tagger"]),
        "sets": sets,
    }
    meta = update_metadata(folder, metrics=metrics, decoding={"o_bias": bias, "calibrated_on": HAND_SETS["dev"].name})
    (folder / "README.md").write_text(_card(meta), encoding="utf-8")
    return metrics


#: How much a run's dev mean F1 must beat the shipped tagger's by to replace it. The hand-checked dev set (241
#: persons and places) moves by about ±0.03 between equally good taggers; a run of 250 steps once replaced one of
#: 847 on a gain of 0.002 and read held-out places 0.05 worse (bench/RESULTS.md, 2026-12-03 late).
MIN_GAIN = 0.01


@task
def evaluate_and_ship(best: Path, ship_to: Path, state: TrainState, device: str, prior: dict | None = None) -> dict:
    """Score the run's best checkpoint; copy it to ``ship_to`` if its dev F1 beats what is there by more than
    :data:`MIN_GAIN`. ``prior``: the metadata of the tagger the run continued, whose training its record then
    counts."""
    update_metadata(best, **cumulative_record(state.record(), prior))
    metrics = score_tagger(best, device)
    summary = f"dev mean F1 {metrics['dev_mean_f1']:.4f}, held-out {metrics['heldout_mean_f1']:.4f}"
    ship_and_report(best, ship_to, "dev_mean_f1", summary, "entity-tagger-result", min_gain=MIN_GAIN)
    return metrics


@flow(name="train-entity-tagger")
def train_entity_tagger(
    train_path: Path,
    run_dir: Path = Path("runs/entity_tagger"),
    ship_to: Path = SHIPPED,
    init_from: Path = ENCODER,
    every: int = 3,
    limit: int | None = None,
    budget_minutes: float = 60.0,
    device: str = "auto",
    batch_size: int = 32,
    seq_len: int = TRAINED_WINDOW,
    lr: float = 3e-4,
    total_steps: int = 3000,
    eval_every_steps: int = 250,
    checkpoint_minutes: float = 5.0,
    threads: int = 0,
    swap_names_p: float = 0.5,
    project: bool = True,
) -> dict:
    """Fine-tune (or resume) the entity tagger, then score it and (if better) ship it.

    ``swap_names_p``: the share of silver names replaced by made-up ones in each batch
    (:func:`entities.silver.swap_names`), so the model learns contexts rather than the lexicons.
    ``project``: the silver labels also take the names the translations write in full (仪 of 张仪, 燕 of 燕国).

    Resumes from ``run_dir/last`` when it exists; otherwise starts from ``init_from``: the punctuator (its
    encoder, with a new head), a translator (its encoder, likewise) or a shipped tagger (to continue across
    sessions).
    """
    import torch
    from transformers import AutoTokenizer

    run_dir, train_path = Path(run_dir), Path(train_path)
    init_from = as_encoder_folder(init_from, run_dir)
    prior = continued_model(run_dir, init_from, ARCHITECTURE)  # only when it continues a tagger
    dev = select_device(device)
    data = prepare_silver(train_path, run_dir, init_from, every, limit, project)
    tokenizer = AutoTokenizer.from_pretrained(data / "tokenizer")
    streams = [
        (np.load(data / f"{prefix}ids.npy", mmap_mode="r"), np.load(data / f"{prefix}tags.npy", mmap_mode="r"))
        for prefix in ("", "bare_")
    ]
    model = build_from_encoder(init_from)
    encoder_meta = read_metadata(init_from)
    best_dir = run_dir / "best"
    silver = json.loads((data / "silver.json").read_text())

    def evaluate(m) -> dict[str, float]:
        bias, scores = calibrate_o_bias(EntityTagger(m, tokenizer, dev, window=seq_len), HAND_SETS["dev"], with_rules)
        return {"dev_f1": mean_f1(scores), "o_bias": bias}

    def on_best(m, state: TrainState) -> None:
        meta = {
            "name": "wenyuan-entity-tagger",
            "architecture": ARCHITECTURE,
            "version": f"1.{state.step}",
            "tags": list(TAGS),
            "script": "simplified (traditional mapped per character)",
            # Continuing a shipped tagger keeps the punctuator version its encoder came from.
            "encoder_version": encoder_meta.get("encoder_version") or encoder_meta.get("version", ""),
            "silver": silver,
            "swap_names_p": swap_names_p,
            "parameters": sum(p.numel() for p in m.parameters()),
            "device": dev,
            "min_pipeline_version": "0.1.0",
            "trained_window": seq_len,
            "trained_on": date.today().isoformat(),
        }
        save_fp16_folder(m, tokenizer, best_dir, meta, card=f"# wenyuan entity tagger\n\nStep {state.step}.\n")

    def on_eval(state: TrainState) -> None:
        create_table_artifact(
            key="entity-tagger-learning-curve", table=state.curve, description="Hand-checked dev mean F1"
        )

    pools = name_pools(TaggerEncoder(tokenizer))

    def make_batch(step: int) -> dict:
        ids, tags = streams[step % 2]  # alternate punctuated and unpunctuated windows
        batch = window_batch(ids, tags, step, 17, batch_size, seq_len)
        if swap_names_p:
            rng = np.random.default_rng([17, step, 1])  # a pure function of the step, like the windows
            swapped = swap_names(batch["input_ids"].numpy(), batch["labels"].numpy(), rng, pools, swap_names_p)
            batch["input_ids"] = torch.from_numpy(swapped)
        return batch

    cfg = TrainConfig.for_budget(
        lr, total_steps, budget_minutes, checkpoint_minutes, eval_every_steps, threads, max_warmup=200
    )
    state = train(model, make_batch, evaluate, on_best, run_dir, cfg, metric="dev_f1", device=dev, on_eval=on_eval)
    return evaluate_and_ship(best_dir, Path(ship_to), state, dev, prior)
