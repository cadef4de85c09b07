#!/usr/bin/env bash
# Issue 5's figures: stowage export of the 2.28 GB bench archive (4 layers of real files) against umoci unpack
# followed by tar -c of the unpacked root (the usual daemonless way to flatten an image), peak RSS (limit 250 MB),
# and peak RSS against the number of paths (bench/many-paths.ts: one layer of 100k and 1M empty files).
# umoci reads an OCI layout, made first (not timed) by skopeo with its default gzip layers, which umoci 0.4 needs;
# stowage is timed on the docker archive itself (plain layers) and on that same gzip layout.
# Usage: bench/export.sh   (needs skopeo and umoci: scripts/peers/install.sh; builds bench/data/big.tar if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f dist/src/cli/main.js ] || npm run build --silent
command -v umoci >/dev/null && command -v skopeo >/dev/null || { echo "bench/export.sh: needs umoci and skopeo (scripts/peers/install.sh)" >&2; exit 1; }
BIG=bench/data/big.tar
[ -f $BIG ] || { mkdir -p bench/data; node dist/bench/make-dataset.js $BIG 2.2; }
W=$(mktemp -d "$PWD/bench/data/export-XXXXXX")
trap 'rm -rf "$W"' EXIT
skopeo copy -q docker-archive:$BIG oci:$W/oci:big
cat $BIG > /dev/null; cat $W/oci/blobs/sha256/* > /dev/null   # page cache: every contender reads from memory
read -r _ t_exp r_exp < <(measure export 3 "$STOWAGE export $BIG -q -o $W/stowage.tar")
OUT_SIZE=$(stat -c %s $W/stowage.tar)
read -r _ t_oci r_oci < <(measure export-oci 2 "$STOWAGE export oci:$W/oci:big -q -o $W/stowage-oci.tar")
read -r _ t_umoci r_umoci < <(measure umoci 1 "umoci unpack --image $W/oci:big $W/bundle >/dev/null && tar --numeric-owner -C $W/bundle/rootfs -cf $W/umoci.tar .")
ENTRIES=$(tar -tf $W/stowage.tar | wc -l)
# Memory against the number of paths: one layer of N empty files.
rss_paths=""
for n in 100000 1000000; do
  node dist/bench/many-paths.js $W/many.tar $n
  read -r _ t_n r_n < <(measure "paths-$n" 1 "$STOWAGE export $W/many.tar -q -o $W/many-out.tar")
  rss_paths="$rss_paths $n paths: ${r_n} MB (${t_n} s);"
  rm -f $W/many.tar $W/many-out.tar
done
SIZE=$(stat -c %s $BIG)
gb() { python3 -c "print(f'{$1/1e9:.2f}')"; }
mbs() { python3 -c "print(f'{$OUT_SIZE/$1/1e6:.0f}')"; }
cat <<MD
| export ($(gb $SIZE) GB archive, 4 layers -> $(gb $OUT_SIZE) GB tar of $ENTRIES entries, $(nproc) cores) | time | written | peak RSS | ratio |
|---|---|---|---|---|
| stowage export (docker archive, plain layers) | ${t_exp} s | $(mbs $t_exp) MB/s | ${r_exp} MB | $(ratio $t_umoci $t_exp)x faster than umoci (want >= 1); RSS limit 250 MB |
| stowage export (the same OCI layout umoci reads, gzip layers) | ${t_oci} s | $(mbs $t_oci) MB/s | ${r_oci} MB | $(ratio $t_umoci $t_oci)x faster than umoci |
| umoci unpack + tar -c (gzip OCI layout) | ${t_umoci} s | $(mbs $t_umoci) MB/s | ${r_umoci} MB | |

Peak RSS of stowage export against the number of paths (one layer of empty files):${rss_paths}
MD
