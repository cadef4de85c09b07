# Shared by the bench scripts: timing with peak RSS, best of N runs.
# measure LABEL N CMD...  -> prints "LABEL seconds rss_mb" (best wall time of N runs, the peak RSS of that run)
STOWAGE="node $(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist/src/cli/main.js"
export STOWAGE_NO_PROGRESS=1
# measure_cpu LABEL N CMD... -> "LABEL seconds rss_mb user_s": the same, plus the least user CPU time of the N runs (the
# figure that holds on a loaded machine, where wall time also counts waiting).
measure() { _best_of "$1" "$2" 0 "${@:3}"; }
measure_cpu() { _best_of "$1" "$2" 1 "${@:3}"; }
_best_of() {
  local label=$1 n=$2 cpu=$3; shift 3
  python3 - "$label" "$n" "$cpu" "$@" <<'PY'
import os, sys, time
label, n, cpu, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4:]
best = None; user = None
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)
        os.execvp("sh", ["sh", "-c", " ".join(cmd)])
    t = time.perf_counter()
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t
    if status != 0: sys.exit(f"{label}: command failed: {' '.join(cmd)}")
    if best is None or dt < best[0]: best = (dt, ru.ru_maxrss / 1024)
    if user is None or ru.ru_utime < user: user = ru.ru_utime
print(f"{label} {best[0]:.3f} {best[1]:.0f}" + (f" {user:.3f}" if cpu else ""))
PY
}
# ratio A B -> A/B with two decimals
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
