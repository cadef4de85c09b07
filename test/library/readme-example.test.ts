/**
 * The README's library example is examples/library.mjs, byte for byte, and it runs: the identities it prints are
 * the ones computed here from the archive's own bytes (GNU tar reads it), and the layout it writes verifies.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, scratch } from '../helpers/paths.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('the README library example', () => {
  it('is examples/library.mjs as it is', () => {
    const file = readFileSync(join(ROOT, 'examples/library.mjs'), 'utf8');
    assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes('```js\n' + file + '```'), 'README shows examples/library.mjs verbatim');
  });

  it('runs, printing the image ID and DiffIDs the archive holds, and a layout that verifies', () => {
    const out = join(scratch('stowage-readme-lib-'), 'layout');
    const text = execFileSync(process.execPath, ['examples/library.mjs', out], { cwd: ROOT }).toString();
    const archive = join(ROOT, 'examples/app-2.tar');
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json']).toString());
    const config = execFileSync('tar', ['-xOf', archive, manifest[0].Config], { maxBuffer: 1 << 26 });
    assert.match(text, new RegExp(`ID ${sha(config)}, 3 layers`));
    for (const d of JSON.parse(config.toString()).rootfs.diff_ids as string[]) assert.match(text, new RegExp(`DiffID ${d}`));
    assert.match(text, /verify: OK/);
  });
});
