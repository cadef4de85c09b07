#!/usr/bin/env bash
# Builds scripts/peers/referrers-registry/main.go in the forky chroot (Go and go-containerregistry from Debian's
# packages, GOPATH mode: nothing fetched) into $FORKY/usr/local/bin/stowage-referrers-registry, once. The binary is
# static: the tests run it on the host. Needs root and the chroot (scripts/peers/modern-engine.sh setup calls this).
set -euo pipefail
FORKY=${STOWAGE_FORKY:-/opt/stowage-forky}
OUT=$FORKY/usr/local/bin/stowage-referrers-registry
SRC=$(cd "$(dirname "$0")/referrers-registry" && pwd)
# Built once per source: the source it was built from is kept beside it (a fresh clone's mtimes say nothing).
[ -x "$OUT" ] && cmp -s "$SRC/main.go" "$OUT.go" && exit 0
[ -x "$FORKY/usr/bin/go" ] && [ -d "$FORKY/usr/share/gocode/src/github.com/google/go-containerregistry/pkg/registry" ] \
  || { echo "referrers-registry.sh: the chroot lacks golang-go or golang-github-google-go-containerregistry-dev" >&2; exit 1; }
B=$(mktemp -d "$FORKY/tmp/stowage-rr-XXXXXX")
trap 'rm -rf "$B"' EXIT
cp "$SRC/main.go" "$B/"
chroot "$FORKY" env -C "${B#"$FORKY"}" GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="${B#"$FORKY"}/cache" GOFLAGS= CGO_ENABLED=0 \
  go build -o /usr/local/bin/stowage-referrers-registry .
cp "$SRC/main.go" "$OUT.go"
echo "built $OUT" >&2
