"""Real-page OCR bench: wenyuan's OCR on the real woodblock pages of ``../shared/realpages``, beside the canon
platform's own OCR.

    python bench/ocr_real.py                      # both sets, every page
    python bench/ocr_real.py --only YB_22_995     # one page (prints its transcription too)
    python bench/ocr_real.py --root /path/to/realpages
    python bench/ocr_real.py --ocr det_box_thresh=0.4     # try other OCR settings

For every page, edition and set: the character error rate (CER, edit distance / reference length) after
stripping punctuation, spaces and illegible marks and converting both sides with OpenCC ``t2s`` and the
cleaning stage's variant table (the dzj-dev references come from another print); the same for the platform's
or upstream OCR where there is one; an order-free bag-of-characters error (a lower bound of the CER: what is
left is reading order); registers, commentary and margin regions found against what the platform recorded;
non-Han letters emitted (kana, Latin); seconds per page. The transcription scored is what an edition prints:
main text, commentary and headings, no margin or fold-strip text.

The folder carries no licence: this bench reads it in place and writes only scores (``bench/out/``), never
page text into the repository. It exits 0 with a message when the folder is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpora.realpages import DEFAULT_ROOT, RealPage, iter_real_pages  # noqa: E402
from models.metrics import bag_error, edit_distance  # noqa: E402
from wenyuan.chars import HAN, is_alphabetic  # noqa: E402

#: what survives scoring: Han characters and the private-use glyphs transcribers give unencoded characters
_KEEP = re.compile(f"[{HAN}\ue000-\uf8ff]")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def comparable(text: str) -> str:
    """Han characters only (punctuation, spaces, ``N`` for illegible dropped), variants folded, simplified."""
    from tasks.clean import variant_table

    variants = variant_table()
    han = "".join(variants.get(c, c) for c in text if _KEEP.match(c))
    return _t2s().convert(han)


def alien_letters(text: str) -> int:
    """Letters no classical page prints: kana, Hangul, Latin and other alphabets."""
    return sum(
        is_alphabetic(c) or "\u3040" <= c <= "\u30ff" or "\uac00" <= c <= "\ud7af" or "\u1100" <= c <= "\u11ff"
        for c in text
    )


def read_real_page(page: RealPage, engine, cfg) -> dict:
    """OCR one page as ``wenyuan ocr`` does; returns its regions (kind, register, text) and the time taken."""
    import cv2

    from tasks.ocr import read_image

    image = cv2.imread(str(page.image))
    if image is None:
        raise OSError(f"{page.image}: cannot be read as an image")
    start = time.perf_counter()
    leaves = read_image(image, engine, cfg, page_id=page.id, source=page.image.name)
    seconds = time.perf_counter() - start
    regions = [
        {"kind": r.kind, "register": r.register_index, "text": "".join(ln.text for ln in r.lines)}
        for leaf in leaves
        for r in leaf.regions
    ]
    return {"regions": regions, "seconds": seconds, "size": [image.shape[1], image.shape[0]]}


def score_page(page: RealPage, read: dict) -> dict:
    printed = "".join(r["text"] for r in read["regions"] if r["kind"] != "marginalia")
    everything = "".join(r["text"] for r in read["regions"])
    kinds = defaultdict(int)
    for r in read["regions"]:
        kinds[r["kind"]] += 1
    out = {
        "id": page.id,
        "set": page.set,
        "edition": page.edition,
        "seconds": round(read["seconds"], 2),
        "registers_found": 1 + max((r["register"] for r in read["regions"]), default=0),
        "registers_expected": page.registers,
        "commentary_regions": kinds["commentary"],
        "commentary_columns_expected": page.commentary_columns,
        "margin_regions": kinds["marginalia"],
        "heading_regions": kinds["heading"],
        "alien_letters": alien_letters(everything),
    }
    if page.reference is not None:
        ref = comparable("".join(page.reference))
        hyp = comparable(printed)
        out.update(ref_chars=len(ref), errors=edit_distance(hyp, ref), bag_errors=round(bag_error(hyp, ref) * len(ref)))
        if page.baseline is not None:
            base = comparable("".join(page.baseline))
            out.update(
                baseline_errors=edit_distance(base, ref), baseline_bag_errors=round(bag_error(base, ref) * len(ref))
            )
    return out


def summarise(rows: list[dict]) -> dict:
    scored = [r for r in rows if "ref_chars" in r]
    n = sum(r["ref_chars"] for r in scored) or 1
    summary = {
        "pages": len(rows),
        "scored_pages": len(scored),
        "cer": round(sum(r["errors"] for r in scored) / n, 4) if scored else None,
        "bag_error": round(sum(r["bag_errors"] for r in scored) / n, 4) if scored else None,
        "s_per_page": round(sum(r["seconds"] for r in rows) / max(1, len(rows)), 2),
        "alien_letters": sum(r["alien_letters"] for r in rows),
        "margin_regions": sum(r["margin_regions"] for r in rows),
        "commentary_regions": sum(r["commentary_regions"] for r in rows),
    }
    with_base = [r for r in scored if "baseline_errors" in r]
    if with_base:
        nb = sum(r["ref_chars"] for r in with_base)
        summary["baseline_cer"] = round(sum(r["baseline_errors"] for r in with_base) / nb, 4)
        summary["baseline_bag_error"] = round(sum(r["baseline_bag_errors"] for r in with_base) / nb, 4)
        summary["cer_on_baseline_pages"] = round(sum(r["errors"] for r in with_base) / nb, 4)
    known = [r for r in rows if r["registers_expected"]]
    if known:
        summary["registers_right"] = (
            f"{sum(r['registers_found'] == r['registers_expected'] for r in known)}/{len(known)}"
        )
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the realpages folder")
    ap.add_argument("--only", nargs="*", default=None, help="page ids to read (prints their transcription)")
    ap.add_argument("--sets", nargs="*", default=["dzj-dev", "tripitaka-simple"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ocr_real.json")
    ap.add_argument("--ocr", nargs="*", default=[], metavar="KEY=VALUE", help="OCR settings to try (OcrConfig fields)")
    args = ap.parse_args()
    if not args.root.is_dir():
        print(f"skipped: {args.root} is absent (the shared real pages; see ../shared/realpages/README.md)")
        return

    from tasks.ocr import OcrConfig, build_engine, config_dict

    overrides = dict(kv.split("=", 1) for kv in args.ocr)
    cfg = OcrConfig(device="cpu")
    for key, value in overrides.items():
        setattr(cfg, key, type(getattr(cfg, key))(value))
    engine = build_engine(cfg)
    pages = [p for p in iter_real_pages(args.root) if p.set in args.sets]
    if args.only:
        pages = [p for p in pages if p.id in args.only]
    rows = []
    for page in pages:
        try:
            read = read_real_page(page, engine, cfg)
        except OSError as exc:  # one unreadable page is reported and skipped, the rest are scored
            print(f"{page.id:16s} skipped: {exc}", flush=True)
            continue
        row = score_page(page, read)
        rows.append(row)
        cer = f"{row['errors'] / row['ref_chars']:.3f}" if "ref_chars" in row else "-"
        base = f"{row['baseline_errors'] / row['ref_chars']:.3f}" if "baseline_errors" in row else "-"
        print(
            f"{page.id:16s} cer {cer:>5s} (platform {base:>5s}) registers {row['registers_found']}/"
            f"{row['registers_expected'] or '-'} commentary {row['commentary_regions']} margin {row['margin_regions']} "
            f"alien {row['alien_letters']} {row['seconds']:.1f}s",
            flush=True,
        )
        if args.only:
            for r in read["regions"]:
                print(f"  [{r['kind']}/{r['register']}] {r['text']}")
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[f"{r['set']}/{r['edition']}"].append(r)
        groups[r["set"]].append(r)
    groups["all"] = rows
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "ocr": config_dict(cfg),
        "summary": {k: summarise(v) for k, v in sorted(groups.items())},
        "pages": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, s in result["summary"].items():
        print(name, json.dumps(s, ensure_ascii=False))


if __name__ == "__main__":
    main()
