#!/usr/bin/env bash
# Issue 2's figures: inspect reads no layer bytes (big archive vs tiny), verify against sha256sum and openssl on
# the same bytes, peak RSS of both, from a file and from standard input.
# Usage: bench/inspect-verify.sh   (builds bench/data/big.tar, >= 2.2 GB of real files, on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f dist/src/cli/main.js ] || npm run build --silent
BIG=bench/data/big.tar; TINY=examples/app-2.tar
[ -f $BIG ] || { mkdir -p bench/data; node dist/bench/make-dataset.js $BIG 2.2; }
SIZE=$(stat -c %s $BIG)
cat $BIG > /dev/null   # page cache: every contender reads from memory
read -r _ t_big r_big < <(measure inspect-big 5 $STOWAGE inspect $BIG)
read -r _ t_tiny r_tiny < <(measure inspect-tiny 5 $STOWAGE inspect $TINY)
read -r _ t_ver r_ver < <(measure verify 3 $STOWAGE verify -q $BIG)
read -r _ t_sum _ < <(measure sha256sum 2 sha256sum $BIG)
read -r _ t_ssl _ < <(measure openssl 3 openssl dgst -sha256 $BIG)
read -r _ t_vin r_vin < <(measure verify-stdin 2 "cat $BIG | $STOWAGE verify -q -")
read -r _ t_iin r_iin < <(measure inspect-stdin 2 "cat $BIG | $STOWAGE inspect -")
mbs() { python3 -c "print(f'{$SIZE/$1/1e6:.0f}')"; }
cat <<MD
| work ($(python3 -c "print(f'{$SIZE/1e9:.2f}')") GB archive, $(nproc) cores) | time | throughput | peak RSS | ratio |
|---|---|---|---|---|
| stowage inspect, big archive | ${t_big} s | | ${r_big} MB | $(ratio $t_big $t_tiny)x the tiny archive (limit 1.5x) |
| stowage inspect, tiny archive | ${t_tiny} s | | ${r_tiny} MB | |
| stowage verify | ${t_ver} s | $(mbs $t_ver) MB/s | ${r_ver} MB | $(ratio $t_sum $t_ver)x sha256sum (want >= 3), $(ratio $t_ssl $t_ver)x openssl (want >= 1) |
| sha256sum | ${t_sum} s | $(mbs $t_sum) MB/s | | |
| openssl dgst -sha256 | ${t_ssl} s | $(mbs $t_ssl) MB/s | | |
| cat \| stowage verify - | ${t_vin} s | $(mbs $t_vin) MB/s | ${r_vin} MB | one pass, bounded memory |
| cat \| stowage inspect - | ${t_iin} s | $(mbs $t_iin) MB/s | ${r_iin} MB | |
MD
