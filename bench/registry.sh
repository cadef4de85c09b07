#!/usr/bin/env bash
# Issue 6's figures: push and pull of a ~1 GB image against the same local registry (Debian's docker-registry on
# loopback), stowage side by side with skopeo copy, with peak RSS. Every run gets a fresh registry, so neither tool
# finds blobs from an earlier run (skopeo keeps a blob-info cache that would otherwise let it mount them).
# Push: the docker-archive (uncompressed layers, as docker save writes them) to the registry, gzip-compressed on the
# way by both. Pull: registry to an OCI layout (both keep the compressed blobs; no decompression on either side).
# Usage: bench/registry.sh [RUNS]   (builds bench/data/1g.tar on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-3}
[ -f dist/src/cli/main.js ] || npm run build --silent
IMG=bench/data/1g.tar
[ -f $IMG ] || { mkdir -p bench/data; node dist/bench/make-dataset.js $IMG 1.0; }
SIZE=$(stat -c %s $IMG)
export STOWAGE_PEERS=${STOWAGE_PEERS:-/tmp/stowage-bench-reg}
TMP=$(mktemp -d /tmp/stowage-bench-reg.XXXXXX)
trap 'scripts/peers/stop-registry.sh bench >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fresh() {  # a new, empty registry named bench; prints its address
  scripts/peers/stop-registry.sh bench >/dev/null 2>&1 || true
  rm -rf "$STOWAGE_PEERS/registry-bench"
  scripts/peers/start-registry.sh bench "127.0.0.1:$(port)" 2>/dev/null
}
best() {  # best LABEL CMD... : best of RUNS, each against a fresh registry ($R in CMD); prints "seconds rss"
  local label=$1; shift
  local b=""
  for _ in $(seq 1 "$RUNS"); do
    R=$(fresh); export R
    [ -n "${SETUP:-}" ] && eval "$SETUP"
    rm -rf "$TMP/out"
    read -r _ t r < <(measure "$label" 1 "$@")
    if [ -z "$b" ] || python3 -c "import sys; sys.exit(0 if $t < ${b%% *} else 1)"; then b="$t $r"; fi
  done
  echo "$b"
}
cat $IMG > /dev/null
SETUP=""
read -r t_sp r_sp < <(best stowage-push "$STOWAGE push -q $IMG \$R/bench:1")
read -r t_kp r_kp < <(best skopeo-push "skopeo copy -q --dest-tls-verify=false docker-archive:$IMG docker://\$R/bench:1")
# Pull: the image as stowage pushed it (gzip layers) is put in each fresh registry first, not timed.
SETUP='$STOWAGE push -q $IMG $R/bench:1'
read -r t_sl r_sl < <(best stowage-pull "$STOWAGE pull -q \$R/bench:1 oci:$TMP/out")
read -r t_kl r_kl < <(best skopeo-pull "skopeo copy -q --src-tls-verify=false docker://\$R/bench:1 oci:$TMP/out:x")
mbs() { python3 -c "print(f'{$SIZE/$1/1e6:.0f}')"; }
cat <<MD
| work ($(python3 -c "print(f'{$SIZE/1e9:.2f}')") GB docker-archive, 2 layers, $(nproc) cores, best of $RUNS) | time | throughput | peak RSS | ratio |
|---|---|---|---|---|
| stowage push (gzip on the way) | ${t_sp} s | $(mbs $t_sp) MB/s | ${r_sp} MB | $(ratio $t_kp $t_sp)x skopeo's speed (want >= 1), RSS limit 250 MB |
| skopeo copy docker-archive: docker:// | ${t_kp} s | $(mbs $t_kp) MB/s | ${r_kp} MB | |
| stowage pull to an OCI layout | ${t_sl} s | $(mbs $t_sl) MB/s | ${r_sl} MB | $(ratio $t_kl $t_sl)x skopeo's speed (want >= 1), RSS limit 250 MB |
| skopeo copy docker:// oci: | ${t_kl} s | $(mbs $t_kl) MB/s | ${r_kl} MB | |
MD
