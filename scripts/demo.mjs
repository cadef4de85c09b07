#!/usr/bin/env node
// The quick-start demo: runs stowage on the bundled example images (real `docker save` archives of
// stowage-example/app:1 and app:2, app:2 built on app:1, made by scripts/make-examples.sh with dockerd 20.10),
// printing each command before its output. Needs no Docker engine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'stowage-demo-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));

function step(args, note) {
  if (note) console.log(`\n# ${note}`);
  console.log(`$ stowage ${args.join(' ').replaceAll(out, '$OUT')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STOWAGE_NO_PROGRESS: '1' } });
  process.stdout.write(r.stdout.toString().replaceAll(out, '$OUT'));
  process.stdout.write(r.stderr.toString().replaceAll(out, '$OUT'));
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const delta = join(out, 'app-2.delta.tar');
step(['delta', 'examples/app-2.tar', '--base', 'examples/app-1.tar', '-o', delta],
  'Ship only what the target lacks: app:2 for a machine that already has app:1');
console.log(`(full docker save of app:2: ${statSync('examples/app-2.tar').size} bytes; the delta: ${statSync(delta).size} bytes)`);
step(['have', 'examples/app-1.tar', '-o', join(out, 'have.json')],
  'On the target: record what it holds (or just run `docker image inspect app:1 > have.json` there)');
step(['check', delta, '--have', join(out, 'have.json')], 'Before loading: will a plain `docker load -i` succeed there?');
step(['apply', delta, '--base', 'examples/app-1.tar', '-o', join(out, 'app-2.full.tar')],
  'For engines that need every layer (containerd store, podman, registries): rebuild the full image');
step(['verify', join(out, 'app-2.full.tar')], 'Re-hash every layer and prove every digest');
step(['inspect', '--no-explain', 'examples/app-2.tar'], 'Every identity of the image (without --no-explain, each is explained)');
