"""Derive wenyuan's reign-era tables from the DILA Time Authority export: ``python -m corpora.build_dila``.

Reads ``dila_eras.csv`` and ``dila_months.csv`` (from ``../shared/lexicons/dila-time`` or ``--source``) and
writes ``corpora/lexicons/dila/eras.tsv`` and ``months.tsv.gz`` with only the columns date resolution needs.
The derived tables stay under DILA's licence (CC BY-SA 3.0), which is shipped beside them.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpora" / "lexicons" / "dila"


def build(source: Path, out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(source / "dila_eras.csv", encoding="utf-8") as fh, open(out / "eras.tsv", "w", encoding="utf-8") as w:
        writer = csv.writer(w, delimiter="\t", lineterminator="\n")
        writer.writerow(["era_id", "era_name", "alt_names", "ruler", "regime", "first_jdn", "last_jdn"])
        for row in csv.DictReader(fh):
            writer.writerow(
                [
                    row["era_id"],
                    row["era_name"],
                    row["era_alt_names"],
                    row["emperor_name"],
                    row["dynasty_name"],
                    row["first_jdn"],
                    row["last_jdn"],
                ]
            )
    with (
        open(source / "dila_months.csv", encoding="utf-8") as fh,
        gzip.open(out / "months.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as w,
    ):
        writer = csv.writer(w, delimiter="\t", lineterminator="\n")
        writer.writerow(["era_id", "year", "month", "leap", "first_jdn", "last_jdn", "year_ganzhi"])
        for row in csv.DictReader(fh):
            writer.writerow(
                [
                    row["era_id"],
                    row["year_of_era"],
                    row["month"],
                    row["leap_month"],
                    row["first_jdn"],
                    row["last_jdn"],
                    row["year_ganzhi"],
                ]
            )
    shutil.copy(source / "COPYING.rst", out / "LICENSE.rst")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "lexicons" / "dila-time")
    build(ap.parse_args().source)


if __name__ == "__main__":
    main()
