#!/usr/bin/env bash
# apply alone against `zstd -d --long=31 --patch-from` on the pairs of bench/patch-pairs.sh (cached under $PAIRS),
# runs interleaved so a loaded machine weighs on both alike; user and system CPU beside the wall time, since on a
# shared machine the CPU figures move less than the wall. BASE_DIST=DIR (another checkout's dist/) adds that build's
# apply as a third column, for a before/after of one change. Every rebuilt archive is compared byte for byte with
# the target. Ends with the start-up alone (`--version`: Node plus what the CLI loads before any command runs).
# Usage: bench/patch-apply.sh [RUNS] [PAIR...]   (PAIR: deb app py; default all three)
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-/tmp/stowage-patch-bench}
N=${1:-3}; shift || true
LIST=("$@"); [ ${#LIST[@]} -gt 0 ] || LIST=(deb app py)
W=$(mktemp -d /tmp/stowage-apply-run-XXXXXX)
trap 'rm -rf "$W"' EXIT
export STOWAGE_NO_PROGRESS=1
NEW="$PWD/dist/src/cli/main.js"
# run LABEL CMD... -> "LABEL wall user sys rss_mb" of one run
run() {
  local label=$1; shift
  /usr/bin/time -f "$label %e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%s %s %s %s %.0f\n", $1, $2, $3, $4, $5 / 1024 }'
}
echo "| pair | run | stowage apply wall / user / sys | ${BASE_DIST:+before: wall / user / sys | }zstd -d wall / user / sys | apply / zstd -d (wall) | peak RSS apply, zstd -d |"
echo "|---|---|---|${BASE_DIST:+---|}---|---|---|"
for pair in "${LIST[@]}"; do
  old="$PAIRS/$pair-1.tar" new="$PAIRS/$pair-2.tar"
  node "$NEW" delta "$new" --base "$old" --patch -o "$W/$pair.patch" -q
  zstd -q -f -3 --long=31 --patch-from="$old" "$new" -o "$W/$pair.zst"
  for i in $(seq "$N"); do
    read -r _ aw au as ar < <(run apply node "$NEW" apply "$W/$pair.patch" --base "$old" -o "$W/$pair.out.tar" -q)
    cmp -s "$W/$pair.out.tar" "$new" || { echo "$pair: the rebuilt archive differs from $new" >&2; exit 1; }
    before=
    if [ -n "${BASE_DIST:-}" ]; then
      read -r _ bw bu bs _ < <(run before node "$BASE_DIST/src/cli/main.js" apply "$W/$pair.patch" --base "$old" -o "$W/$pair.before.tar" -q)
      before="$bw / $bu / $bs | "
    fi
    read -r _ zw zu zs zr < <(run zstd zstd -q -f -d --long=31 --patch-from="$old" "$W/$pair.zst" -o "$W/$pair.unz")
    echo "| $pair | $i | $aw / $au / $as | $before$zw / $zu / $zs | $(python3 -c "print(f'{$aw/$zw:.2f}')") | $ar MB, $zr MB |"
  done
done
echo
echo "| start-up | run | stowage --version wall / user | ${BASE_DIST:+before: wall / user | }node -e 0 wall / user |"
echo "|---|---|---|${BASE_DIST:+---|}---|"
for i in $(seq "$N"); do
  read -r _ vw vu _ _ < <(run version node "$NEW" --version)
  before=
  if [ -n "${BASE_DIST:-}" ]; then
    read -r _ bw bu _ _ < <(run before node "$BASE_DIST/src/cli/main.js" --version)
    before="$bw / $bu | "
  fi
  read -r _ nw nu _ _ < <(run node node -e 0)
  echo "| --version | $i | $vw / $vu | $before$nw / $nu |"
done
