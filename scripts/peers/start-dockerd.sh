#!/usr/bin/env bash
# Starts a private dockerd (Debian docker.io, the classic image store) on a unix socket under $STOWAGE_PEERS:
# no systemd, no iptables, no bridge, its own data root. Prints the DOCKER_HOST to use. Stop with stop-dockerd.sh.
# Usage: start-dockerd.sh [overlay2|vfs]   (overlay2 by default, vfs when overlay2 cannot mount here)
set -euo pipefail
. "$(dirname "$0")/env.sh"
D=$STOWAGE_PEERS/docker
SOCK=unix://$D/docker.sock
command -v dockerd >/dev/null || { echo "start-dockerd.sh: dockerd not installed (run scripts/peers/install.sh)" >&2; exit 1; }
mkdir -p "$D"
if [ -f "$D/docker.pid" ] && kill -0 "$(cat "$D/docker.pid")" 2>/dev/null; then echo "$SOCK"; exit 0; fi
try() {
  local drv=$1
  mkdir -p "$D/root-$drv" "$D/exec"
  setsid dockerd --storage-driver="$drv" --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
    --host="$SOCK" --data-root="$D/root-$drv" --exec-root="$D/exec" --pidfile="$D/docker.pid" \
    >"$D/dockerd.log" 2>&1 </dev/null &
  local launcher=$!
  for _ in $(seq 1 80); do
    if curl -fsS --unix-socket "$D/docker.sock" http://d/_ping >/dev/null 2>&1; then echo "$drv" > "$D/driver"; return 0; fi
    kill -0 "$launcher" 2>/dev/null || return 1
    sleep 0.25
  done
  kill "$launcher" 2>/dev/null || true
  return 1
}
if ! try "${1:-overlay2}"; then
  echo "dockerd with ${1:-overlay2} failed, trying vfs: $(tail -1 "$D/dockerd.log")" >&2
  sleep 1
  try vfs || { tail -20 "$D/dockerd.log" >&2; exit 1; }
fi
echo "dockerd up on $SOCK (storage $(cat "$D/driver"))" >&2
echo "$SOCK"
