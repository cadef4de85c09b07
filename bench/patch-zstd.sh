#!/usr/bin/env bash
# delta --patch and apply with each zstd stowage can use, side by side: zstd-napi (the native addon, when npm built
# it) and wasm/zstd.wasm (what an install without a compiler or without install scripts gets), on the two pairs
# bench/patch-pairs.sh builds (cached under $PAIRS): patch size, best wall time of RUNS with the CPU seconds (user +
# system, the steadier figure on a shared machine) and peak RSS of that run, and wasm/native ratios. The two are
# run in turn, RUNS times each, so a change of load hits both alike. The patches must be the same bytes (but the
# creation time) and apply to the target. Usage: bench/patch-zstd.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PAIRS=${PAIRS:-/tmp/stowage-patch-bench}
N=${1:-3}
[ -f "$PAIRS/deb-2.tar" ] && [ -f "$PAIRS/app-2.tar" ] || bench/patch-pairs.sh >/dev/null
W=$(mktemp -d /tmp/stowage-patch-zstd-XXXXXX)
trap 'rm -rf "$W"' EXIT
blobs() { tar tvf "$1" | grep blobs/; }
# alternate N CMD (with @Z@ for the zstd): runs CMD with native then wasm, N rounds; prints per zstd
# "wall cpu rss" of its fastest run.
alternate() {
  python3 - "$@" <<'PY'
import os, sys, time
n, cmd = int(sys.argv[1]), " ".join(sys.argv[2:])
best = {}
for _ in range(n):
    for z in ("native", "wasm"):
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)
            os.environ["STOWAGE_ZSTD"] = z
            os.execvp("sh", ["sh", "-c", cmd.replace("@Z@", z)])
        t = time.perf_counter()
        _, status, ru = os.wait4(pid, 0)
        dt = time.perf_counter() - t
        if status != 0: sys.exit(f"command failed: {cmd}")
        if z not in best or dt < best[z][0]: best[z] = (dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)
for z in ("native", "wasm"): print(f"{best[z][0]:.2f} {best[z][1]:.2f} {best[z][2]:.0f}")
PY
}
row() { # pair step native(wall cpu rss) wasm(wall cpu rss) [sizes]
  local pair=$1 step=$2 nw=$3 nc=$4 nr=$5 ww=$6 wc=$7 wr=$8 ns=${9-} ws=${10-}
  echo "| $pair | $step | $nw s ($nc) | $ww s ($wc) | $ns | $ws | ${ns:+$(ratio "$ws" "$ns")} | $nr MB | $wr MB | $(ratio "$ww" "$nw") | $(ratio "$wc" "$nc") |"
}
echo "| pair | step | native time (CPU) | wasm time (CPU) | native size | wasm size | size ratio | native RSS | wasm RSS | time ratio | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for pair in deb app; do
  old="$PAIRS/$pair-1.tar" new="$PAIRS/$pair-2.tar"
  d=$(alternate "$N" $STOWAGE delta "$new" --base "$old" --patch -o "$W/$pair.@Z@.patch" -q)
  [ "$(blobs "$W/$pair.native.patch")" = "$(blobs "$W/$pair.wasm.patch")" ] || { echo "$pair: the two patches differ" >&2; exit 1; }
  # shellcheck disable=SC2046
  row "$pair" "delta --patch" $(echo "$d" | tr '\n' ' ') "$(stat -c %s "$W/$pair.native.patch")" "$(stat -c %s "$W/$pair.wasm.patch")"
  a=$(alternate "$N" $STOWAGE apply "$W/$pair.native.patch" --base "$old" -o "$W/$pair.@Z@.out.tar" -q)
  for z in native wasm; do
    [ "$($STOWAGE digest "$W/$pair.$z.out.tar" 2>/dev/null)" = "$($STOWAGE digest "$new" 2>/dev/null)" ] || { echo "$pair: $z rebuilt another image" >&2; exit 1; }
    rm -f "$W/$pair.$z.out.tar"
  done
  # shellcheck disable=SC2046
  row "$pair" apply $(echo "$a" | tr '\n' ' ')
done
