#!/usr/bin/env bash
# Starts the CNCF registry (Debian docker-registry) on $STOWAGE_REGISTRY (loopback), storing under $STOWAGE_PEERS.
# Usage: start-registry.sh [NAME [ADDR [EXTRA_YAML_FILE]]]  several registries may run side by side under names.
set -euo pipefail
. "$(dirname "$0")/env.sh"
NAME=${1:-plain}; ADDR=${2:-$STOWAGE_REGISTRY}; EXTRA=${3:-}
R=$STOWAGE_PEERS/registry-$NAME
command -v docker-registry >/dev/null || { echo "start-registry.sh: docker-registry not installed (run scripts/peers/install.sh)" >&2; exit 1; }
mkdir -p "$R/data"
if [ -f "$R/pid" ] && kill -0 "$(cat "$R/pid")" 2>/dev/null; then echo "$ADDR"; exit 0; fi
{
  printf 'version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n' "$R/data" "$ADDR"
  [ -n "$EXTRA" ] && cat "$EXTRA"
} > "$R/config.yml"
setsid docker-registry serve "$R/config.yml" >"$R/registry.log" 2>&1 </dev/null &
echo $! > "$R/pid"
for _ in $(seq 1 80); do
  if curl -ksS -o /dev/null "http://$ADDR/v2/" 2>/dev/null || curl -ksS -o /dev/null "https://$ADDR/v2/" 2>/dev/null; then echo "registry $NAME up on $ADDR" >&2; echo "$ADDR"; exit 0; fi
  sleep 0.25
done
tail -20 "$R/registry.log" >&2; exit 1
