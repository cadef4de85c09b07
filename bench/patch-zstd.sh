#!/usr/bin/env bash
# delta --patch and apply with each zstd stowage can use, side by side: zstd-napi (the native addon, when npm built
# it) and wasm/zstd.wasm (what an install without a compiler or without install scripts gets), on the two pairs
# bench/patch-pairs.sh builds (cached under $PAIRS): patch size, best time of RUNS and peak RSS, and wasm/native
# ratios. The patches are also checked to be the same bytes (but the creation time) and to apply to the target.
# Usage: bench/patch-zstd.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PAIRS=${PAIRS:-/tmp/stowage-patch-bench}
N=${1:-1}
[ -f "$PAIRS/deb-2.tar" ] && [ -f "$PAIRS/app-2.tar" ] || bench/patch-pairs.sh >/dev/null
W=$(mktemp -d /tmp/stowage-patch-zstd-XXXXXX)
trap 'rm -rf "$W"' EXIT
blobs() { tar tvf "$1" | grep blobs/; }
# measure3 N CMD... -> "wall cpu rss": the best wall time of N runs, the CPU seconds (user + system) and peak RSS of
# that run; CPU time is the steadier figure on a shared machine.
measure3() {
  python3 - "$@" <<'PY'
import os, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)
        os.execvp("sh", ["sh", "-c", " ".join(cmd)])
    t = time.perf_counter()
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t
    if status != 0: sys.exit(f"command failed: {' '.join(cmd)}")
    if best is None or dt < best[0]: best = (dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)
print(f"{best[0]:.2f} {best[1]:.2f} {best[2]:.0f}")
PY
}
echo "| pair | step | native time (CPU) | wasm time (CPU) | native size | wasm size | size ratio | native RSS | wasm RSS | time ratio | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for pair in deb app; do
  old="$PAIRS/$pair-1.tar" new="$PAIRS/$pair-2.tar"
  declare -A T C R S
  for z in native wasm; do
    read -r T[d$z] C[d$z] R[d$z] < <(measure3 "$N" STOWAGE_ZSTD=$z $STOWAGE delta "$new" --base "$old" --patch -o "$W/$pair.$z.patch" -q)
    S[$z]=$(stat -c %s "$W/$pair.$z.patch")
  done
  [ "$(blobs "$W/$pair.native.patch")" = "$(blobs "$W/$pair.wasm.patch")" ] || { echo "$pair: the two patches differ" >&2; exit 1; }
  for z in native wasm; do
    read -r T[a$z] C[a$z] R[a$z] < <(measure3 "$N" STOWAGE_ZSTD=$z $STOWAGE apply "$W/$pair.native.patch" --base "$old" -o "$W/$pair.$z.out.tar" -q)
    [ "$($STOWAGE digest "$W/$pair.$z.out.tar" 2>/dev/null)" = "$($STOWAGE digest "$new" 2>/dev/null)" ] || { echo "$pair: $z rebuilt another image" >&2; exit 1; }
    rm -f "$W/$pair.$z.out.tar"
  done
  echo "| $pair | delta --patch | ${T[dnative]} s (${C[dnative]}) | ${T[dwasm]} s (${C[dwasm]}) | ${S[native]} | ${S[wasm]} | $(ratio "${S[wasm]}" "${S[native]}") | ${R[dnative]} MB | ${R[dwasm]} MB | $(ratio "${T[dwasm]}" "${T[dnative]}") | $(ratio "${C[dwasm]}" "${C[dnative]}") |"
  echo "| $pair | apply | ${T[anative]} s (${C[anative]}) | ${T[awasm]} s (${C[awasm]}) | | | | ${R[anative]} MB | ${R[awasm]} MB | $(ratio "${T[awasm]}" "${T[anative]}") | $(ratio "${C[awasm]}" "${C[anative]}") |"
done
