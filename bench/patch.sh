#!/usr/bin/env bash
# delta --patch and apply side by side with `zstd -3 --long=31 --patch-from` on the whole archives, on the two pairs
# bench/patch-pairs.sh builds (cached under $PAIRS): size, time, peak RSS; then the same with each zstd stowage can
# use, native and WebAssembly (bench/patch-zstd.sh). Usage: bench/patch.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PAIRS=${PAIRS:-/tmp/stowage-patch-bench}
N=${1:-1}
[ -f "$PAIRS/deb-2.tar" ] && [ -f "$PAIRS/app-2.tar" ] || bench/patch-pairs.sh >/dev/null
W=$(mktemp -d /tmp/stowage-patch-run-XXXXXX)
trap 'rm -rf "$W"' EXIT
size() { stat -c %s "$1"; }
kb() { python3 -c "n=$1; print(f'{n/1e6:.1f} MB' if n>=1e6 else f'{n/1e3:.1f} KB')"; }
echo "| pair | full docker save | stowage delta | stowage delta --patch | zstd -3 --long=31 --patch-from | patch / zstd |"
echo "|---|---|---|---|---|---|"
TIMES=()
for pair in deb app; do
  old="$PAIRS/$pair-1.tar" new="$PAIRS/$pair-2.tar"
  $STOWAGE delta "$new" --base "$old" -o "$W/$pair.delta" -q
  read -r _ t_d r_d < <(measure delta-patch "$N" $STOWAGE delta "$new" --base "$old" --patch -o "$W/$pair.patch" -q)
  read -r _ t_a r_a < <(measure apply "$N" $STOWAGE apply "$W/$pair.patch" --base "$old" -o "$W/$pair.out.tar" -q)
  $STOWAGE verify "$W/$pair.out.tar" -q
  [ "$($STOWAGE digest "$W/$pair.out.tar" 2>/dev/null)" = "$($STOWAGE digest "$new" 2>/dev/null)" ] || { echo "$pair: the rebuilt image differs" >&2; exit 1; }
  read -r _ t_z r_z < <(measure zstd "$N" zstd -q -f -3 --long=31 --patch-from="$old" "$new" -o "$W/$pair.zst")
  read -r _ t_zd r_zd < <(measure zstd-d "$N" zstd -q -f -d --long=31 --patch-from="$old" "$W/$pair.zst" -o "$W/$pair.unz")
  cmp -s "$W/$pair.unz" "$new"
  s_p=$(size "$W/$pair.patch") s_z=$(size "$W/$pair.zst")
  echo "| $pair | $(kb "$(size "$new")") | $(kb "$(size "$W/$pair.delta")") | $(kb "$s_p") | $(kb "$s_z") | $(ratio "$s_p" "$s_z") |"
  TIMES+=("| $pair | delta --patch | $t_d s | $r_d MB | zstd --patch-from | $t_z s | $r_z MB | $(ratio "$t_d" "$t_z") |")
  TIMES+=("| $pair | apply | $t_a s | $r_a MB | zstd -d --patch-from | $t_zd s | $r_zd MB | $(ratio "$t_a" "$t_zd") |")
done
echo
echo "| pair | stowage | time | peak RSS | zstd | time | peak RSS | time ratio |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${TIMES[@]}"
# The same pairs with each zstd stowage can use (zstd-napi and wasm/zstd.wasm), side by side: sizes and times.
echo
PAIRS="$PAIRS" bench/patch-zstd.sh "$N"
