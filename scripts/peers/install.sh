#!/usr/bin/env bash
# Installs the real peers the tests compare stowage with, from Debian's packages (needs root):
# dockerd (docker.io), skopeo, umoci, podman, the CNCF registry (docker-registry), tar-split, busybox-static (a
# static shell for test images), zstd, jq, chromium (opens the HTML report in tests); g++, make and python3, with
# which `npm ci` builds zstd-napi from source (patch deltas use it when it loads, else wasm/zstd.wasm); clang-14, lld-14,
# wasi-libc and its runtime, with which test/patch/zstd-wasm.test.ts checks that scripts/zstd-wasm/build.sh rebuilds
# wasm/zstd.wasm bit for bit; fish and zsh (their completion scripts are tested); debootstrap for bench/patch-pairs.sh;
# xdelta3 (bench/patch.sh compares with it); golang-go (Go 1.19), whose compress/gzip the recipe tests and
# bench/recompress.sh compare stowage's go-flate encoder with.
# Usage: scripts/peers/install.sh [package...]
set -euo pipefail
PKGS=("$@")
[ ${#PKGS[@]} -gt 0 ] || PKGS=(docker.io busybox-static skopeo umoci podman docker-registry tar-split zstd jq apache2-utils openssl chromium g++ make python3 clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 fish zsh debootstrap golang-go xdelta3)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "peers already installed: ${PKGS[*]}" >&2; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install.sh: needs root to apt-get install ${missing[*]}" >&2; exit 1; fi
for p in "${missing[@]}"; do
  if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then apt-get update -qq; break; fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/stowage-peers-install.log 2>&1 \
  || { tail -20 /tmp/stowage-peers-install.log >&2; exit 1; }
echo "installed: ${missing[*]}" >&2
