#!/usr/bin/env bash
# Issue 14's figures: stowage layers on the 2.28 GB bench archive against stowage export of the same archive (the
# target: layers at least as fast as export, under 250 MB RSS), and the HTML report of it (target: under 2 MB,
# opening in under 1 s in Chromium; bench/open-report.ts times the load event in headless Chromium).
# Usage: bench/layers.sh [ARCHIVE] [RUNS=2]   (builds bench/data/big.tar if missing and no archive is given)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f dist/src/cli/main.js ] || npm run build --silent
BIG=${1:-bench/data/big.tar}
N=${2:-2}
[ -f "$BIG" ] || { mkdir -p bench/data; node dist/bench/make-dataset.js "$BIG" 2.2; }
W=$(mktemp -d "$PWD/bench/data/layers-XXXXXX")
trap 'rm -rf "$W"' EXIT
cat "$BIG" > /dev/null   # page cache: both contenders read from memory
read -r _ t_exp r_exp < <(measure export "$N" "$STOWAGE export $BIG -q -o $W/rootfs.tar")
rm -f "$W/rootfs.tar"
read -r _ t_lay r_lay < <(measure layers "$N" "$STOWAGE layers $BIG --json > $W/layers.json")
read -r _ t_rep r_rep < <(measure report "$N" "$STOWAGE report $BIG -q -o $W/report.html")
HTML=$(stat -c %s "$W/report.html")
OPEN=""
if [ -x /usr/bin/chromium ] && [ -d node_modules/playwright-core ]; then OPEN=$(node dist/bench/open-report.js "$W/report.html" 3); fi
SIZE=$(stat -c %s "$BIG")
PATHS=$(python3 -c "import json; r=json.load(open('$W/layers.json')); print(sum(l['entries']['total'] for l in r['layers']))")
gb() { python3 -c "print(f'{$1/1e9:.2f}')"; }
mbs() { python3 -c "print(f'{$SIZE/$1/1e6:.0f}')"; }
cat <<MD
| work ($(gb $SIZE) GB archive, $(python3 -c "import json; print(len(json.load(open('$W/layers.json'))['layers']))") layers, $PATHS entries, $(nproc) cores, best of $N) | time | read | peak RSS | ratio |
|---|---|---|---|---|
| stowage export (the reference) | ${t_exp} s | $(mbs $t_exp) MB/s | ${r_exp} MB | |
| stowage layers --json | ${t_lay} s | $(mbs $t_lay) MB/s | ${r_lay} MB | $(ratio $t_exp $t_lay)x export's speed (want >= 1); RSS limit 250 MB |
| stowage report | ${t_rep} s | $(mbs $t_rep) MB/s | ${r_rep} MB | page: $(python3 -c "print(f'{$HTML/1e6:.2f}')") MB (limit 2 MB) |
MD
[ -n "$OPEN" ] && echo "" && echo "Chromium (headless, $(chromium --version 2>/dev/null | head -1)): $OPEN (limit 1 s)"
exit 0
