/**
 * `stowage verify` and `stowage inspect` of part files, through the real CLI: one part alone (one line, exit 0 or
 * 1), several parts or a folder (each part, then the set), --json, and the lines and exit codes of bad parts.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PART_OVERHEAD } from '../../src/parts/index.js';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { EXAMPLES } from '../helpers/paths.js';
import { makeSet, rewriteHeader, sha } from './helpers.js';

const PART = 1024;
const PP = PART - PART_OVERHEAD;
const part = (out: string, n: number) => `${out}.${String(n).padStart(3, '0')}`;
const short = (s: string) => `${s.slice(0, 19)}…`;

describe('parts: verify and inspect through the CLI', () => {
  it('verify of one part alone: the line the issue asks for, exit 0; -q prints nothing', async () => {
    const { out, w } = await makeSet({ size: PP * 6 + 100, partSize: PART });
    const r = stowage(['verify', part(out, 3)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${part(out, 3)}: part 3 of 7 of set ${short(w.setId)}, payload bytes ${2 * PP}..${3 * PP - 1}, checksum OK\n`);
    assert.equal(r.stderr, '');
    const q = stowage(['verify', '-q', part(out, 7)]);
    assert.equal(q.status, 0);
    assert.equal(q.stdout, '');
  });

  it('a damaged, truncated or absurd part alone: one line, exit 1', async () => {
    const { out } = await makeSet({ size: PP * 6 + 100, partSize: PART });
    const b = readFileSync(part(out, 3));
    b[128 + 9] ^= 1;
    writeFileSync(part(out, 3), b);
    const r = stowage(['verify', part(out, 3)]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(oneLineError(r), new RegExp(`^stowage: ${part(out, 3)}: damaged \\(sha256 of its payload is sha256:[0-9a-f]{12}…, its trailer says sha256:[0-9a-f]{12}…\\)$`));
    writeFileSync(part(out, 4), readFileSync(part(out, 4)).subarray(0, 700));
    const t = stowage(['verify', part(out, 4)]);
    assert.equal(t.status, 1);
    assert.equal(oneLineError(t), `stowage: ${part(out, 4)}: truncated (700 of 1024 bytes)`);
    rewriteHeader(part(out, 5), (h) => h.writeUInt32BE(70, 48));
    for (const cmd of ['verify', 'inspect']) {
      const a = stowage([cmd, part(out, 5)]);
      assert.equal(a.status, 1, cmd);
      assert.equal(oneLineError(a), `stowage: ${part(out, 5)}: not a valid part header (part 70 of 7)`, cmd);
    }
  });

  it('verify of a folder or of several parts: each part, then the set complete', async () => {
    const { out, dir, w, data } = await makeSet({ size: PP * 2 + 10, partSize: PART });
    const r = stowage(['verify', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [
      `${part(out, 1)}: part 1 of 3 of set ${short(w.setId)}, payload bytes 0..${PP - 1}, checksum OK`,
      `${part(out, 2)}: part 2 of 3 of set ${short(w.setId)}, payload bytes ${PP}..${2 * PP - 1}, checksum OK`,
      `${part(out, 3)}: part 3 of 3 of set ${short(w.setId)}, payload bytes ${2 * PP}..${2 * PP + 9}, checksum OK`,
      `${out}: 3 parts of set ${short(w.setId)}, ${data.length} payload bytes: complete, every checksum OK`,
    ]);
    const j = json(stowage(['verify', '--json', part(out, 3), part(out, 1), part(out, 2)]));
    assert.equal(j.schema, 'stowage.parts/v1');
    assert.equal(j.ok, true);
    assert.equal(j.complete, true);
    assert.equal(j.setId, w.setId);
    assert.deepEqual(j.parts.map((p: { number: number }) => p.number), [3, 1, 2]);
    assert.deepEqual(j.parts.map((p: { payloadDigest: string }) => p.payloadDigest), [
      sha(data.subarray(2 * PP)), sha(data.subarray(0, PP)), sha(data.subarray(PP, 2 * PP)),
    ], 'each part\'s digest is the sha256 of its slice of the payload');
  });

  it('parts missing from a folder: the parts there are listed, the missing ones named by number, exit 1', async () => {
    const { out, dir, w } = await makeSet({ size: PP * 6 + 100, partSize: PART });
    rmSync(part(out, 3));
    rmSync(part(out, 5));
    const r = stowage(['verify', dir]);
    assert.equal(r.status, 1);
    assert.equal(oneLineError(r), `stowage: ${out}: parts 3 and 5 of 7 are missing`);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l.replace(/:.*/, '')), [1, 2, 4, 6, 7].map((n) => part(out, n)));
    const j = stowage(['verify', '--json', dir]);
    assert.equal(j.status, 1);
    const rep = JSON.parse(j.stdout);
    assert.equal(rep.complete, false);
    assert.deepEqual(rep.problems, [`${out}: parts 3 and 5 of 7 are missing`]);
    assert.equal(rep.setId, w.setId);
  });

  it('a part of another bundle among the parts: named, exit 1', async () => {
    const a = await makeSet({ size: PP * 2, partSize: PART });
    const b = await makeSet({ size: PP * 2, partSize: PART });
    const r = stowage(['verify', part(a.out, 1), part(b.out, 2)]);
    assert.equal(r.status, 1);
    // Two parts of two sets, one each: the first given decides.
    assert.match(oneLineError(r), new RegExp(`^stowage: ${a.out}: part 2 of 2 is missing; ${part(b.out, 2)}: from another bundle \\(set ${short(b.w.setId)}, not ${short(a.w.setId)} as the other parts\\)$`));
  });

  it('inspect of a part: the header\'s facts, no payload read; --json', async () => {
    const { out, w, data } = await makeSet({ size: PP * 6 + 100, partSize: PART });
    const b = readFileSync(part(out, 3));
    b[128 + 9] ^= 1; // damaged: inspect does not read the payload, so it does not see it (verify does)
    writeFileSync(part(out, 3), b);
    const r = stowage(['inspect', part(out, 3)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${part(out, 3)}: part 3 of 7 of set ${short(w.setId)}, payload bytes ${2 * PP}..${3 * PP - 1}, header and size OK (the checksum is checked by stowage verify)\n`);
    const j = json(stowage(['inspect', '--json', part(out, 3)]));
    assert.equal(j.schema, 'stowage.parts/v1');
    assert.equal(j.checksums, false);
    assert.equal(j.asSet, false);
    assert.deepEqual(j.parts, [{ file: part(out, 3), ok: true, number: 3, count: 7, setId: w.setId, offset: 2 * PP, length: PP, total: data.length, size: PART }]);
  });

  it('parts one after another on standard input: proved in order; a gap is named by number', async () => {
    const { out, w, data } = await makeSet({ size: PP * 4 + 1, partSize: PART });
    const all = join(out + '-all');
    writeFileSync(all, Buffer.concat([1, 2, 3, 4, 5].map((n) => readFileSync(part(out, n)))));
    const r = await stowagePiped(['verify', '-'], all);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `standard input: 5 parts of set ${short(w.setId)}, ${data.length} payload bytes, in order: complete, every checksum OK\n`);
    const i = await stowagePiped(['inspect', '--json', '-'], all);
    assert.equal(i.status, 0, i.stderr);
    const rep = JSON.parse(i.stdout);
    assert.equal(rep.complete, true);
    assert.deepEqual(rep.parts.map((p: { number: number }) => p.number), [1, 2, 3, 4, 5]);
    const gap = join(out + '-gap');
    writeFileSync(gap, Buffer.concat([1, 2, 4, 5].map((n) => readFileSync(part(out, n)))));
    const g = await stowagePiped(['verify', '-'], gap);
    assert.equal(g.status, 1);
    assert.equal(oneLineError(g), 'stowage: standard input: part 3 of 5 is missing (part 4 came after part 2; on a stream, parts come in order)');
  });

  it('other sources are not taken for parts; several of them are a usage error', () => {
    const two = stowage(['verify', join(EXAMPLES, 'app-1.tar'), join(EXAMPLES, 'app-2.tar')]);
    assert.equal(two.status, 2);
    assert.equal(oneLineError(two), 'stowage: verify takes one source (several only when they are the parts of a part set)');
    assert.equal(stowage(['verify', '-q', join(EXAMPLES, 'app-1.tar')]).status, 0);
    assert.match(stowage(['verify', '--help']).stdout, /stowage verify release\.003/);
    assert.match(stowage(['inspect', '--help']).stdout, /stowage inspect release\.003 --json/);
  });
});
