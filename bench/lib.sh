# Shared by the bench scripts: timing with peak RSS, best of N runs.
# measure LABEL N CMD...  -> prints "LABEL seconds rss_mb" (best wall time of N runs, the peak RSS of that run)
STOWAGE="node $(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist/src/cli/main.js"
export STOWAGE_NO_PROGRESS=1
measure() {
  local label=$1 n=$2; shift 2
  python3 - "$label" "$n" "$@" <<'PY'
import os, resource, subprocess, sys, time
label, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
best = None
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)
        os.execvp("sh", ["sh", "-c", " ".join(cmd)])
    t = time.perf_counter()
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t
    if status != 0: sys.exit(f"{label}: command failed: {' '.join(cmd)}")
    rss = ru.ru_maxrss / 1024
    if best is None or dt < best[0]: best = (dt, rss)
print(f"{label} {best[0]:.3f} {best[1]:.0f}")
PY
}
# ratio A B -> A/B with two decimals
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
