#!/usr/bin/env bash
# Docker 28.5 from Debian forky (testing) in a chroot, beside the host's dockerd 20.10: once with the classic image
# store and once with the containerd image store (the default of new Docker 29 installs). The same chroot brings the
# current peers: skopeo 1.22, crane 0.20, podman 5.8, umoci 0.6, zstd, cosign 3.1, notation 1.3, Go 1.27 with
# klauspost's compress and pgzip sources (the pgzip recipe's reference), and a registry with the OCI 1.1 referrers API
# (scripts/peers/referrers-registry.sh). Needs root and Debian's package mirror.
#
#   modern-engine.sh setup                      build the chroot once (about 5 minutes), install the engine and peers
#   modern-engine.sh start classic|containerd   start that engine; prints its DOCKER_HOST
#   modern-engine.sh stop classic|containerd
#   modern-engine.sh host classic|containerd    print the DOCKER_HOST it listens on (running or not)
#   modern-engine.sh run CMD ARGS...            run a chroot tool (crane, skopeo, podman, umoci); /tmp is shared
#   modern-engine.sh teardown                   stop both engines and unmount the chroot
# Env: STOWAGE_FORKY (default /opt/stowage-forky).
#
# Why it looks like this (each learnt the hard way on this machine kind):
# - Debian 12's debootstrap has no forky script; forky is bootstrapped with the sid script.
# - The peers are installed with apt inside the chroot (debootstrap --include does not resolve virtual packages).
# - The mirror's forky Release file may be past its Valid-Until date: apt runs with Check-Valid-Until=false.
# - containerd looks for its snapshotter's mount in /proc/self/mountinfo, so the chroot must be a mount point of
#   its own (a bind mount onto itself), or every containerd plugin fails with "failed to find the mount info".
# - No systemd, no iptables, no bridge: the engines run with networking off, which `docker run --network none` needs.
set -euo pipefail
FORKY=${STOWAGE_FORKY:-/opt/stowage-forky}
LOG=${TMPDIR:-/tmp}/stowage-forky-setup.log
APT=(apt-get -o Acquire::Check-Valid-Until=false -y -qq --no-install-recommends)

mirror() {
  local m
  m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

mount_all() {
  mountpoint -q "$FORKY" || mount --bind "$FORKY" "$FORKY"
  mountpoint -q "$FORKY/proc" || mount -t proc proc "$FORKY/proc"
  for m in sys dev; do mountpoint -q "$FORKY/$m" || mount --rbind "/$m" "$FORKY/$m"; done
  mkdir -p "$FORKY/tmp"; mountpoint -q "$FORKY/tmp" || mount --bind /tmp "$FORKY/tmp"
}

# Packages added to the chroot after its first build (each peer the tests came to need): installed when absent, with
# an index update only when the cached one no longer has them.
chroot_install() {
  chroot "$FORKY" env DEBIAN_FRONTEND=noninteractive bash -c "${APT[*]} install $* || { ${APT[*]} update && ${APT[*]} install $*; }" >>"$LOG" 2>&1 \
    || { tail -20 "$LOG" >&2; exit 1; }
}

setup() {
  [ "$(id -u)" = 0 ] || { echo "modern-engine.sh: setup needs root" >&2; exit 1; }
  if [ ! -x "$FORKY/usr/sbin/dockerd" ] || [ ! -x "$FORKY/usr/bin/skopeo" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >>"$LOG" 2>&1 \
      || { apt-get update -qq >>"$LOG" 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >>"$LOG" 2>&1; }
    local m; m=$(mirror)
    [ -x "$FORKY/bin/bash" ] || debootstrap --variant=minbase forky "$FORKY" "$m" /usr/share/debootstrap/scripts/sid >>"$LOG" 2>&1 \
      || { tail -20 "$LOG" >&2; exit 1; }
    echo "deb $m forky main" > "$FORKY/etc/apt/sources.list"
    cp /etc/resolv.conf "$FORKY/etc/resolv.conf"
    mount_all
    chroot "$FORKY" env DEBIAN_FRONTEND=noninteractive bash -c "${APT[*]} update && ${APT[*]} install \
      docker.io containerd crane skopeo umoci podman zstd ca-certificates netavark aardvark-dns iptables busybox-static" >>"$LOG" 2>&1 \
      || { tail -20 "$LOG" >&2; exit 1; }
  fi
  mount_all
  # cosign (issue 20: signatures travel), added after the chroot's first build: installed once when absent.
  if [ ! -x "$FORKY/usr/bin/cosign" ]; then
    chroot_install cosign
  fi
  # Go 1.27 with klauspost's compress and pgzip sources (issue 20: the pgzip recipe's reference, a program built
  # against them, test/recipes/go-pgzip/pgzipper.go; and Go 1.27's own compress/flate, a recipe too:
  # test/recipes/go127.test.ts), added later: installed once when absent.
  if [ ! -x "$FORKY/usr/lib/go-1.27/bin/go" ] || [ ! -f "$FORKY/usr/share/gocode/src/github.com/klauspost/pgzip/gzip.go" ]; then
    chroot_install golang-go golang-github-klauspost-compress-dev golang-github-klauspost-pgzip-dev
  fi
  # notation (issue 20: Notation signatures travel), the same way: installed once when absent; with Go and
  # go-containerregistry's source, to build the registry with the OCI 1.1 referrers API the tests use.
  if [ ! -x "$FORKY/usr/bin/notation" ] || [ ! -x "$FORKY/usr/bin/go" ] || [ ! -d "$FORKY/usr/share/gocode/src/github.com/google/go-containerregistry" ]; then
    chroot_install notation golang-go golang-github-google-go-containerregistry-dev
  fi
  # docker-buildx with the docker CLI it plugs into (issue 20: images built by BuildKit, the engine's own through the
  # `docker` driver) and qemu-user (issue 20: the Go reference encoders built for arm64, run under qemu-aarch64),
  # added later: installed once when absent.
  if [ ! -x "$FORKY/usr/libexec/docker/cli-plugins/docker-buildx" ] || [ ! -x "$FORKY/usr/bin/docker" ] || [ ! -x "$FORKY/usr/bin/qemu-aarch64" ]; then
    chroot_install docker-cli docker-buildx qemu-user
  fi
  # Not fatal: without it only the referrers API test skips (and says why).
  STOWAGE_FORKY=$FORKY "$(dirname "$0")/referrers-registry.sh" >>"$LOG" 2>&1 \
    || echo "modern-engine.sh: the referrers registry did not build (see $LOG); its test will skip" >&2
  chroot "$FORKY" bash -c 'echo "dockerd $(dockerd --version | cut -d" " -f3 | tr -d ,), $(skopeo --version), $(podman --version), crane $(dpkg-query -W -f="\${Version}" crane)"' >&2
}

dir_of() { echo "/run/stowage-dk-$1"; }
host_of() { echo "unix://$FORKY$(dir_of "$1")/docker.sock"; }
check_store() { case ${1:-} in classic|containerd) ;; *) echo "modern-engine.sh: store is classic or containerd" >&2; exit 2 ;; esac; }

