#!/usr/bin/env bash
# Two builds of stowage side by side on the same archive, in one run (a refactor must not cost speed):
#   bench/before-after.sh OLD_CHECKOUT [ARCHIVE=bench/data/big.tar]
# OLD_CHECKOUT is another checkout with dist/ built (git worktree add /tmp/old REV && cd /tmp/old &&
# ln -s "$PWD/node_modules" . && npx tsc -p tsconfig.json). Best of 3 each, interleaved; peak RSS of the best run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
OLD="node $1/dist/src/cli/main.js"; NEW=$STOWAGE
BIG=${2:-bench/data/big.tar}
[ -f "$BIG" ] || { mkdir -p bench/data; node dist/bench/make-dataset.js "$BIG" 2.2; }
OUT=$(mktemp -d /tmp/stowage-ba-XXXXXX); trap 'rm -rf "$OUT"' EXIT
cat "$BIG" > /dev/null
echo "| work ($(python3 -c "print(f'{$(stat -c %s "$BIG")/1e9:.2f}')") GB, $(nproc) cores) | before | after | after/before |"
echo "|---|---|---|---|"
row() {
  local label=$1; shift
  read -r _ t_old r_old < <(measure old 3 "${1//STOWAGE/$OLD}")
  read -r _ t_new r_new < <(measure new 3 "${1//STOWAGE/$NEW}")
  echo "| $label | ${t_old} s, ${r_old} MB | ${t_new} s, ${r_new} MB | $(ratio $t_new $t_old) |"
}
row "inspect" "STOWAGE inspect $BIG"
row "verify" "STOWAGE verify -q $BIG"
row "copy to an OCI layout" "rm -rf $OUT/l && STOWAGE copy -q $BIG oci:$OUT/l"
row "edit --label to a file" "rm -f $OUT/e.tar && STOWAGE edit -q --label a=b $BIG -o $OUT/e.tar"
row "export to /dev/null" "STOWAGE export -q $BIG -o - > /dev/null"
