"""A small resumable training loop shared by the punctuator and the translator.

Why not ``transformers.Trainer``: training here runs in short sessions on two CPU cores, so the loop must
stop cleanly on a wall-clock budget, checkpoint every few minutes, and resume bit-for-bit (batches are drawn
from a generator seeded by the step number, so a resumed run sees exactly the batches it would have seen).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Optimisation settings common to both models.

    Attributes:
        lr: peak learning rate (AdamW).
        warmup_steps: linear warm-up steps.
        total_steps: steps of the cosine schedule (the run may stop earlier on its budget).
        weight_decay: AdamW weight decay.
        clip_norm: gradient clipping norm.
        budget_s: wall-clock seconds this invocation may train before it checkpoints and stops.
        checkpoint_every_s: seconds between checkpoints.
        eval_every_steps: steps between dev evaluations.
        seed: seed of the batch generator and the initialisation.
        threads: torch intra-op threads on CPU (0 keeps torch's default).
    """

    lr: float = 1e-3
    warmup_steps: int = 500
    total_steps: int = 60_000
    weight_decay: float = 0.01
    clip_norm: float = 1.0
    budget_s: float = 600.0
    checkpoint_every_s: float = 300.0
    eval_every_steps: int = 500
    seed: int = 13
    threads: int = 0

    @classmethod
    def for_budget(
        cls,
        lr: float,
        total_steps: int,
        budget_minutes: float,
        checkpoint_minutes: float,
        eval_every_steps: int,
        threads: int,
        max_warmup: int,
    ) -> TrainConfig:
        """The settings the training flows take from their parameters (warm-up: a tenth of the run, capped)."""
        return cls(
            lr=lr,
            total_steps=total_steps,
            budget_s=budget_minutes * 60,
            checkpoint_every_s=checkpoint_minutes * 60,
            eval_every_steps=eval_every_steps,
            threads=threads,
            warmup_steps=min(max_warmup, total_steps // 10),
        )


@dataclass
class TrainState:
    """What a checkpoint records besides weights and optimiser state."""

    step: int = 0
    tokens: int = 0
    seconds: float = 0.0
    best_metric: float = -math.inf
    best_step: int = 0
    curve: list[dict[str, Any]] = field(default_factory=list)
    #: When the best weights are an average of snapshots: their steps and the average's dev metrics.
    averaged: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        """What a shipped model's ``wenyuan.json`` keeps of its training run."""
        out = {
            "curve": self.curve,
            "steps": self.step,
            "best_step": self.best_step,
            "tokens": self.tokens,
            "train_seconds": self.seconds,
        }
        if self.averaged:
            out["averaged"] = self.averaged
        return out


def set_dropout(model, p: float) -> int:
    """Set every dropout of ``model`` (and the rates its configuration records, so a saved folder says what
    it was trained with) to ``p``; returns how many dropout modules there were. Why: a model continued for
    many passes at a capacity limit may gain from training without dropout, and a continued run must be able
    to change it without rebuilding the model."""
    import torch

    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout must be in [0, 1): {p}")
    config = getattr(model, "config", None)
    for key in ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout"):
        if config is not None and hasattr(config, key):
            setattr(config, key, p)
    modules = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    for m in modules:
        m.p = p
    return len(modules)


def _logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow run (so progress shows in the UI), else this module's."""
    try:
        from prefect.logging import get_run_logger

        return get_run_logger()
    except Exception:
        return log


class _StopFlag:
    """SIGTERM/SIGINT ask the loop to checkpoint and return instead of dying mid-step."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: signals stay with the caller
                pass

    def _handle(self, signum, frame) -> None:
        self.requested = True

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _lr_lambda(cfg: TrainConfig) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < cfg.warmup_steps:
            return (step + 1) / cfg.warmup_steps
        progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.total_steps - cfg.warmup_steps))
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def save_checkpoint(run_dir: Path, model, optimizer, scheduler, state: TrainState) -> None:
    """Write ``run_dir/last`` atomically (a crash mid-write leaves the previous checkpoint intact)."""
    import torch

    tmp = run_dir / "last.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
        tmp / "training_state.pt",
    )
    (tmp / "state.json").write_text(json.dumps(asdict(state), indent=1))
    final = run_dir / "last"
    old = run_dir / "last.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


class Snapshots:
    """The weights at a run's last ``keep`` evaluations (``run_dir/snapshots``, fp32 state dicts).

    Why: the mean of the last few checkpoints of a decaying schedule often scores a little above any one of
    them (checkpoint averaging), at no training cost.
    """

    def __init__(self, run_dir: Path, keep: int):
        self.folder = Path(run_dir) / "snapshots"
        self.keep = keep

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("step_*.pt"))

    def add(self, model, step: int) -> None:
        """Save ``model``'s weights at ``step`` and drop the snapshots beyond the last ``keep``."""
        import torch

        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f"step_{step:08d}.tmp"
        torch.save({k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}, tmp)
        tmp.rename(self.folder / f"step_{step:08d}.pt")
        for old in self.files()[: -self.keep]:
            old.unlink()

    def average(self) -> tuple[dict[str, Any], list[int]]:
        """The element-wise mean of the snapshots (integer tensors taken from the last) and their steps."""
        import torch

        files = self.files()
        states = [torch.load(f, map_location="cpu", weights_only=True) for f in files]
        mean = {
            k: torch.stack([s[k] for s in states]).mean(0) if v.is_floating_point() else v
            for k, v in states[-1].items()
        }
        return mean, [int(f.stem.split("_")[1]) for f in files]


def has_checkpoint(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a checkpoint a run resumes from (and so ignores where it would start)."""
    return (Path(run_dir) / "last" / "state.json").exists()


def continued_model(run_dir: Path, init_from: Path | None, architecture: str) -> dict[str, Any] | None:
    """The metadata of the model a run continues: ``init_from`` when it is a model of ``architecture`` (not
    another model whose encoder it starts from). It is kept in ``run_dir/continued_from.json`` when the run
    starts, so a resume that no longer names ``init_from`` still counts that model's training; a run that
    already has a checkpoint resumes from it and ignores ``init_from``, so nothing is recorded then."""
    from models.folder import read_metadata

    kept = Path(run_dir) / "continued_from.json"
    if init_from is not None and not kept.exists() and not has_checkpoint(run_dir):
        meta = read_metadata(init_from)
        if meta.get("architecture") == architecture:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return json.loads(kept.read_text(encoding="utf-8")) if kept.exists() else None


def cumulative_record(record: dict[str, Any], prior: dict[str, Any] | None) -> dict[str, Any]:
    """``record`` (a run's :meth:`TrainState.record`) with the steps, tokens and hours of the model it
    continued (``prior``, that folder's metadata) added, and the version that follows from them: a continued
    model's version counts all its training, so it never goes below the version it came from."""
    if not prior:
        return record
    out = dict(record)
    for key in ("steps", "tokens", "train_seconds"):
        out[key] = prior.get(key, 0) + record[key]
    out["best_step"] = prior.get("steps", 0) + record["best_step"]
    out["version"] = f"1.{out['best_step']}"
    out["continued_from"] = (
        f"{prior.get('version', '?')} (steps, characters and hours are cumulative; the curve is this run's,"
        " its steps counted from 0)"
    )
    return out


def load_checkpoint(run_dir: Path, model, optimizer, scheduler) -> TrainState | None:
    """Restore ``run_dir/last`` into the given objects; None when there is nothing to resume."""
    import torch

    last = run_dir / "last"
    if not has_checkpoint(run_dir):
        return None
    blob = torch.load(last / "training_state.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(blob["model"])
    optimizer.load_state_dict(blob["optimizer"])
    scheduler.load_state_dict(blob["scheduler"])
    return TrainState(**json.loads((last / "state.json").read_text()))


def train(
    model,
    make_batch: Callable[[int], dict[str, Any]],
    evaluate: Callable[[Any], dict[str, float]],
    on_best: Callable[[Any, TrainState], None],
    run_dir: Path,
    cfg: TrainConfig,
    metric: str,
    device: str = "cpu",
    on_eval: Callable[[TrainState], None] | None = None,
    average_last: int = 0,
    loss_fn: Callable[[Any, dict[str, Any]], Any] | None = None,
) -> TrainState:
    """Train ``model`` until ``cfg.total_steps`` or ``cfg.budget_s``, resuming from ``run_dir/last``.

    Args:
        model: a ``transformers`` model returning ``.loss`` when called with a batch.
        make_batch: step number -> batch dict of tensors (deterministic in the step, for exact resume).
        evaluate: model -> dev metrics; called every ``cfg.eval_every_steps`` and at the end.
        on_best: called with the model when ``metric`` improves (saves the shippable folder).
        run_dir: where ``last/`` (checkpoint) lives.
        cfg: optimisation and budget settings.
        metric: key of ``evaluate``'s result that decides the best model (higher is better).
        device: torch device string.
        on_eval: called after each evaluation with the state (e.g. to publish a learning curve).
        average_last: keep the weights of the last N evaluations; at the end their mean is evaluated and
            becomes the best model if it scores higher (:class:`Snapshots`). 0 or 1: no averaging.
        loss_fn: (model, batch) -> training loss, for a loss cheaper than the model's own (default:
            ``model(**batch).loss``).

    Returns:
        The final :class:`TrainState`.
    """
    import torch

    log = _logger()
    stop = _StopFlag()
    if cfg.threads and device == "cpu":
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    model.to(device)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "norm" not in n.lower()]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "norm" not in n.lower())]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(cfg))
    state = load_checkpoint(run_dir, model, optimizer, scheduler) or TrainState()
    if state.step:
        log.info("resumed from step %d (%.0f s trained so far)", state.step, state.seconds)
    model.to(device)
    start = time.monotonic()
    last_ckpt = start
    seg_start, seg_tokens, seg_loss, seg_n = start, 0, 0.0, 0

    def run_eval() -> None:
        model.eval()
        with torch.no_grad():
            metrics = evaluate(model)
        model.train()
        point = {"step": state.step, "seconds": round(state.seconds), "tokens": state.tokens, **metrics}
        state.curve.append(point)
        log.info("eval %s", point)
        if metrics[metric] > state.best_metric:
            state.best_metric, state.best_step = metrics[metric], state.step
            on_best(model, state)
        if on_eval:
            on_eval(state)

    snapshots = Snapshots(run_dir, average_last) if average_last > 1 else None
    model.train()
    while state.step < cfg.total_steps:
        now = time.monotonic()
        if now - start >= cfg.budget_s or stop.requested:
            break
        batch = {k: v.to(device) for k, v in make_batch(state.step).items()}
        loss = loss_fn(model, batch) if loss_fn is not None else model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        n_tok = int(batch["attention_mask"].sum())
        state.step += 1
        state.tokens += n_tok
        seg_tokens += n_tok
        seg_loss += loss.item()
        seg_n += 1
        t = time.monotonic()
        state.seconds += t - now
        if state.step % 50 == 0:
            log.info(
                "step %d loss %.4f lr %.2e %.0f tok/s",
                state.step,
                seg_loss / seg_n,
                scheduler.get_last_lr()[0],
                seg_tokens / (t - seg_start),
            )
            seg_start, seg_tokens, seg_loss, seg_n = t, 0, 0.0, 0
        if state.step % cfg.eval_every_steps == 0:
            run_eval()
            if snapshots:
                snapshots.add(model, state.step)
        if time.monotonic() - last_ckpt >= cfg.checkpoint_every_s:
            save_checkpoint(run_dir, model, optimizer, scheduler, state)
            last_ckpt = time.monotonic()
    if not state.curve or state.curve[-1]["step"] != state.step:
        run_eval()
        if snapshots:
            snapshots.add(model, state.step)
    save_checkpoint(run_dir, model, optimizer, scheduler, state)
    if snapshots and len(snapshots.files()) > 1:
        _try_average(model, snapshots, evaluate, on_best, state, metric, log)
    stop.restore()
    return state


def _try_average(model, snapshots: Snapshots, evaluate, on_best, state: TrainState, metric: str, log) -> None:
    """Evaluate the mean of the snapshots; make it the best model if it beats the best single checkpoint.
    ``model`` gets its own weights back afterwards (the checkpoint is already written)."""
    import torch

    own = {k: v.detach().clone() for k, v in model.state_dict().items()}
    mean, steps = snapshots.average()
    model.load_state_dict(mean)
    model.eval()
    with torch.no_grad():
        metrics = evaluate(model)
    log.info(
        "average of steps %s: %s (best single: %.4f at step %d)", steps, metrics, state.best_metric, state.best_step
    )
    if metrics[metric] > state.best_metric:
        state.best_metric = metrics[metric]
        state.averaged = {"steps": steps, **metrics}
        on_best(model, state)
    model.load_state_dict(own)
