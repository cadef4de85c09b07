#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node:test. Node 20's --test does not expand globs,
// so the files are listed here. Extra arguments are passed to node (for example --test-name-pattern=verify).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
// test-skips.mjs makes the tests of a skipped suite count as skipped; test-summary.mjs prints the closing line.
const here = new URL('.', import.meta.url);
const r = spawnSync(process.execPath, [
  '--import', new URL('test-skips.mjs', here).href,
  '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${new URL('test-summary.mjs', here).href}`, '--test-reporter-destination=stdout',
  ...flags, ...files,
], { stdio: 'inherit' });
process.exit(r.status ?? 1);
