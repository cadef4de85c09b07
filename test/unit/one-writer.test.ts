/**
 * Images reach a destination one way (docs/DEVELOPING.md, "Adding an op"): an op returns what it made and
 * `produce` (src/ops/produce.ts) writes it through `writeImages`, the pipeline that stages, proves and commits.
 * This fails when any other file of src/ calls the pipeline itself.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/paths.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('one writer', () => {
  it('only produce.ts (and site-write.ts, landing images one by one) call writeImages', () => {
    const src = join(ROOT, 'src');
    const callers = files(src).filter((f) => /\bwriteImages\(/.test(readFileSync(f, 'utf8').replace(/^\s*(\*|\/\/).*$/gm, '')))
      .map((f) => relative(src, f)).sort();
    assert.deepEqual(callers, ['ops/produce.ts', 'ops/site-write.ts', 'transports/dest.ts']);
  });
});
