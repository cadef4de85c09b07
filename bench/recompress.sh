#!/usr/bin/env bash
# Recompression speed: stowage's go-flate encoder against Go's own compress/gzip (Go on PATH; Debian golang-go is
# 1.19) on the same tar, at the levels producers use (1: crane/ko/kaniko, 6: docker push, containerd, BuildKit).
# Checks first that both make the same bytes, then prints best-of-N seconds, MB/s, peak RSS and the ratio of
# stowage's throughput to Go's (the goal: at least 0.5, one stream on one core; layers run in parallel).
# LEVELS may hold "pgzip": stowage's pgzip recipe against the real pgzip 1.2.6 over klauspost/compress 1.20.0
# (podman's), built in the forky chroot of scripts/peers/modern-engine.sh. pgzip -threads 1 still compresses two
# blocks at once (one in its result slot, one awaited by its writer: ~1.9 cores here), stowage's side is apply's
# (its blocks on pgzipThreads() threads); PGZIP_THREADS=0 gives stowage's one-thread encoder.
# VERSION 1.27: the go-flate 1.27 recipe against Go 1.27 (the forky chroot's golang-go, built there as root; its
# binary is static and runs here), on a tar of Go 1.27's own src/cmd and pkg/tool by default.
# Usage: bench/recompress.sh [TAR] [LEVELS] [N] [VERSION]   (default: a tar of GOROOT's src/cmd and pkg/tool, "1 6", 3,
# 1.8-1.26)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
VERSION=${4:-1.8-1.26}
npm run build --silent
T=$(mktemp -d /tmp/stowage-recompress.XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ "$VERSION" = 1.27 ]; then
  FORKY=${STOWAGE_FORKY:-/opt/stowage-forky}
  [ -x "$FORKY/usr/lib/go-1.27/bin/go" ] || { echo "recompress.sh: needs Go 1.27 in the forky chroot (scripts/peers/modern-engine.sh setup)" >&2; exit 1; }
  cp test/recipes/go/gzipper.go "$T/"   # the chroot sees /tmp, not the project
  scripts/peers/modern-engine.sh run env GO111MODULE=off CGO_ENABLED=0 GOCACHE="$T/cache" HOME="$T" \
    /usr/lib/go-1.27/bin/go build -o "$T/gzipper" "$T/gzipper.go"
  GOROOT_DIR=$FORKY/usr/lib/go-1.27
  GOVERSION=$(scripts/peers/modern-engine.sh run /usr/lib/go-1.27/bin/go version)
else
  command -v go >/dev/null || { echo "recompress.sh: needs go (scripts/peers/install.sh installs golang-go)" >&2; exit 1; }
  GO111MODULE=off GOCACHE="$T/cache" go build -o "$T/gzipper" test/recipes/go/gzipper.go
  GOROOT_DIR=$(go env GOROOT)
  GOVERSION=$(go version)
fi
case " ${2:-} " in *" pgzip "*)
  cp test/recipes/go-pgzip/pgzipper.go "$T/"
  scripts/peers/modern-engine.sh run env GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$T/cache-pgzip" GOFLAGS= \
    go build -o "$T/pgzipper" "$T/pgzipper.go" ;;
esac
TAR=${1:-}
if [ -z "$TAR" ]; then
  TAR=$T/input.tar
  tar -chf "$TAR" -C "$GOROOT_DIR" src/cmd pkg/tool
fi
LEVELS=${2:-1 6}
N=${3:-3}
BYTES=$(stat -c %s "$TAR")
echo "input: $TAR, $((BYTES / 1000000)) MB; $GOVERSION against the go-flate $VERSION recipe; node $(node --version)"
printf '%-6s %-9s %8s %8s %8s %8s  %s\n' level encoder seconds MB/s rss_MB user_s "ratio (stowage/peer throughput: wall, user CPU)"
for L in $LEVELS; do
  if [ "$L" = pgzip ]; then ref=("$T/pgzipper" -threads 1); ours=(node dist/bench/pgzip-encode.js "$TAR" ${PGZIP_THREADS:+"$PGZIP_THREADS"}); peer=pgzip
  else ref=("$T/gzipper" -level "$L"); ours=(node dist/bench/recompress-encode.js "$TAR" "$L" "$VERSION"); peer=go; fi
  a=$("${ref[@]}" < "$TAR" | sha256sum | cut -c1-64)
  b=$("${ours[@]}" | sha256sum | cut -c1-64)
  [ "$a" = "$b" ] || { echo "level $L: stowage's bytes differ from $peer's ($b vs $a)" >&2; exit 1; }
  read -r _ gs grss gu < <(measure_cpu "$peer" "$N" "${ref[@]}" "<" "$TAR")
  read -r _ ss srss su < <(measure_cpu stowage "$N" "${ours[@]}")
  mbs() { python3 -c "print(f'{$BYTES/$1/1e6:.1f}')"; }
  printf '%-6s %-9s %8s %8s %8s %8s\n' "$L" "$peer" "$gs" "$(mbs "$gs")" "$grss" "$gu"
  printf '%-6s %-9s %8s %8s %8s %8s  %s, %s (same sha256 %s)\n' "$L" stowage "$ss" "$(mbs "$ss")" "$srss" "$su" "$(ratio "$gs" "$ss")" "$(ratio "$gu" "$su")" "${a:0:16}"
done
