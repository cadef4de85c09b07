#!/usr/bin/env bash
# Regenerates the bundled example images in examples/ with a real Docker engine (the private dockerd of
# scripts/peers/start-dockerd.sh): a small base made by `docker import`, and an app built on it by `docker build`
# (legacy builder), each saved with `docker save`. The README's outputs come from these files; the quick start
# needs no Docker because they are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/peers/env.sh
export DOCKER_HOST=$STOWAGE_DOCKER_HOST DOCKER_BUILDKIT=0
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/root/etc" "$W/root/usr/share/doc/base" "$W/ctx"
printf 'NAME="stowage example base"\nVERSION_ID="1"\n' > "$W/root/etc/os-release"
# About 300 kB of deterministic text, standing in for the bulk of a base image.
for i in $(seq 1 4000); do echo "line $i of the example base image; the delta leaves this layer out"; done > "$W/root/usr/share/doc/base/manual.txt"
find "$W/root" -exec touch -h -d @0 {} +
tar --numeric-owner --owner=0 --group=0 --sort=name -C "$W/root" -c . | docker import -m "example base" - stowage-example/base:1 >/dev/null
printf 'greeting = "hello from app v1"\n' > "$W/ctx/app.conf"; touch -d @0 "$W/ctx/app.conf"
printf 'FROM stowage-example/base:1\nCOPY app.conf /etc/app.conf\nENV APP_MODE=production\nLABEL org.example.app=demo\nCMD ["/bin/app"]\n' > "$W/ctx/Dockerfile.1"
docker build -q -t stowage-example/app:1 -f "$W/ctx/Dockerfile.1" "$W/ctx" >/dev/null
printf 'greeting = "hello from app v2"\n' > "$W/ctx/app.conf"; touch -d @0 "$W/ctx/app.conf"
printf 'FROM stowage-example/app:1\nCOPY app.conf /etc/app.conf\nLABEL org.example.version=2\n' > "$W/ctx/Dockerfile.2"
docker build -q -t stowage-example/app:2 -f "$W/ctx/Dockerfile.2" "$W/ctx" >/dev/null
docker save -o examples/app-1.tar stowage-example/app:1
docker save -o examples/app-2.tar stowage-example/app:2
ls -l examples/*.tar
