#!/usr/bin/env node
// The quick-start demo: runs stowage on the bundled example images (real `docker save` archives from
// scripts/make-examples.sh), printing each command before its output. Needs no Docker engine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'stowage-demo-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));

function step(args, note) {
  if (note) console.log(`\n# ${note}`);
  console.log(`$ stowage ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env: { ...process.env, STOWAGE_NO_PROGRESS: '1' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

step(['inspect', 'examples/app-2.tar'], 'Every identity of the example image, each explained');
step(['verify', 'examples/app-2.tar'], 'Re-hash every layer and prove every digest');
