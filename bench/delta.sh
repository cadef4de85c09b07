#!/usr/bin/env bash
# Issue 3's figures: writing a delta against `cp` of the layer files it contains, from a file and from standard
# input (one pass), with peak RSS. The target is bench/data/big.tar (4 layers, 2.28 GB of real files); the base
# holds its first 2 layers, so the delta carries the other 2.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f dist/src/cli/main.js ] || npm run build --silent
BIG=bench/data/big.tar; BASE=bench/data/big-base.tar; W=bench/data/delta-work
[ -f $BIG ] || { mkdir -p bench/data; node dist/bench/make-dataset.js $BIG 2.2; }
[ -f $BASE ] || node dist/bench/make-base.js $BIG $BASE 2
rm -rf $W && mkdir -p $W/layers $W/cp
$STOWAGE have $BASE -o $W/have.json -q
# The layer files the delta carries, extracted once so `cp` can copy exactly those bytes.
LAYERS=$(node -e 'const r=JSON.parse(require("child_process").execFileSync(process.argv[1],[...process.argv.slice(2)]).toString());console.log(r.images[0].layers.filter(l=>l.included).map(l=>l.index).join(" "))' node dist/src/cli/main.js delta $BIG --have $W/have.json -o $W/probe.tar --json 2>/dev/null || true)
PATHS=$(tar -xOf $BIG manifest.json | python3 -c "import json,sys; m=json.load(sys.stdin)[0]['Layers']; print(' '.join(m[int(i)] for i in '$LAYERS'.split()))")
tar -C $W/layers -xf $BIG $PATHS
BYTES=$(cd $W/layers && du -cb $PATHS | tail -1 | cut -f1)
cat $BIG > /dev/null
read -r _ t_cp _ < <(measure cp 3 "rm -rf $W/cp/* && cd $W/layers && cp --parents $PATHS ../cp/ && sync -f ../cp")
read -r _ t_file r_file < <(measure delta-file 3 "$STOWAGE delta $BIG --have $W/have.json -o $W/d.tar -q && sync -f $W")
read -r _ t_nv r_nv < <(measure delta-noverify 3 "$STOWAGE delta $BIG --have $W/have.json -o $W/d.tar -q --no-verify && sync -f $W")
read -r _ t_in r_in < <(measure delta-stdin 3 "cat $BIG | $STOWAGE delta - --have $W/have.json -o $W/ds.tar -q && sync -f $W")
SIZE=$(stat -c %s $W/d.tar)
cat <<MD
| work (delta of $(python3 -c "print(f'{$BYTES/1e9:.2f}')") GB of layers out of a 2.28 GB image) | time | peak RSS | ratio to cp |
|---|---|---|---|
| cp of the same layer files | ${t_cp} s | | 1.00 |
| stowage delta FILE | ${t_file} s | ${r_file} MB | $(ratio $t_file $t_cp) (limit 1.3) |
| stowage delta FILE --no-verify | ${t_nv} s | ${r_nv} MB | $(ratio $t_nv $t_cp) |
| cat FILE \| stowage delta - | ${t_in} s | ${r_in} MB | $(ratio $t_in $t_cp) |

The delta archive is $SIZE bytes for $BYTES bytes of layers ($((SIZE - BYTES)) bytes of metadata and tar headers).
MD
rm -rf $W
