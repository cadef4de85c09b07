#!/usr/bin/env bash
# Recompression speed: stowage's gnu-gzip encoder against the real GNU gzip (`gzip -LEVEL -n -c`) on the same tar,
# at the levels Debian and others use (9: dh_compress; 6: gzip's default). Checks first that both make the same
# sha256, then prints best-of-N seconds, MB/s, peak RSS and the ratio of stowage's throughput to gzip's.
# Usage: bench/gnu-gzip.sh [TAR] [LEVELS] [N]   (default: a ~100 MB tar of /usr/share/{vim,perl,i18n,cmake-*,zsh},
# "6 9", 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
npm run build --silent
T=$(mktemp -d /tmp/stowage-gnu-gzip.XXXXXX)
trap 'rm -rf "$T"' EXIT
TAR=${1:-}
if [ -z "$TAR" ]; then
  TAR=$T/input.tar
  (cd /usr/share && tar -cf "$TAR" $(ls -d vim perl i18n cmake-* zsh 2>/dev/null))
fi
LEVELS=${2:-6 9}
N=${3:-3}
BYTES=$(stat -c %s "$TAR")
echo "input: $TAR, $((BYTES / 1000000)) MB; $(gzip --version | head -1); node $(node --version)"
printf '%-6s %-9s %8s %8s %8s  %s\n' level encoder seconds MB/s rss_MB "ratio (stowage/gzip throughput)"
for L in $LEVELS; do
  a=$(gzip "-$L" -n -c "$TAR" | sha256sum | cut -c1-64)
  b=$(node dist/bench/gnu-gzip-encode.js "$TAR" "$L" | sha256sum | cut -c1-64)
  [ "$a" = "$b" ] || { echo "level $L: stowage's bytes differ from gzip's ($b vs $a)" >&2; exit 1; }
  read -r _ gs grss < <(measure gzip "$N" gzip "-$L" -n -c "$TAR")
  read -r _ ss srss < <(measure stowage "$N" node dist/bench/gnu-gzip-encode.js "$TAR" "$L")
  mbs() { python3 -c "print(f'{$BYTES/$1/1e6:.1f}')"; }
  printf '%-6s %-9s %8s %8s %8s\n' "$L" gzip "$gs" "$(mbs "$gs")" "$grss"
  printf '%-6s %-9s %8s %8s %8s  %s (same sha256 %s)\n' "$L" stowage "$ss" "$(mbs "$ss")" "$srss" "$(ratio "$gs" "$ss")" "${a:0:16}"
done
