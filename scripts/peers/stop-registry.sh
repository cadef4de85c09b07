#!/usr/bin/env bash
# Stops a registry of start-registry.sh by its pid file. Usage: stop-registry.sh [NAME]
set -uo pipefail
. "$(dirname "$0")/env.sh"
R=$STOWAGE_PEERS/registry-${1:-plain}
PID=$(cat "$R/pid" 2>/dev/null || true)
[ -n "$PID" ] && kill -0 "$PID" 2>/dev/null || { echo "registry ${1:-plain} not running" >&2; exit 0; }
kill -TERM "$PID"; for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"; rm -f "$R/pid"; echo "registry ${1:-plain} stopped" >&2
