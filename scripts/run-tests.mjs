#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node:test. Node 20's --test does not expand globs,
// so the files are listed here. Extra arguments are passed to node (for example --test-name-pattern=verify).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
let files = find('dist/test').sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
// One file at a time: the end-to-end tests share one Docker engine and must not race each other.
// The tests' private Docker engine (scripts/peers/start-dockerd.sh): what it holds before the run is what it holds
// after; images and tags the tests made are removed, so runs do not pile images up in the peers' folder.
const dockerHost = process.env.STOWAGE_DOCKER_HOST ?? `unix://${process.env.STOWAGE_PEERS ?? '/tmp/stowage-peers'}/docker/docker.sock`;
function engine(args) {
  const r = spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : undefined;
}
const listIds = () => engine(['images', '-aq', '--no-trunc']);
const listTags = () => engine(['images', '--format', '{{.Repository}}:{{.Tag}}'])?.filter((t) => !t.includes('<none>'));
const engineBefore = existsSync(dockerHost.replace(/^unix:\/\//, '')) && process.env.STOWAGE_KEEP_TEST_IMAGES === undefined
  ? { ids: new Set(listIds() ?? []), tags: new Set(listTags() ?? []) }
  : undefined;

// Another run on the same engine (a second checkout, a helper) makes images too: each run leaves a marker, and a run
// that saw another live one, when it started or when it ends, leaves the engine as it is rather than delete images
// the other run is using. A run that started and ended inside this one left its images; this one removes them.
const runsDir = join(process.env.STOWAGE_PEERS ?? '/tmp/stowage-peers', 'test-runs');
const marker = join(runsDir, String(process.pid));
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
// A run started by a test of another run (its ancestor) is part of that run, not another one.
const ancestors = new Set();
for (let pid = process.ppid, n = 0; pid > 1 && n < 64; n++) {
  ancestors.add(pid);
  try {
    pid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
  } catch {
    break;
  }
}
const othersLive = () => {
  try {
    return readdirSync(runsDir).map(Number).filter((pid) => pid !== process.pid && !ancestors.has(pid) && pid > 0 && alive(pid));
  } catch {
    return [];
  }
};
let sharedAtStart = [];
if (engineBefore) {
  try {
    mkdirSync(runsDir, { recursive: true });
    writeFileSync(marker, '');
    sharedAtStart = othersLive();
  } catch { /* no marker: cleaning as before */ }
}

function cleanEngine() {
  if (!engineBefore) return;
  try { rmSync(marker, { force: true }); } catch { /* gone */ }
  const shared = [...new Set([...sharedAtStart, ...othersLive()])];
  if (shared.length) {
    process.stderr.write(`engine: another test run (pid ${shared.join(', ')}) shares it: the images the tests made are left in the engine (run the tests alone to have them removed)\n`);
    return;
  }
  const made = () => [...new Set(listIds() ?? [])].filter((id) => !engineBefore.ids.has(id));
  const madeIds = made().length;
  const tags = (listTags() ?? []).filter((t) => !engineBefore.tags.has(t));
  if (tags.length) engine(['rmi', '--no-prune', ...tags]);
  // Children before parents: a few passes, each removing what nothing depends on any more.
  for (let pass = 0; pass < 5; pass++) {
    const ids = made();
    if (!ids.length) break;
    for (const id of ids) engine(['rmi', id]);
  }
  const left = made().length;
  const removed = madeIds - left;
  process.stderr.write(`engine: removed ${tags.length} tags and ${removed} images the tests made${left ? `; ${left} could not be removed` : ''} (STOWAGE_KEEP_TEST_IMAGES=1 keeps them)\n`);
}

// test-skips.mjs makes the tests of a skipped suite count as skipped; test-summary.mjs prints the closing line.
const here = new URL('.', import.meta.url);
const r = spawnSync(process.execPath, [
  '--import', new URL('test-skips.mjs', here).href,
  '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${new URL('test-summary.mjs', here).href}`, '--test-reporter-destination=stdout',
  ...flags, ...files,
], { stdio: 'inherit' });
cleanEngine();
process.exit(r.status ?? 1);
