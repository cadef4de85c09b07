#!/usr/bin/env bash
# Issue 10's figure: what `stowage have` costs on the containerd image store, where the Engine API names no layer
# blobs and each image's stored manifest is read from its export (GET /images/{name}/get, stopped once the manifest
# has gone by), side by side with the limit: a full export of the same image (what `docker save` streams), and with
# `stowage have` on the classic store (DiffIDs from the image inspect alone). The image is bench/data/big.tar
# (4 layers, 2.28 GB), loaded into Docker 28.5 of scripts/peers/modern-engine.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f dist/src/cli/main.js ] || npm run build --silent
BIG=bench/data/big.tar
[ -f $BIG ] || { mkdir -p bench/data; node dist/bench/make-dataset.js $BIG 2.2; }
CT=$(scripts/peers/modern-engine.sh start containerd)
CL=$(scripts/peers/modern-engine.sh start classic)
NAME=$(tar -xOf $BIG manifest.json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['RepoTags'][0])")
for h in "$CT" "$CL"; do DOCKER_HOST=$h docker image inspect "$NAME" >/dev/null 2>&1 || DOCKER_HOST=$h docker load -q -i $BIG >/dev/null; done
SOCK=${CT#unix://}
read -r _ t_exp r_exp < <(measure export 3 "curl -fsS --unix-socket $SOCK 'http://d/images/get?names=$NAME' > /dev/null")
read -r _ t_ct r_ct < <(measure have-containerd 3 "DOCKER_HOST=$CT $STOWAGE have docker-daemon:$NAME -o /dev/null -q")
read -r _ t_dr r_dr < <(measure have-dataroot 3 "DOCKER_HOST=$CT $STOWAGE have docker-daemon:$NAME --data-root /opt/stowage-forky/var/lib/stowage-dk-containerd -o /dev/null -q")
read -r _ t_cl r_cl < <(measure have-classic 3 "DOCKER_HOST=$CL $STOWAGE have docker-daemon:$NAME -o /dev/null -q")
# Where the manifest sorts among the blobs decides how much of the export streams past before it.
BEFORE=$(DOCKER_HOST=$CT $STOWAGE inspect --json docker-daemon:$NAME | python3 -c "
import json,sys; i=json.load(sys.stdin)['images'][0]; m=i['manifest']['digest']
print(sum(l['blob']['size'] for l in i['layers'] if l['blob']['digest'] < m))")
cat <<MD
| work (one 2.28 GB image, 4 layers) | time | peak RSS | ratio |
|---|---|---|---|
| full export of the image from the containerd store (curl /images/get > /dev/null) | ${t_exp} s | | 1.00 |
| stowage have, containerd store, through the API (reads the export up to the manifest: $(python3 -c "print(f'{$BEFORE/1e9:.2f}')") GB of layers sort before it here) | ${t_ct} s | ${r_ct} MB | $(ratio $t_ct $t_exp) of the export |
| stowage have, containerd store, manifest read from the content store (--data-root) | ${t_dr} s | ${r_dr} MB | $(ratio $t_dr $t_exp) of the export |
| stowage have, classic store (image inspect only) | ${t_cl} s | ${r_cl} MB | |
MD
