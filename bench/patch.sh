#!/usr/bin/env bash
# delta --patch and apply side by side with `zstd -3 --long=31 --patch-from` and `xdelta3 -9 -B 256MiB` on the whole
# archives, on the three pairs bench/patch-pairs.sh builds (cached under $PAIRS): size, time, peak RSS; then the same
# with each zstd stowage can use, native and WebAssembly (bench/patch-zstd.sh). Usage: bench/patch.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PAIRS=${PAIRS:-/tmp/stowage-patch-bench}
N=${1:-1}
[ -f "$PAIRS/deb-2.tar" ] && [ -f "$PAIRS/app-2.tar" ] && [ -f "$PAIRS/py-2.tar" ] || bench/patch-pairs.sh >/dev/null
W=$(mktemp -d /tmp/stowage-patch-run-XXXXXX)
trap 'rm -rf "$W"' EXIT
size() { stat -c %s "$1"; }
kb() { python3 -c "n=$1; print(f'{n/1e6:.1f} MB' if n>=1e6 else f'{n/1e3:.1f} KB')"; }
echo "| pair | full docker save | stowage delta | stowage delta --patch | zstd -3 --long=31 --patch-from | xdelta3 -9 -B 256 MiB | patch / zstd | patch / xdelta3 |"
echo "|---|---|---|---|---|---|---|---|"
TIMES=()
for pair in deb app py; do
  old="$PAIRS/$pair-1.tar" new="$PAIRS/$pair-2.tar"
  $STOWAGE delta "$new" --base "$old" -o "$W/$pair.delta" -q
  read -r _ t_d r_d < <(measure delta-patch "$N" $STOWAGE delta "$new" --base "$old" --patch -o "$W/$pair.patch" -q)
  read -r _ t_a r_a < <(measure apply "$N" $STOWAGE apply "$W/$pair.patch" --base "$old" -o "$W/$pair.out.tar" -q)
  $STOWAGE verify "$W/$pair.out.tar" -q
  [ "$($STOWAGE digest "$W/$pair.out.tar" 2>/dev/null)" = "$($STOWAGE digest "$new" 2>/dev/null)" ] || { echo "$pair: the rebuilt image differs" >&2; exit 1; }
  read -r _ t_z r_z < <(measure zstd "$N" zstd -q -f -3 --long=31 --patch-from="$old" "$new" -o "$W/$pair.zst")
  read -r _ t_zd r_zd < <(measure zstd-d "$N" zstd -q -f -d --long=31 --patch-from="$old" "$W/$pair.zst" -o "$W/$pair.unz")
  cmp -s "$W/$pair.unz" "$new"
  # xdelta3, the best generic delta coder, with a source window as large as the pair needs (-B 256 MiB).
  read -r _ t_x r_x < <(measure xdelta3 "$N" xdelta3 -f -9 -B 268435456 -e -s "$old" "$new" "$W/$pair.vcdiff")
  read -r _ t_xd r_xd < <(measure xdelta3-d "$N" xdelta3 -f -d -B 268435456 -s "$old" "$W/$pair.vcdiff" "$W/$pair.unx")
  cmp -s "$W/$pair.unx" "$new"
  s_p=$(size "$W/$pair.patch") s_z=$(size "$W/$pair.zst") s_x=$(size "$W/$pair.vcdiff")
  echo "| $pair | $(kb "$(size "$new")") | $(kb "$(size "$W/$pair.delta")") | $(kb "$s_p") | $(kb "$s_z") | $(kb "$s_x") | $(ratio "$s_p" "$s_z") | $(ratio "$s_p" "$s_x") |"
  TIMES+=("| $pair | delta --patch | $t_d s | $r_d MB | zstd --patch-from | $t_z s | $r_z MB | $(ratio "$t_d" "$t_z") |")
  TIMES+=("| $pair | apply | $t_a s | $r_a MB | zstd -d --patch-from | $t_zd s | $r_zd MB | $(ratio "$t_a" "$t_zd") |")
  TIMES+=("| $pair | delta --patch | $t_d s | $r_d MB | xdelta3 -9 -e | $t_x s | $r_x MB | $(ratio "$t_d" "$t_x") |")
  TIMES+=("| $pair | apply | $t_a s | $r_a MB | xdelta3 -d | $t_xd s | $r_xd MB | $(ratio "$t_a" "$t_xd") |")
done
echo
echo "| pair | stowage | time | peak RSS | zstd | time | peak RSS | time ratio |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${TIMES[@]}"
# The same pairs with each zstd stowage can use (zstd-napi and wasm/zstd.wasm), side by side: sizes and times.
echo
PAIRS="$PAIRS" bench/patch-zstd.sh "$N"
