#!/usr/bin/env bash
# Rebuilds wasm/zstd.wasm, the zstd that patch deltas use when no native addon loads (src/patch/zstd-wasm.ts), from
# zstd's own C sources as zstd-napi ships them (node_modules/zstd-napi/deps/zstd/lib, zstd 1.5.7, BSD licence:
# wasm/zstd-LICENSE) plus scripts/zstd-wasm/shim.c, with Debian bookworm's clang 14, lld 14 and wasi-libc:
#   apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
# The build is reproducible: the same sources and toolchain give the same bytes (test/patch/zstd-wasm.test.ts
# checks it when clang-14 is there). It refuses sources other than the ones the committed module was built from.
# Usage: scripts/zstd-wasm/build.sh [OUT]   (default wasm/zstd.wasm)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-wasm/zstd.wasm}
LIB=node_modules/zstd-napi/deps/zstd/lib
# sha256 over the sorted `sha256sum` lines of the sources used (see sources() below).
SOURCES_SHA=${SOURCES_SHA:-ccea54dc2e8f90831a37fcac5345dc01d3335856f5dac1d2b1ea3051c9398db0}
CC=${CC:-clang-14}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)" >&2; exit 2; }
[ -f "$LIB/zstd.h" ] || { echo "build.sh: $LIB not found (npm ci installs zstd-napi, the optional dependency)" >&2; exit 2; }
sources() { (cd "$LIB" && find . -name '*.[ch]' | LC_ALL=C sort | xargs sha256sum); }
got=$(sources | sha256sum | cut -d' ' -f1)
if [ "$SOURCES_SHA" != any ] && [ "$got" != "$SOURCES_SHA" ]; then
  echo "build.sh: $LIB is not the zstd the module is built from (sources sha256 $got, expected $SOURCES_SHA)" >&2
  exit 1
fi
W=$(mktemp -d /tmp/stowage-zstd-wasm-XXXXXX)
trap 'rm -rf "$W"' EXIT
# Legacy formats, the dictionary builder, threads, tracing and the x86 assembly are left out; assertions off.
FLAGS=(--target=wasm32-wasi -O3 -flto -mbulk-memory -msign-ext -mnontrapping-fptoint -DNDEBUG -DZSTD_DISABLE_ASM
  -DZSTD_LEGACY_SUPPORT=0 -DZSTD_NO_TRACE -DZSTD_TRACE=0 -DZSTD_HAVE_WEAK_SYMBOLS=0 -DXXH_NAMESPACE=ZSTD_
  "-ffile-prefix-map=$PWD=." -I"$LIB" -I"$LIB/common")
objs=()
for f in "$LIB"/common/*.c "$LIB"/compress/*.c "$LIB"/decompress/*.c scripts/zstd-wasm/shim.c; do
  case "$f" in */pool.c|*/threading.c|*/zstdmt_compress.c) continue ;; esac
  o="$W/$(basename "${f%.c}").o"
  "$CC" "${FLAGS[@]}" -c "$f" -o "$o"
  objs+=("$o")
done
# A reactor (no main, no WASI start), nothing exported but the shim's functions and the memory; up to 4 GiB.
"$CC" --target=wasm32-wasi -O3 -flto -mexec-model=reactor -nostartfiles -Wl,--no-entry -Wl,--strip-all \
  -Wl,--max-memory=4294967296 -Wl,--initial-memory=1048576 -fuse-ld=lld \
  "${objs[@]}" -o "$W/zstd.wasm"
mkdir -p "$(dirname "$OUT")"
mv "$W/zstd.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes, sha256 $(sha256sum "$OUT" | cut -d' ' -f1)"
