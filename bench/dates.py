"""Date benchmark: wenyuan's DILA-based resolver against the PyPI package ``sanmiao`` on the same strings, and
the date finder on the hand-checked date sets.

    pip install sanmiao          # only for this comparison; wenyuan does not depend on it
    python bench/dates.py --n 300
    python bench/dates.py --hand  # the hand-checked sets (corpora/eval/dates_*.jsonl) only

Strings are written from randomly drawn months of the DILA tables ("<ruler><era><year>年<month>月朔"), plus a
few well-known dates with regime context. A resolver is right on a string when the first day of the month it
proposes for the intended regime equals DILA's (wenyuan: its chosen or any alternative reading; sanmiao: any
of its listed matches). Reports accuracy for both, how often wenyuan's *chosen* reading is the intended one,
and strings/s.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from entities.dates import DILA, find_dates, iso_date  # noqa: E402

NUMERALS = "〇一二三四五六七八九"
KNOWN = [
    ("貞觀元年正月", "唐", "0627-01-23"),
    ("天寶十四載十一月", "唐", "0755-12-08"),
    ("崇禎十七年三月十九日", "明", "1644-04-25"),
    ("建安十八年二月", "東漢", "0213-03-10"),
]


def _chinese(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens] + "十")) + (NUMERALS[ones] if ones else "")


def cases(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(text, regime, ruler, expected first day) for ``n`` random DILA months plus the known dates."""
    eras = {r["era_id"]: r for r in csv.DictReader(open(DILA / "eras.tsv", encoding="utf-8"), delimiter="\t")}
    rows = list(csv.DictReader(gzip.open(DILA / "months.tsv.gz", "rt", encoding="utf-8"), delimiter="\t"))
    start: dict[tuple, int] = {}
    for r in rows:
        key = (r["era_id"], r["year"], r["month"], r["leap"])
        start[key] = min(start.get(key, 10**9), int(r["first_jdn"]))
    out = [(t, regime, "", day) for t, regime, day in KNOWN]
    for r in random.Random(seed).sample(rows, n * 2):
        era = eras.get(r["era_id"])
        if not era or not era["first_jdn"] or era["era_name"].startswith("（") or int(r["year"]) >= 100:
            continue
        year = "元" if r["year"] == "1" else _chinese(int(r["year"]))
        month = "正" if r["month"] == "1" else _chinese(int(r["month"]))
        text = f"{era['ruler']}{era['era_name']}{year}年{'閏' if r['leap'] == '1' else ''}{month}月朔"
        day = iso_date(start[(r["era_id"], r["year"], r["month"], r["leap"])])[0]
        out.append((text, era["regime"].split("|")[0], era["ruler"], day))
        if len(out) >= n + len(KNOWN):
            break
    return out


def run_wenyuan(items) -> dict:
    any_ok = chosen_ok = 0
    t = time.perf_counter()
    for text, regime, _ruler, day in items:
        found = find_dates(text, regime=regime)
        if not found:
            continue
        readings = [found[0].chosen, *found[0].alternatives]
        any_ok += any(r.valid and r.start == day for r in readings)
        chosen_ok += found[0].chosen.valid and found[0].chosen.start == day
    seconds = time.perf_counter() - t
    return {
        "any_reading_right": round(any_ok / len(items), 4),
        "chosen_right": round(chosen_ok / len(items), 4),
        "strings_per_s": round(len(items) / seconds, 1),
    }


def run_sanmiao(items) -> dict | None:
    try:
        import sanmiao
    except ImportError:
        return None
    ok = 0
    t = time.perf_counter()
    for text, _regime, _ruler, day in items:
        try:
            answer = str(sanmiao.cjk_date_interpreter(text))
        except Exception:  # a string it cannot parse counts as wrong
            continue
        ok += day in answer
    seconds = time.perf_counter() - t
    return {"any_reading_right": round(ok / len(items), 4), "strings_per_s": round(len(items) / seconds, 1)}


def hand_checked(corpora: Path) -> dict:
    """The finder on both hand-checked sets: each text read alone, and in sequence (bare years carried)."""
    from entities.date_evaluation import HAND_SETS, dev_units, heldout_units, same_era, score_dates, wenyuan_finder

    systems = {"alone": wenyuan_finder(in_sequence=False), "in sequence": wenyuan_finder()}
    sets = {
        "dev": (dev_units, corpora / "cm_dev.tsv.gz"),
        "heldout": (heldout_units, corpora / "punct_dev.jsonl.gz"),
    }
    return {
        f"{name} / {system}": score_dates(units(find, HAND_SETS[name], corpus), same_era)
        for name, (units, corpus) in sets.items()
        for system, find in systems.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "dates.json")
    ap.add_argument("--hand", action="store_true", help="Score only the hand-checked sets.")
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = ap.parse_args()
    if args.hand:
        print(json.dumps(hand_checked(args.corpora), ensure_ascii=False, indent=1))
        return
    items = cases(args.n, args.seed)
    result = {"strings": len(items), "wenyuan": run_wenyuan(items), "sanmiao": run_sanmiao(items)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
