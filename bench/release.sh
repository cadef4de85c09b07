#!/usr/bin/env bash
# The offline-release workflow measured (issue 21): a release of five apps on two shared bases in three versions
# (bench/make-release.ts, the test suite's release), shipped to sites at v1 and v2 as
#   - docker save archives of the whole release (one archive per release, shared layers once),
#   - Zarf-style whole-image differentials (images already at the site left out whole; a changed image ships whole),
#   - zstd -19 --long=31 --patch-from of the release archive (one patch per site version it must reach),
#   - stowage bundle (one bundle; for sites at v1 or v2 at once, one bundle too),
# sizes side by side, then the time of one bundle against the five single-image patch deltas made one by one.
# Usage: bench/release.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-1}
W=$(mktemp -d /tmp/stowage-release-XXXXXX)
trap 'rm -rf "$W"' EXIT
APPS="alpha bravo charlie delta echo"
node dist/bench/make-release.js "$W/rel"
size() { stat -c %s "$1"; }
mb() { python3 -c "n=$1; print(f'{n/1e6:.2f} MB' if n>=1e6 else f'{n/1e3:.1f} KB')"; }
for v in 1 2 3; do
  for a in $APPS; do $STOWAGE copy "$W/rel/v$v/$a.tar" "oci:$W/oci-v$v:$a-$v" -q; done
  $STOWAGE copy "oci:$W/oci-v$v" "$W/save-v$v.tar" -q          # the release as one docker save archive
  $STOWAGE have "oci:$W/oci-v$v" -o "$W/have-v$v.json" -q
done
bases() { for v in "$@"; do for a in $APPS; do printf -- '--base %s ' "$W/rel/v$v/$a.tar"; done; done; }
targets() { for a in $APPS; do printf '%s ' "$W/rel/v$1/$a.tar"; done; }
# shellcheck disable=SC2046
{
  $STOWAGE bundle $(targets 2) --site "$W/have-v1.json" $(bases 1) -o "$W/b12" -q
  $STOWAGE bundle $(targets 3) --site "$W/have-v2.json" $(bases 2) -o "$W/b23" -q
  $STOWAGE bundle $(targets 3) --site "$W/have-v1.json" --site "$W/have-v2.json" $(bases 1 2) -o "$W/b123" -q
}
zstd -q -f -19 --long=31 --patch-from="$W/save-v1.tar" "$W/save-v2.tar" -o "$W/z12"
zstd -q -f -19 --long=31 --patch-from="$W/save-v2.tar" "$W/save-v3.tar" -o "$W/z23"
zstd -q -f -19 --long=31 --patch-from="$W/save-v1.tar" "$W/save-v3.tar" -o "$W/z13"
# Zarf's --differential leaves out an image the reference package holds (same image); every image changes in each
# release here, so each ships whole: the release's archive.
echo "| update | docker save of the release | Zarf-style whole-image differential | zstd -19 --long=31 --patch-from | stowage bundle | bundle / zstd |"
echo "|---|---|---|---|---|---|"
row() { echo "| $1 | $(mb "$2") | $(mb "$3") | $(mb "$4") | $(mb "$5") | $(ratio "$5" "$4") |"; }
row "v1 -> v2" "$(size "$W/save-v2.tar")" "$(size "$W/save-v2.tar")" "$(size "$W/z12")" "$(size "$W/b12")"
row "v2 -> v3" "$(size "$W/save-v3.tar")" "$(size "$W/save-v3.tar")" "$(size "$W/z23")" "$(size "$W/b23")"
row "v1 or v2 -> v3 (one shipment for both)" "$(size "$W/save-v3.tar")" "$(size "$W/save-v3.tar")" "$(( $(size "$W/z13") + $(size "$W/z23") ))" "$(size "$W/b123")"
echo
# One bundle of five images against five single-image patch deltas, each made on its own.
read -r _ t_b r_b < <(measure bundle "$N" $STOWAGE bundle $(targets 2) --site "$W/have-v1.json" $(bases 1) -o "$W/tb" -q)
cat > "$W/one-by-one.sh" <<SH
for a in $APPS; do $STOWAGE delta "$W/rel/v2/\$a.tar" --base "$W/rel/v1/\$a.tar" --patch -o "$W/one-\$a" -q; done
SH
read -r _ t_o r_o < <(measure one-by-one "$N" sh "$W/one-by-one.sh")
one=0; for a in $APPS; do one=$(( one + $(size "$W/one-$a") )); done
echo "| v1 -> v2, 5 images | time | peak RSS | size |"
echo "|---|---|---|---|"
echo "| one bundle | $t_b s | $r_b MB | $(mb "$(size "$W/tb")") |"
echo "| five delta --patch, one by one | $t_o s | $r_o MB (each) | $(mb "$one") |"
echo "| ratio (bundle / one by one) | $(ratio "$t_b" "$t_o") | | $(ratio "$(size "$W/tb")" "$one") |"
echo
# Apply on the site: the v3 bundle for v1-or-v2 sites into a copy of the v1 layout, from 1 MB parts, beside zstd -d
# of the whole-release patch (which gives back one archive, not images in a layout).
mkdir -p "$W/parts"
# shellcheck disable=SC2046
$STOWAGE bundle $(targets 3) --site "$W/have-v1.json" --site "$W/have-v2.json" $(bases 1 2) -o "$W/parts/r3" --part-size 1MB -q
cat > "$W/apply.sh" <<SH
rm -rf "$W/site" && cp -a "$W/oci-v1" "$W/site" && $STOWAGE apply "$W/parts" -o "oci:$W/site" -q
SH
read -r _ t_a r_a < <(measure apply "$N" sh "$W/apply.sh")
read -r _ t_c _ < <(measure copy-site "$N" sh -c "rm -rf '$W/site' && cp -a '$W/oci-v1' '$W/site'")
read -r _ t_zd r_zd < <(measure zstd-d "$N" zstd -q -f -d --long=31 --patch-from="$W/save-v1.tar" "$W/z13" -o "$W/unz")
echo "| v1 -> v3 on the site | time | peak RSS |"
echo "|---|---|---|"
echo "| stowage apply of the parts into the layout (less the copy of the v1 layout: $t_c s) | $t_a s | $r_a MB |"
echo "| zstd -d --patch-from of the whole-release patch (one archive out) | $t_zd s | $r_zd MB |"
