#!/usr/bin/env bash
# Issue 4's figures: a full `stowage edit` of a 2.28 GB docker save (every layer copied; checked against its
# DiffID by worker threads while copying, or not with --no-verify) against `cp` of the same archive (target
# <= 1.2x), a thin edit (no layer files, target < 1 s), a dry run, and from standard input; peak RSS of each.
# `dd bs=256k` is there as the floor of any copy through user space (cp uses copy_file_range, a copy inside the
# kernel that Node cannot make). Outputs go beside the archive (the same file system as cp's).
# Usage: bench/edit.sh [RUNS]   (builds bench/data/big.tar, >= 2.2 GB of real files, on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-5}
[ -f dist/src/cli/main.js ] || npm run build --silent
BIG=bench/data/big.tar
[ -f $BIG ] || { mkdir -p bench/data; node dist/bench/make-dataset.js $BIG 2.2; }
OUT=bench/data/edit-out.tar
trap 'rm -f $OUT bench/data/cp-out.tar bench/data/edit-thin.tar' EXIT
SIZE=$(stat -L -c %s $BIG)
CHANGES="--label bench.edited=1 --env BENCH=1 --entrypoint '[\"/bin/true\"]'"
cat $BIG > /dev/null   # page cache: every contender reads from memory
# Each run starts without its output, so no one pays for truncating the previous one.
read -r _ t_cp _ < <(measure cp $N "rm -f bench/data/cp-out.tar && cp $BIG bench/data/cp-out.tar")
read -r _ t_dd _ < <(measure dd $N "rm -f bench/data/cp-out.tar && dd if=$BIG of=bench/data/cp-out.tar bs=256k status=none")
read -r _ t_full r_full < <(measure edit-full $N "rm -f $OUT && $STOWAGE edit -q $BIG -o $OUT $CHANGES")
read -r _ t_nov r_nov < <(measure edit-no-verify $N "rm -f $OUT && $STOWAGE edit -q --no-verify $BIG -o $OUT $CHANGES")
read -r _ t_thin r_thin < <(measure edit-thin $N "rm -f bench/data/edit-thin.tar && $STOWAGE edit -q $BIG -o bench/data/edit-thin.tar --thin $CHANGES")
read -r _ t_dry r_dry < <(measure edit-dry-run $N "$STOWAGE edit $BIG --dry-run $CHANGES")
read -r _ t_in r_in < <(measure edit-stdin 2 "rm -f $OUT && cat $BIG | $STOWAGE edit -q - -o $OUT $CHANGES")
read -r _ t_tin r_tin < <(measure edit-stdin-thin 2 "rm -f bench/data/edit-thin.tar && cat $BIG | $STOWAGE edit -q - -o bench/data/edit-thin.tar --thin $CHANGES")
$STOWAGE verify -q $OUT   # the last output is whole and every layer hashes to its DiffID
mbs() { python3 -c "print(f'{$SIZE/$1/1e6:.0f}')"; }
cat <<MD
| work ($(python3 -c "print(f'{$SIZE/1e9:.2f}')") GB archive, $(nproc) cores, best of $N) | time | throughput | peak RSS | ratio |
|---|---|---|---|---|
| cp of the archive (copy_file_range) | ${t_cp} s | $(mbs $t_cp) MB/s | | |
| dd bs=256k (read and write through user space) | ${t_dd} s | $(mbs $t_dd) MB/s | | $(ratio $t_dd $t_cp)x cp |
| stowage edit (layers checked by workers while copying) | ${t_full} s | $(mbs $t_full) MB/s | ${r_full} MB | $(ratio $t_full $t_cp)x cp (target <= 1.2) |
| stowage edit --no-verify | ${t_nov} s | $(mbs $t_nov) MB/s | ${r_nov} MB | $(ratio $t_nov $t_cp)x cp |
| stowage edit --thin | ${t_thin} s | | ${r_thin} MB | target < 1 s |
| stowage edit --dry-run | ${t_dry} s | | ${r_dry} MB | |
| cat \| stowage edit - (spooled to a temporary file first) | ${t_in} s | $(mbs $t_in) MB/s | ${r_in} MB | $(ratio $t_in $t_cp)x cp |
| cat \| stowage edit - --thin (one pass, nothing spooled) | ${t_tin} s | $(mbs $t_tin) MB/s | ${r_tin} MB | |
MD
