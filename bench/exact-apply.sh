#!/usr/bin/env bash
# Exact apply against today's (issue 20): an app layer (GOROOT's src/cmd/compile and src/cmd/go, about 20 MB as a
# tar, a few files changed in v2) gzip'd by Go's own compress/gzip at LEVEL, in OCI layouts holding v1 and v2 with
# Docker manifests. Prints the delta's size with the recipes and manifest (exact) and with --new-digests, the time
# and peak RSS of `apply` into a new OCI layout both ways (exact recompresses the layer by its recipe; today's writes
# it as a plain tar) and their ratio, the time to find the layer's recipe, and checks the exact layout's manifest
# digest is upstream's.
# Usage: bench/exact-apply.sh [LEVELS] [N]   (default "6 1", 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v go >/dev/null || { echo "exact-apply.sh: needs go (scripts/peers/install.sh installs golang-go)" >&2; exit 1; }
npm run build --silent
T=$(mktemp -d /tmp/stowage-exact.XXXXXX)
trap 'rm -rf "$T"' EXIT
GO111MODULE=off GOCACHE="$T/cache" go build -o "$T/gzipper" test/recipes/go/gzipper.go
GR=$(go env GOROOT)
mkdir -p "$T/v1" && cp -r "$GR/src/cmd/compile" "$GR/src/cmd/go" "$T/v1/" && cp -r "$T/v1" "$T/v2"
for f in $(find "$T/v2" -name '*.go' | sort | awk 'NR%200==0'); do echo "// v2" >> "$f"; done
tarit() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$2" -C "$1" .; }
tarit "$T/v1" "$T/app1.tar"; tarit "$T/v2" "$T/app2.tar"; tarit "$GR/src/net" "$T/base.tar"
LEVELS=${1:-6 1}
N=${2:-3}
echo "app layer $(($(stat -c %s "$T/app2.tar") / 1000000)) MB as a tar; $(go version); node $(node --version)"
for L in $LEVELS; do
  for v in 1 2; do node bench/exact-layout.mjs "$T" "$T/gzipper" "$T/up$L-$v" "$v" "$L" > "$T/digest-$L-$v"; done
  $STOWAGE delta "oci:$T/up$L-2:2" --base "oci:$T/up$L-1:1" --patch -o "$T/e.patch" -q
  $STOWAGE delta "oci:$T/up$L-2:2" --base "oci:$T/up$L-1:1" --patch --new-digests -o "$T/n.patch" -q
  read -r _ es ers < <(measure exact "$N" "rm -rf $T/o &&" $STOWAGE apply "$T/e.patch" --base "oci:$T/up$L-1:1" -o "oci:$T/o:2" -q)
  got=$(python3 -c "import json;print(json.load(open('$T/o/index.json'))['manifests'][0]['digest'])")
  [ "$got" = "$(cat "$T/digest-$L-2")" ] || { echo "level $L: the exact apply's manifest is $got, not upstream's" >&2; exit 1; }
  # Today's: the layer rebuilt as a plain tar (what apply writes for a delta without recipes).
  node bench/exact-layout.mjs strip "$T/e.patch" "$T/t.patch"
  read -r _ ts trs < <(measure today "$N" "rm -rf $T/p &&" $STOWAGE apply "$T/t.patch" --base "oci:$T/up$L-1:1" -o "oci:$T/p:2" -q)
  blob=$(python3 -c "import json;m=json.load(open('$T/up$L-2/blobs/sha256/'+open('$T/digest-$L-2').read().strip()[7:]));print(m['layers'][1]['digest'][7:])")
  read -r _ ds drs < <(measure find-recipe "$N" node bench/exact-layout.mjs find "$T/up$L-2/blobs/sha256/$blob")
  echo "level $L: delta $(stat -c %s "$T/e.patch") B exact, $(stat -c %s "$T/n.patch") B --new-digests, $(stat -c %s "$T/t.patch") B without recipes or manifest"
  echo "  apply: exact ${es}s (${ers} MB), today ${ts}s (${trs} MB): $(ratio "$es" "$ts")x; recipe found in ${ds}s for a $(($(stat -c %s "$T/up$L-2/blobs/sha256/$blob") / 1000)) kB blob"
done
