#!/usr/bin/env bash
# Parts for media (docs/parts-format.md): writing a payload as parts (each hashed as written, fsynced) against
# coreutils `split -b` followed by `openssl dgst -sha256` of the parts (what one would do by hand to get checksums), and reading
# it back with every part proved against `cat OUT.* | openssl dgst -sha256`; peak RSS of each, whatever the payload's size.
# Usage: bench/parts.sh [SIZE_MB (default 1024)] [PART_SIZE (default 100MB)]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f dist/bench/parts-tool.js ] || npm run build --silent
MB=${1:-1024}; PS=${2:-100MB}
W=$(mktemp -d /tmp/stowage-bench-parts-XXXXXX); trap 'rm -rf "$W"' EXIT
head -c $((MB * 1000000)) /dev/urandom > "$W/payload"
PSB=$(node -e "import('./dist/src/parts/index.js').then(m => console.log(m.parsePartSize('$PS')))")
TOOL="node dist/bench/parts-tool.js"
read -r _ t_w r_w < <(measure stowage-split 3 "rm -rf $W/s; mkdir $W/s; $TOOL split $W/payload $W/s/out $PS")
read -r _ t_p r_p < <(measure split+openssl 3 "rm -rf $W/p; mkdir $W/p; split -b $PSB -d -a 5 $W/payload $W/p/out. && sync $W/p/out.* && openssl dgst -sha256 $W/p/out.* > $W/p/SUMS")
read -r _ t_r r_r < <(measure stowage-read 3 "$TOOL sum $W/s")
read -r _ t_c _ < <(measure cat+openssl 3 "cat $W/p/out.* | openssl dgst -sha256")
[ "$($TOOL sum $W/s)" = "$(sha256sum < $W/payload | cut -d' ' -f1)" ] || { echo "read back differs" >&2; exit 1; }
echo "payload ${MB} MB in parts of $PS ($(ls $W/s | wc -l) parts)"
echo "write:  stowage ${t_w} s (${r_w} MB RSS)  split + sync + openssl dgst ${t_p} s  ratio $(ratio $t_w $t_p)"
echo "read:   stowage ${t_r} s (${r_r} MB RSS), every part proved  cat | openssl dgst -sha256 ${t_c} s  ratio $(ratio $t_r $t_c)"
