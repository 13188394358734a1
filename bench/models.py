"""Model benchmark: quality on the dev sets, speed and peak memory of the shipped punctuator, translator and
entity tagger.

    python bench/models.py                       # all three models, whole dev sets
    python bench/models.py --only translator --beams 6   # its default decoding

Runs each model in a fresh process so its peak resident memory (``ru_maxrss``) is its own. Results go to
``bench/out/models.json``; copy the summary lines into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"


def _punctuator(threads: int) -> dict:
    import torch

    from corpora.punct import iter_paragraphs
    from models.punctuator import evaluate_punctuator
    from tasks.punctuate import DEFAULT_MODEL, load_punctuator

    torch.set_num_threads(threads)
    paragraphs = [p for _b, p in iter_paragraphs(SHARED / "punct_dev.jsonl.gz")]
    model = load_punctuator(str(DEFAULT_MODEL), "cpu")
    start = time.perf_counter()
    scores = evaluate_punctuator(model, paragraphs)
    seconds = time.perf_counter() - start
    chars = sum(len(p) for p in paragraphs)
    return {
        "model": f"{model.name} {model.version}",
        "chars": chars,
        "segmentation_f1": round(scores["segmentation"]["f1"], 4),
        "punctuation_f1": round(scores["punctuation"]["f1"], 4),
        "per_mark_f1": {k: round(v["f1"], 4) for k, v in scores["per_mark"].items()},
        "chars_per_s": round(chars / seconds),
    }


def _translator(threads: int, beams: int) -> dict:
    import torch

    from corpora.parallel import iter_pairs
    from models.translator import evaluate_translator
    from tasks.translate import DEFAULT_MODEL, load_translator

    torch.set_num_threads(threads)
    pairs = list(iter_pairs(SHARED / "cm_dev.tsv.gz"))
    model = load_translator(str(DEFAULT_MODEL), "cpu", beams)
    model.batch_size = 64
    scores = evaluate_translator(model, [p.src for p in pairs], [p.tgt for p in pairs])
    return {"model": f"{model.name} {model.version}", "beams": beams, **scores}


def _entity_tagger(threads: int) -> dict:
    """Speed over the sources of cm_dev; quality (with the rules, as the annotator uses it) on the hand sets."""
    import torch

    from corpora.parallel import iter_pairs
    from entities.evaluation import HAND_SETS, mean_f1, score_finder
    from flows.train_entity_tagger import with_rules
    from tasks.annotate import DEFAULT_TAGGER, load_entity_tagger

    torch.set_num_threads(threads)
    texts = [p.src for p in iter_pairs(SHARED / "cm_dev.tsv.gz")]
    model = load_entity_tagger(str(DEFAULT_TAGGER), "cpu")
    start = time.perf_counter()
    model.find(texts)
    seconds = time.perf_counter() - start

    def find(batch: list[str]) -> list[set]:
        return [with_rules(t, spans) for t, spans in zip(batch, model.find(batch), strict=True)]

    scores = {name: score_finder(path, find) for name, path in HAND_SETS.items()}
    return {
        "model": f"{model.name} {model.version}",
        "chars": sum(map(len, texts)),
        "chars_per_s": round(sum(map(len, texts)) / seconds),
        **{f"{name}_rules+tagger_f1": {k: c["f1"] for k, c in s.items()} for name, s in scores.items()},
        **{f"{name}_mean_f1": mean_f1(s) for name, s in scores.items()},
    }


MODELS = ("punctuator", "translator", "entity_tagger")


def _child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    if args.child == "punctuator":
        result = _punctuator(args.threads)
    elif args.child == "translator":
        result = _translator(args.threads, args.beams)
    else:
        result = _entity_tagger(args.threads)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=MODELS)
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "models.json")
    ap.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "threads": args.threads,
    }
    for name in [args.only] if args.only else MODELS:
        out = subprocess.run(
            [sys.executable, __file__, "--child", name, "--beams", str(args.beams), "--threads", str(args.threads)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(name, json.dumps(result[name], ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
