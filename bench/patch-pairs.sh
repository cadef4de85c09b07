#!/usr/bin/env bash
# Builds the two image pairs bench/patch.sh measures, cached under $PAIRS (default /tmp/stowage-patch-bench; big,
# kept out of the repo). Needs debootstrap (a Debian mirror) and npm (the npm registry). The images are made by
# `stowage import` and bench/stack-layer.ts, no engine; ENGINE=1 makes them with a dockerd instead (docker import,
# docker build; scripts/peers/start-dockerd.sh; DOCKER_HOST is derived from STOWAGE_PEERS) as the first runs did.
#   deb-1.tar, deb-2.tar   a Debian bookworm minbase rootfs built twice by debootstrap from the same packages (the
#                          second run reuses the first's downloaded .debs), each imported as a one-layer image
#   app-1.tar, app-2.tar   an app image: FROM deb:1, a node_modules layer from `npm install` of 20 dependencies;
#                          app:2 has 5 of them updated (and its own build of the same Dockerfile)
#   py-1.tar, py-2.tar     Debian with Python built twice, the second with eight security and point-release
#                          updates installed (every file's time differs, 1,049 files changed, 32.8 MB of them)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/peers/env.sh
PAIRS=${PAIRS:-/tmp/stowage-patch-bench}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
export DOCKER_HOST=${DOCKER_HOST:-unix://$STOWAGE_PEERS/docker/docker.sock}
ENGINE=${ENGINE:-0}
STOWAGE="node $(pwd)/dist/src/cli/main.js"
mkdir -p "$PAIRS/debs"
for n in 1 2; do
  [ -f "$PAIRS/deb-$n.tar" ] && continue
  root="$PAIRS/root-$n"
  rm -rf "$root"
  debootstrap --variant=minbase --cache-dir="$PAIRS/debs" "$SUITE" "$root" "$MIRROR" >"$PAIRS/debootstrap-$n.log" 2>&1
  if [ "$ENGINE" = 1 ]; then
    tar --numeric-owner -C "$root" -c . | docker import - "stowage-patch-bench/deb:$n" >/dev/null
    docker save "stowage-patch-bench/deb:$n" -o "$PAIRS/deb-$n.tar"
  else
    tar --numeric-owner -C "$root" -c . | $STOWAGE import - -o "$PAIRS/deb-$n.tar" --tag "stowage-patch-bench/deb:$n" -q
  fi
  rm -rf "$root"
done
# The app: the same Dockerfile, built on deb:1 both times; 5 of its 20 dependencies one version newer in app:2.
OLD='"express": "4.18.2", "lodash": "4.17.20", "axios": "1.6.0", "moment": "2.29.3", "typescript": "5.3.2"'
NEW='"express": "4.19.2", "lodash": "4.17.21", "axios": "1.6.2", "moment": "2.29.4", "typescript": "5.3.3"'
SAME='"chalk": "4.1.2", "commander": "11.1.0", "debug": "4.3.4", "dotenv": "16.3.1", "uuid": "9.0.1", "yargs": "17.7.2", "semver": "7.5.4", "glob": "10.3.10", "rimraf": "5.0.5", "minimist": "1.2.8", "ws": "8.14.2", "async": "3.2.5", "bluebird": "3.7.2", "underscore": "1.13.6", "date-fns": "2.30.0"'
for n in 1 2; do
  [ -f "$PAIRS/app-$n.tar" ] && continue
  ctx="$PAIRS/app-ctx-$n"
  rm -rf "$ctx" && mkdir -p "$ctx"
  deps=$([ "$n" = 1 ] && echo "$OLD" || echo "$NEW")
  printf '{ "name": "app", "version": "1.0.0", "private": true, "dependencies": { %s, %s } }\n' "$deps" "$SAME" > "$ctx/package.json"
  (cd "$ctx" && npm install --no-audit --no-fund --ignore-scripts >/dev/null 2>&1)
  if [ "$ENGINE" = 1 ]; then
    printf 'FROM stowage-patch-bench/deb:1\nCOPY package.json /app/\nCOPY node_modules /app/node_modules\nWORKDIR /app\n' > "$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t "stowage-patch-bench/app:$n" "$ctx" >/dev/null 2>&1
    docker save "stowage-patch-bench/app:$n" -o "$PAIRS/app-$n.tar"
  else
    # One layer holding /app (package.json and node_modules) on deb-1's layer, as the Dockerfile above makes.
    mkdir -p "$ctx/root/app" && mv "$ctx/package.json" "$ctx/node_modules" "$ctx/root/app/"
    tar --numeric-owner --owner=0 --group=0 -C "$ctx/root" -cf "$ctx/layer.tar" app
    node dist/bench/stack-layer.js "$PAIRS/deb-1.tar" "$ctx/layer.tar" "$PAIRS/app-$n.tar" "stowage-patch-bench/app:$n"
  fi
  rm -rf "$ctx"
done
# A security update: Debian with Python built by debootstrap, then built again and the newer packages (python3.11,
# its libraries, libssl3, perl-base, tzdata, libpcre2 of the day: the .debs named in UPDATES, taken from $UPDATE_DEBS,
# by default apt's cache) installed with dpkg in the chroot, as a nightly rebuild with security updates is.
UPDATE_DEBS=${UPDATE_DEBS:-/var/cache/apt/archives}
UPDATES=${UPDATES:-python3.11_3.11.2-6+deb12u9_amd64.deb python3.11-minimal_3.11.2-6+deb12u9_amd64.deb libpython3.11-minimal_3.11.2-6+deb12u9_amd64.deb libpython3.11-stdlib_3.11.2-6+deb12u9_amd64.deb libssl3_3.0.22-1~deb12u1_amd64.deb perl-base_5.36.0-7+deb12u4_amd64.deb tzdata_2026c-0+deb12u1_all.deb libpcre2-8-0_10.42-1+deb12u2_amd64.deb}
for n in 1 2; do
  [ -f "$PAIRS/py-$n.tar" ] && continue
  root="$PAIRS/root-py$n"
  rm -rf "$root"
  debootstrap --variant=minbase --include=python3 --cache-dir="$PAIRS/debs" "$SUITE" "$root" "$MIRROR" >"$PAIRS/debootstrap-py$n.log" 2>&1
  if [ "$n" = 2 ]; then
    mkdir -p "$root/tmp/up"
    for d in $UPDATES; do cp "$UPDATE_DEBS/$d" "$root/tmp/up/" || { echo "py-2: $UPDATE_DEBS/$d is missing (set UPDATE_DEBS, or UPDATES to newer packages)" >&2; exit 1; }; done
    chroot "$root" sh -c 'dpkg -i /tmp/up/*.deb' >"$PAIRS/dpkg-py2.log" 2>&1
    rm -rf "$root/tmp/up"
  fi
  tar --numeric-owner -C "$root" -c . | $STOWAGE import - -o "$PAIRS/py-$n.tar" --tag "stowage-patch-bench/py:$n" -q
  rm -rf "$root"
done
ls -la "$PAIRS"/*.tar
