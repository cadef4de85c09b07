#!/usr/bin/env bash
# Which deflate encoders make the same bytes: GNU gzip, vanilla zlib (the system's libz, through python3) and Node's
# own zlib (Chromium's fork), at the levels given, on real files of this system: a sample of Debian's changelogs
# and man pages (decompressed), binaries, and synthetic shapes. The facts behind docs/recipes.md's zlib section.
# Usage: bench/gnu-gzip-zlib.sh [LEVELS]   (default "6,9")
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
T=$(mktemp -d /tmp/stowage-gnu-zlib.XXXXXX)
trap 'rm -rf "$T"' EXIT
i=0
for f in $(ls /usr/share/doc/*/changelog*.gz | awk 'NR % 16 == 0') $(ls /usr/share/man/man1/*.gz | awk 'NR % 40 == 0'); do
  zcat "$f" > "$T/$i.$(basename "$f" .gz)"; i=$((i + 1))
done
for b in bash ls tar gzip sed; do [ -f "/usr/bin/$b" ] && cp "/usr/bin/$b" "$T/bin-$b"; done
head -c 1 /dev/zero > "$T/one-byte"; : > "$T/empty"; head -c 1000000 /dev/zero > "$T/zeros"
head -c 300000 /dev/urandom > "$T/noise"
node dist/bench/gnu-gzip-zlib.js "${1:-6,9}" "$T"/*
