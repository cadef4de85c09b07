#!/usr/bin/env bash
# Stops the private dockerd of start-dockerd.sh, by its pid file.
set -uo pipefail
. "$(dirname "$0")/env.sh"
D=$STOWAGE_PEERS/docker
PID=$(cat "$D/docker.pid" 2>/dev/null || true)
[ -n "$PID" ] && kill -0 "$PID" 2>/dev/null || { echo "dockerd not running" >&2; exit 0; }
kill -TERM "$PID"
for _ in $(seq 1 60); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
CPID=$(cat "$D/exec/containerd/containerd.pid" 2>/dev/null || true)
[ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null && kill -TERM "$CPID"
rm -f "$D/docker.pid"
echo "dockerd stopped" >&2
