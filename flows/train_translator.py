"""Train the classical→modern translator as a resumable Prefect flow.

prepare data (clean, hold the unseen books out, build the joint character tokenizer, encode; cached) -> train
on a time budget (checkpoints, dev BLEU/chrF at intervals, learning-curve artifact) -> score the best
checkpoint on the whole dev set -> ship it to ``models/translator`` only if its BLEU beats the model already
there, measured on the same dev set.

The dev set is, by default, the unseen-book set (``corpora.unseen_books``): whole books held out of training,
because every book an archive brings is one the model has not seen. ``in_book_dev`` (``cm_dev``) is scored
beside it as a second figure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from itertools import chain
from pathlib import Path

import numpy as np
from prefect import flow, task
from prefect.artifacts import create_table_artifact

from corpora.parallel import DropReport, iter_pairs
from corpora.unseen_books import DEFAULT_NAME, UNSEEN_BOOKS, dev_set_id, unseen_dev_pairs, write_pairs
from flows.shipping import ship_and_report
from models.device import select_device
from models.folder import check_model_folder, read_metadata, save_fp16_folder, update_metadata
from models.growth import inserted_after
from models.training import TrainConfig, TrainState, continued_model, train
from models.translator import (
    ARCHITECTURE,
    REPEAT_GUARD_NGRAM,
    Translator,
    TranslatorArch,
    build_model,
    deepen_encoder,
    encode_pairs,
    evaluate_translator,
    make_batch,
    plan_batches,
)

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "translator"


def _dev_pairs(path: Path, limit: int | None) -> tuple[list[str], list[str]]:
    """All dev pairs, or ``limit`` of them spread evenly over the file.

    Spread, not the first ``limit``: dev comes in runs of books, and its first 300 pairs are 61 % 元史 and
    宋史; checkpoints chosen on them gained there and not on the whole set.
    """
    pairs = list(iter_pairs(path))  # dev is a few thousand pairs
    if limit and limit < len(pairs):
        pairs = [pairs[i * len(pairs) // limit] for i in range(limit)]
    return [p.src for p in pairs], [p.tgt for p in pairs]


def _corpus_ids(paths: tuple[Path, ...]) -> list[str]:
    """Each corpus by name and content (every workbench's corrections are named translations.tsv)."""
    return [f"{Path(p).name} sha256:{hashlib.sha256(Path(p).read_bytes()).hexdigest()[:12]}" for p in paths]


@task
def prepare_data(
    train_path: Path,
    run_dir: Path,
    init_from: Path | None,
    vocab_size: int,
    holdout_books: tuple[str, ...],
    extra_train: tuple[Path, ...] = (),
) -> Path:
    """Build (or reuse) the tokenizer and the encoded training pairs, ``holdout_books`` left out, under
    ``run_dir/data``; ``extra_train`` corpora (e.g. a workbench's ``corrections/translations.tsv``) are added
    to ``train_path``'s pairs."""
    from transformers import AutoTokenizer

    from models.char_tokenizer import build_char_tokenizer, count_characters

    data = run_dir / "data"
    if (data / "pairs.npz").exists():
        held = json.loads((data / "cleaning.json").read_text()).get("held_out_books", [])
        if held != list(holdout_books):
            raise ValueError(
                f"{data}: encoded with held-out books {held}, not {list(holdout_books)}; use another run_dir"
            )
        extra = json.loads((data / "cleaning.json").read_text()).get("extra_train", [])
        if extra != _corpus_ids(extra_train):
            raise ValueError(
                f"{data}: encoded with extra corpora {extra}; this run asks for others; use another run_dir"
            )
        return data
    data.mkdir(parents=True, exist_ok=True)
    if init_from is not None:
        tokenizer = AutoTokenizer.from_pretrained(init_from)
    else:
        counts = count_characters(p.src + p.tgt for p in iter_pairs(train_path, exclude_books=holdout_books))
        tokenizer = build_char_tokenizer(counts, max_size=vocab_size, append_eos=True)
    tokenizer.save_pretrained(data / "tokenizer")
    report = DropReport()
    pairs = chain.from_iterable(
        iter_pairs(path, report=report, exclude_books=holdout_books) for path in (train_path, *extra_train)
    )
    arrays = encode_pairs(((p.src, p.tgt) for p in pairs), tokenizer)
    cleaning = {
        **report.as_dict(),
        "held_out_books": list(holdout_books),
        **({"extra_train": _corpus_ids(extra_train)} if extra_train else {}),
    }
    (data / "cleaning.json").write_text(json.dumps(cleaning, ensure_ascii=False, indent=1))
    np.savez(data / "pairs.npz", **arrays)  # written last: its presence marks the cache complete
    return data


def _unseen_dev(train_path: Path, data_dir: Path, holdout_books: tuple[str, ...]) -> Path:
    """The unseen-book dev set of ``train_path``'s held-out books, written once under ``data_dir``."""
    if not holdout_books:
        raise ValueError("no dev_path and no held-out books to draw a dev set from")
    path = data_dir / DEFAULT_NAME
    if not path.exists():
        write_pairs(unseen_dev_pairs(train_path, holdout_books), path)
    return path


def _check_never_saw(init_from: Path, holdout_books: tuple[str, ...]) -> None:
    """Refuse to continue a model that was trained on the books now held out: they would not be unseen."""
    kept_out = read_metadata(init_from).get("cleaning", {}).get("held_out_books", [])
    seen = [b for b in holdout_books if b not in kept_out]
    if seen:
        raise ValueError(
            f"{init_from}: trained on {', '.join(seen)}, which this run holds out for its unseen-book dev set;"
            " train from scratch, or hold out nothing (holdout_books=()) and give a dev_path"
        )


def _check_deepening(init_from: Path | None, layers: int) -> None:
    """Refuse, before any data work, a ``deepen_encoder_to`` with no model to grow or fewer layers than it has."""
    if init_from is None:
        raise ValueError("deepen_encoder_to grows a starting model: give init_from as well")
    have = read_metadata(init_from).get("arch", {}).get("encoder_layers", TranslatorArch().encoder_layers)
    if layers < have:
        raise ValueError(f"{init_from}: its encoder has {have} layers; it cannot be deepened to {layers}")


def _grown(meta: dict) -> str:
    g = meta.get("grown")
    if not g:
        return ""
    return (
        f" Its encoder was grown from {g['from_encoder_layers']} to {meta['arch']['encoder_layers']} layers when it"
        f" was continued (`--deepen-encoder-to`: near-identity copies of layers"
        f" {', '.join(map(str, g['inserted_after']))} inserted after them)."
    )


def _averaged(meta: dict) -> str:
    averaged = meta.get("averaged")
    if not averaged:
        best = meta.get("best_step")
        return f" The weights are those of step {best}, the best on the dev subset." if best else ""
    steps = ", ".join(map(str, averaged["steps"]))
    bleu = averaged["bleu"]
    return f" The weights are the mean of the checkpoints at steps {steps} of that run (dev-subset BLEU {bleu:.2f})."


def _decoding(meta: dict) -> str:
    d = meta.get("decoding")
    if not d or d.get("num_beams", 1) <= 1:
        return ""
    text = (
        "\n\nThe pipeline and `wenyuan translate` decode with this folder's `generation_config.json`: beam search,\n"
        f"{d['num_beams']} beams, length penalty {d['length_penalty']:g} (`--beams 1` for greedy); no"
        f" {d.get('no_repeat_ngram_size', 4)}-gram is generated twice.\n"
    )
    if "bleu" in d:
        speed = f"{d['sentences_per_s']:.1f} sentences/s"
        text += f"So decoded, dev BLEU is **{d['bleu']:.2f}** and chrF {d['chrf']:.2f} ({speed})."
    return text


def _held_out(cleaning: dict) -> str:
    books = cleaning.get("held_out_books")
    if not books:
        return ""
    named = ", ".join(f"{b} ({UNSEEN_BOOKS.get(b, 'held out')})" for b in books)
    return f" Held out of training whole, for the unseen-book dev set (`python -m corpora.unseen_books`): {named}."


def _dev_metrics(m: dict) -> str:
    """The card's dev section: the dev set the model was selected on, and the in-book figure beside it."""
    dev_set = m.get("dev_set", "cm_dev.tsv.gz")
    name = dev_set.split()[0]
    kind = "books never trained on" if name.startswith("cm_unseen") else "books also in training"
    text = f"""## Dev metrics (`{dev_set}`: {kind}; {m["sentences"]:,} sentences, greedy)
BLEU **{m["bleu"]:.2f}** (sacrebleu, `tokenize="zh"`), chrF **{m["chrf"]:.2f}**; copying the source scores
BLEU {m["copy_bleu"]:.2f} / chrF {m["copy_chrf"]:.2f}. {m["sentences_per_s"]:.1f} sentences/s.
Measured with `wenyuan eval-translation --data {name} --beams 1`."""
    if "in_book" in m:
        b = m["in_book"]
        text += (
            f"\nOn `{b['dev_set']}` (books also in training, {b['sentences']:,} sentences): BLEU **{b['bleu']:.2f}**,"
            f" chrF {b['chrf']:.2f}; copying the source {b['copy_bleu']:.2f} / {b['copy_chrf']:.2f}."
        )
    return text


def _card(meta: dict) -> str:
    m = meta["metrics"]
    curve = "\n".join(
        f"| {p['step']} | {p['seconds']} | {p['tokens']:,} | {p['bleu']:.2f} | {p['chrf']:.2f} |" for p in meta["curve"]
    )
    cleaning = meta.get("cleaning", {})
    return f"""---
license: mit
language: [lzh, zh]
tags: [translation, classical-chinese, marian]
---
# wenyuan translator ({ARCHITECTURE})

Translates classical Chinese (文言) into modern Chinese (白话), simplified script. A Marian encoder-decoder
({meta["parameters"]:,} parameters: d_model {meta["arch"]["d_model"]}, {meta["arch"]["encoder_layers"]}+\
{meta["arch"]["decoder_layers"]} layers) over a joint character vocabulary, trained from scratch; weights in fp16.
Loads with `AutoModelForSeq2SeqLM.from_pretrained` and `AutoTokenizer.from_pretrained`.

## Data and licence
Trained on `cm_train.tsv.gz` from the NiuTrans Classical-Modern corpus (MIT licence, copyright 2022 NiuTrans
Open Source). Cleaning: spaces left by dropped quotation marks removed, `原文` headings stripped, pairs with
`**` placeholders, over-long pairs and implausible length ratios dropped ({cleaning.get("kept", "?"):,} of
{cleaning.get("read", "?"):,} pairs kept; dropped: {cleaning.get("dropped", {})}).{_held_out(cleaning)}

## Training
{meta["steps"]} steps in the last run ({meta.get("batches_seen", meta["steps"])} batches in all), \
{meta["tokens"]:,} source tokens and {meta["train_seconds"] / 3600:.2f} h in that run, on
{meta["device"]} ({meta.get("trained_on", date.today().isoformat())}).{_grown(meta)}{_averaged(meta)} Retrain or \
continue with:

    wenyuan train-translator --train ../shared/corpora/cm_train.tsv.gz \\
        --in-book-dev ../shared/corpora/cm_dev.tsv.gz --budget-minutes 120 --init-from THIS_FOLDER

(a model can be continued only if it never trained on the held-out books).

{_dev_metrics(m)}{_decoding(meta)}

## Learning curve (dev subset, greedy)
| step | seconds | source tokens | BLEU | chrF |
|---|---|---|---|---|
{curve}

## Limits
Trained on sentence pairs from 95 books, mostly histories; expect weaker output on poetry and on genres the
corpus lacks. Names are often paraphrased; characters outside the vocabulary are copied from the source.
"""


def _greedy_scores(folder: Path, src: list[str], tgt: list[str], device: str) -> dict:
    # Greedy, like the curve: it measures the model, comparable across versions, at a fifth of the cost.
    return evaluate_translator(Translator.from_pretrained(folder, device=device, beams=1, batch_size=64), src, tgt)


def _shipped_baseline(ship_to: Path, dev_set: str, src: list[str], tgt: list[str], device: str) -> float | None:
    """The shipped model's BLEU on this dev set, measured now when its card records another set (or none).

    None when there is no shipped model or its recorded score is on the same pairs (compare with that).
    """
    meta = read_metadata(ship_to) if (ship_to / "config.json").exists() else {}
    if not meta or meta.get("metrics", {}).get("dev_set") == dev_set:
        return None
    return _greedy_scores(ship_to, src, tgt, device)["bleu"]


@task
def evaluate_and_ship(
    best: Path,
    dev_path: Path,
    ship_to: Path,
    state: TrainState,
    device: str,
    cleaning: dict,
    in_book_dev: Path | None = None,
) -> dict:
    """Score the run's best model on the whole dev set (and ``in_book_dev`` beside it); copy it to ``ship_to``
    if its BLEU is higher than the shipped model's on the same dev set."""
    src, tgt = _dev_pairs(dev_path, None)
    dev_set = dev_set_id(dev_path)
    scores = {**_greedy_scores(best, src, tgt, device), "dev_set": dev_set}
    if in_book_dev is not None:
        in_src, in_tgt = _dev_pairs(in_book_dev, None)
        in_book = _greedy_scores(best, in_src, in_tgt, device)
        scores["in_book"] = {
            **{k: in_book[k] for k in ("sentences", "bleu", "chrf", "copy_bleu", "copy_chrf")},
            "dev_set": dev_set_id(in_book_dev),
        }
    from transformers import GenerationConfig

    generation = GenerationConfig.from_pretrained(best)
    # The recommended decoding travels with the folder; its scores are measured apart (bench/RESULTS.md).
    decoding = {
        "num_beams": generation.num_beams,
        "length_penalty": generation.length_penalty,
        "no_repeat_ngram_size": generation.no_repeat_ngram_size or REPEAT_GUARD_NGRAM,
    }
    meta = update_metadata(best, metrics=scores, cleaning=cleaning, decoding=decoding, **state.record())
    (best / "README.md").write_text(_card(meta), encoding="utf-8")
    summary = (
        f"dev ({dev_set}) BLEU {scores['bleu']:.2f}, chrF {scores['chrf']:.2f}"
        f" (copy-source BLEU {scores['copy_bleu']:.2f})"
    )
    baseline = _shipped_baseline(Path(ship_to), dev_set, src, tgt, device)
    ship_and_report(best, ship_to, "bleu", summary, "translator-result", baseline=baseline)
    return scores


@flow(name="train-translator")
def train_translator(
    train_path: Path,
    dev_path: Path | None = None,
    run_dir: Path = Path("runs/translator"),
    ship_to: Path = SHIPPED,
    init_from: Path | None = None,
    budget_minutes: float = 60.0,
    device: str = "auto",
    max_tokens: int = 4096,
    lr: float = 7e-4,
    total_steps: int = 40_000,
    eval_every_steps: int = 1000,
    checkpoint_minutes: float = 5.0,
    dev_eval_sentences: int = 600,
    vocab_size: int = 8000,
    threads: int = 0,
    arch: TranslatorArch | None = None,
    average_last: int = 4,
    deepen_encoder_to: int | None = None,
    holdout_books: tuple[str, ...] = tuple(UNSEEN_BOOKS),
    in_book_dev: Path | None = None,
    extra_train: tuple[Path, ...] = (),
) -> dict:
    """Train, resume or continue the translator, then evaluate and (if better) ship it.

    Resumes from ``run_dir/last`` when it exists; otherwise starts from ``init_from`` (a shipped folder, to
    continue across sessions) or from scratch with ``arch``. ``average_last``: the weights of the last N
    evaluations are averaged at the end, and the mean is kept if it beats the best single checkpoint.
    ``deepen_encoder_to``: grow the starting model's encoder to this many layers first (``deepen_encoder``);
    a resume repeats the growth, so the checkpoint's weights fit.
    ``holdout_books`` are never trained on; with no ``dev_path``, the dev set is drawn from them
    (``corpora.unseen_books``, written to ``run_dir/data``). ``in_book_dev`` (e.g. ``cm_dev``) is scored at
    the end as a second figure. ``extra_train``: more ``book chapter src tgt`` corpora trained on with
    ``train_path`` (corrected translations from the workbench or ``import-tei``).
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    run_dir, train_path = Path(run_dir), Path(train_path)
    holdout_books = tuple(holdout_books)
    dev = select_device(device)
    if init_from is not None:
        check_model_folder(init_from)  # a clear error naming the folder, before any data work
        _check_never_saw(init_from, holdout_books)
    if deepen_encoder_to is not None:
        _check_deepening(init_from, deepen_encoder_to)
    data_dir = prepare_data(train_path, run_dir, init_from, vocab_size, holdout_books, tuple(extra_train))
    dev_path = Path(dev_path) if dev_path is not None else _unseen_dev(train_path, data_dir, holdout_books)
    tokenizer = AutoTokenizer.from_pretrained(data_dir / "tokenizer")
    data = dict(np.load(data_dir / "pairs.npz"))
    cleaning = json.loads((data_dir / "cleaning.json").read_text())
    arch = arch or TranslatorArch()
    pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
    # Batches the starting model has already trained on: a continued run picks the batch stream up there
    # (same tokenizer, same plan) instead of replaying the first passes over the same pairs.
    # Read from the run directory, so a resume counts them whether or not it names init_from again.
    prior = continued_model(run_dir, init_from, ARCHITECTURE)
    seen = int(prior.get("batches_seen", prior.get("steps", 0))) if prior else 0
    grown = None
    if init_from is not None:
        model = AutoModelForSeq2SeqLM.from_pretrained(init_from, dtype=torch.float32)
        arch = TranslatorArch(**read_metadata(init_from).get("arch", asdict(arch)))
        if deepen_encoder_to and deepen_encoder_to != arch.encoder_layers:
            model = deepen_encoder(model, deepen_encoder_to)
            have = arch.encoder_layers
            grown = {"from_encoder_layers": have, "inserted_after": inserted_after(have, deepen_encoder_to - have)}
            arch = TranslatorArch(**{**asdict(arch), "encoder_layers": deepen_encoder_to})
    else:
        if prior:  # the resume of a continuation: its checkpoint has the continued model's shape
            arch = TranslatorArch(**prior.get("arch", asdict(arch)))
        model = build_model(len(tokenizer.get_vocab()), arch, pad_id=pad, eos_id=eos)
    cfg = TrainConfig.for_budget(
        lr, total_steps, budget_minutes, checkpoint_minutes, eval_every_steps, threads, max_warmup=1000
    )
    batches = plan_batches(data, max_tokens, cfg.seed)
    # A fixed permutation per pass over the batches: step -> batch is a pure function, so resume is exact.
    epoch_orders: dict[int, np.ndarray] = {}

    def batch_for(step: int) -> dict:
        epoch, k = divmod(seen + step, len(batches))
        if epoch not in epoch_orders:
            epoch_orders[epoch] = np.random.default_rng(cfg.seed + epoch).permutation(len(batches))
        return make_batch(data, batches[epoch_orders[epoch][k]], pad)

    dev_src, dev_tgt = _dev_pairs(dev_path, dev_eval_sentences)
    best_dir = run_dir / "best"

    def evaluate(m) -> dict[str, float]:
        s = evaluate_translator(Translator(m, tokenizer, dev, beams=1, batch_size=64), dev_src, dev_tgt)
        return {"bleu": s["bleu"], "chrf": s["chrf"]}

    def on_best(m, state: TrainState) -> None:
        meta = {
            "name": "wenyuan-translator",
            "architecture": ARCHITECTURE,
            "version": f"1.{seen + state.step}",
            "source": "lzh (simplified)",
            "target": "zh-Hans",
            "arch": asdict(arch),
            "parameters": sum(p.numel() for p in m.parameters()),
            "device": dev,
            "min_pipeline_version": "0.1.0",
            "batches_seen": seen + state.step,
            "trained_on": date.today().isoformat(),
        }
        if grown:
            meta["grown"] = grown
        save_fp16_folder(
            m, tokenizer, best_dir, meta, card=f"# wenyuan translator\n\nCheckpoint at step {state.step}.\n"
        )

    def on_eval(state: TrainState) -> None:
        create_table_artifact(
            key="translator-learning-curve",
            table=state.curve,
            description="Dev-subset BLEU/chrF during training (greedy)",
        )

    state = train(
        model,
        batch_for,
        evaluate,
        on_best,
        run_dir,
        cfg,
        "bleu",
        device=dev,
        on_eval=on_eval,
        average_last=average_last,
    )
    in_book = Path(in_book_dev) if in_book_dev is not None else None
    return evaluate_and_ship(best_dir, dev_path, Path(ship_to), state, dev, cleaning, in_book)
