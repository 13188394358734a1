#!/usr/bin/env bash
# Outputs a behaviour-preserving change must leave byte-identical (timestamps stripped):
#   bash bench/same_outputs.sh SRC OUT      # run the checkout SRC's code, write its outputs to OUT
#   diff -r -x digitize.log -x .page-index -x pages BEFORE AFTER   # then compare two such folders
# (page caches are named by a checksum of the OCR code, so compare their contents, not their names).
# The sample book through the whole flow (JSON, TEI, report), three real pages of ../shared/realpages through
# `wenyuan ocr`, the punctuate/translate/annotate commands, the catalog exports and bench/entities.py.
# Uses the Python of $PY (default: the SRC checkout's .venv, else python3), with SRC first on sys.path.
set -euo pipefail
SRC=$(cd "$1" && pwd); OUT=$2
PY=${PY:-$([ -x "$SRC/.venv/bin/python" ] && echo "$SRC/.venv/bin/python" || echo python3)}
SHARED=${WENYUAN_SHARED:-$SRC/../shared}
rm -rf "$OUT"; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
cd "$SRC"
export PYTHONPATH=$SRC
# The command line moved from wenyuan/cli.py to app/cli.py (#40); an older SRC still has it in the old place.
CLI=$([ -f "$SRC/app/cli.py" ] && echo app.cli || echo wenyuan.cli)
W=("$PY" -m "$CLI")
"${W[@]}" digitize corpora/sample/book --out "$OUT/digitize" --quiet > "$OUT/digitize.log" 2>&1
for p in YB_22_995 GL_924_2_35 QL_25_313; do
  if [ -f "$SHARED/realpages/dzj-dev/$p.jpg" ]; then
    "${W[@]}" ocr "$SHARED/realpages/dzj-dev/$p.jpg" --format json > "$OUT/ocr_$p.json" 2>/dev/null
  fi
done
printf '學而時習之不亦說乎有朋自遠方來不亦樂乎\n至元十九年春正月帝幸上都\n' | "${W[@]}" punctuate > "$OUT/punct.txt" 2>/dev/null
printf '學而時習之，不亦說乎？\n秦王使人謂安陵君曰\n' | "${W[@]}" translate > "$OUT/translate.txt" 2>/dev/null
printf '至元十九年，張儀入秦。二十年，帝幸上都。\n' | "${W[@]}" annotate > "$OUT/annotate.txt" 2>/dev/null
"${W[@]}" export "$OUT/digitize" --out "$OUT/catalog" > /dev/null 2>&1
"$PY" bench/entities.py --paragraphs 0 > "$OUT/entities.txt" 2>&1
sed -i -E 's/(when|date)="[0-9T:.+-]+Z?"/\1="T"/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.+]+Z?/T/g' "$OUT"/digitize/*/*.tei.xml
find "$OUT/digitize" "$OUT/catalog" -type f \( -name "*.json" -o -name "*.xml" -o -name "*.csv" \) \
  -exec sed -i -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.+]+Z?/T/g' {} +
sed -i -E '/\| [a-z+]+ \| [0-9.]+ \|$/d' "$OUT"/digitize/*/report.md
echo "outputs of $SRC in $OUT"