start() {
  check_store "${1:-}"
  local store=$1 d snap=false
  [ "$store" = containerd ] && snap=true
  [ -x "$FORKY/usr/sbin/dockerd" ] || { echo "modern-engine.sh: no chroot at $FORKY (run: scripts/peers/modern-engine.sh setup)" >&2; exit 1; }
  mount_all
  d=$(dir_of "$store")
  mkdir -p "$FORKY$d" "$FORKY/var/lib/stowage-dk-$store"
  if [ -f "$FORKY$d/docker.pid" ] && kill -0 "$(cat "$FORKY$d/docker.pid")" 2>/dev/null; then host_of "$store"; return; fi
  printf '{"features":{"containerd-snapshotter":%s},"iptables":false,"ip6tables":false,"bridge":"none","ip-masq":false}\n' "$snap" > "$FORKY$d/daemon.json"
  chroot "$FORKY" bash -c "setsid dockerd --config-file $d/daemon.json --host unix://$d/docker.sock --data-root /var/lib/stowage-dk-$store \
    --exec-root $d/exec --pidfile $d/docker.pid >$d/dockerd.log 2>&1 </dev/null &"
  for _ in $(seq 1 160); do
    if curl -fsS --unix-socket "$FORKY$d/docker.sock" http://d/_ping >/dev/null 2>&1; then
      echo "Docker 28.5 ($store store) up on $(host_of "$store")" >&2; host_of "$store"; return
    fi
    sleep 0.25
  done
  tail -5 "$FORKY$d/dockerd.log" >&2; exit 1
}

stop() {
  check_store "${1:-}"
  local d; d=$FORKY$(dir_of "$1")
  [ -f "$d/docker.pid" ] || return 0
  local pid; pid=$(cat "$d/docker.pid"); kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$d/docker.pid"
}

case ${1:-} in
  setup) setup ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  host) check_store "${2:-}"; host_of "$2" ;;
  run) shift; mount_all
    # The working folder too, when the chroot has it (anything under /tmp); else the chroot's root.
    wd=/; [ -d "$FORKY$PWD" ] && wd=$PWD
    chroot "$FORKY" env -C "$wd" "$@" ;;
  teardown) stop classic; stop containerd; umount -R "$FORKY" 2>/dev/null || true ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
