/**
 * A bundle on media (issue 21, item 3): `bundle --part-size` writes numbered parts, none over the size; `apply` takes
 * them shuffled across folders, names the missing and the damaged by number before it writes anything, takes them
 * on standard input one after another, and refuses a first part whose index was altered and re-checksummed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { CLI, scratch } from '../helpers/paths.js';
import { APPS, archivesOf, buildRelease, type ReleaseImage } from '../helpers/release.js';

const tmp = scratch('stowage-bundle-parts-');
let rel: Map<string, ReleaseImage>;
let site: string;
let parts: string[];
const PART = 8_000;
const ok = (args: string[]) => {
  const r = stowage(args);
  assert.equal(r.status, 0, `stowage ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const ids = (src: string) => new Set(json(ok(['inspect', src, '--json'])).images.map((i: { imageId: string }) => i.imageId));
const fresh = (name: string) => {
  const d = join(tmp, name);
  cpSync(site, d, { recursive: true });
  return d;
};

before(async () => {
  rel = await buildRelease(join(tmp, 'release'));
  site = join(tmp, 'site-v1');
  for (const a of APPS) ok(['copy', rel.get(`${a}:1`)!.archive, `oci:${site}:${a}-1`, '-q']);
  ok(['have', `oci:${site}`, '-o', join(tmp, 'have.json'), '-q']);
  // Sites at v1 and at v2: each app layer ships as two patches (one per release); parts of 8 kB make several.
  ok(['have', ...archivesOf(rel, 2), '-o', join(tmp, 'have-v2.json'), '-q']);
  mkdirSync(join(tmp, 'out'));
  const r = json(ok(['bundle', ...archivesOf(rel, 3), '--site', join(tmp, 'have.json'), '--site', join(tmp, 'have-v2.json'),
    ...[1, 2].flatMap((v) => archivesOf(rel, v as 1 | 2).flatMap((a) => ['--base', a])), '-o', join(tmp, 'out/r3'), '--part-size', '8kB', '--json']));
  parts = r.parts;
});

describe('a bundle in parts', () => {
  it('writes numbered parts none over the size, each verifiable alone', () => {
    assert.ok(parts.length >= 5, `${parts.length} parts`);
    assert.deepEqual(parts, parts.map((_, i) => join(tmp, 'out', `r3.${String(i + 1).padStart(3, '0')}`)));
    for (const p of parts) assert.ok(statSync(p).size <= PART, `${p}: ${statSync(p).size} bytes`);
    assert.match(ok(['verify', parts[2]!]).stdout, new RegExp(`part 3 of ${parts.length} of set sha256:`));
  });

  it('shuffled across two folders: every image arrives; a missing part is named, then supplied', () => {
    const a = join(tmp, 'disc1'), b = join(tmp, 'disc2');
    mkdirSync(a);
    mkdirSync(b);
    parts.forEach((p, i) => cpSync(p, join(i % 2 ? a : b, p.split('/').pop()!)));
    const dest = fresh('dest-shuffled');
    const before = readFileSync(join(dest, 'index.json'));
    const missing = stowage(['apply', a, '-o', `oci:${dest}`]);
    assert.equal(missing.status, 1);
    assert.match(oneLineError(missing), /parts? [\d, -and]+ of \d+ (is|are) missing/);
    assert.deepEqual(readFileSync(join(dest, 'index.json')), before, 'nothing written');
    ok(['apply', b, a, '-o', `oci:${dest}`, '-q']);
    const got = ids(`oci:${dest}`);
    for (const app of APPS) assert.ok(got.has(rel.get(`${app}:3`)!.imageId), app);
    ok(['verify', `oci:${dest}`, '-q']);
  });

  it('a damaged part is named by number before anything is written; replaced, the apply completes', () => {
    const d = join(tmp, 'damaged');
    cpSync(join(tmp, 'out'), d, { recursive: true });
    const victim = join(d, 'r3.003');
    const bytes = readFileSync(victim);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(victim, bytes);
    const dest = fresh('dest-damaged');
    const before = readFileSync(join(dest, 'index.json'));
    const r = stowage(['apply', d, '-o', `oci:${dest}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /r3\.003.*damaged/);
    assert.deepEqual(readFileSync(join(dest, 'index.json')), before);
    cpSync(parts[2]!, victim);
    ok(['apply', d, '-o', `oci:${dest}`, '-q']);
    for (const app of APPS) assert.ok(ids(`oci:${dest}`).has(rel.get(`${app}:3`)!.imageId));
  });

  it('parts one after another on standard input', () => {
    const dest = fresh('dest-stdin');
    const out = execFileSync('sh', ['-c', `cat "$@" | ${process.execPath} ${CLI} apply - -o oci:${dest} -q && echo done`, 'sh', ...parts]).toString();
    assert.match(out, /done/);
    for (const app of APPS) assert.ok(ids(`oci:${dest}`).has(rel.get(`${app}:3`)!.imageId));
  });

  it('a first part whose index was altered and re-checksummed: refused, naming the parts', () => {
    const d = join(tmp, 'altered');
    cpSync(join(tmp, 'out'), d, { recursive: true });
    const first = join(d, 'r3.001');
    const b = readFileSync(first);
    // The index is the first entry of the payload (after the 128-byte part header and a 512-byte tar header).
    const at = b.indexOf(Buffer.from('"created"'));
    b.write('"creat\u0065d"', at); // the same bytes: then alter a digit of the date instead
    const date = b.indexOf(Buffer.from('T'), at);
    b[date - 1] = b[date - 1] === 0x31 ? 0x32 : 0x31;
    // Re-checksum the part as an attacker would: the payload hash in the trailer (see docs/parts-format.md).
    const payload = b.subarray(128, b.length - 80);
    createHash('sha256').update(payload).digest().copy(b, b.length - 80 + 16);
    writeFileSync(first, b);
    assert.equal(stowage(['verify', first]).status, 0, 'the altered part passes alone');
    const dest = fresh('dest-altered');
    const r = stowage(['apply', d, '-o', `oci:${dest}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /not the one the parts were written for/);
  });

  it('a foreign part (another bundle\'s) among them is named', () => {
    const other = join(tmp, 'other');
    mkdirSync(other);
    ok(['bundle', archivesOf(rel, 2)[0]!, '--site', join(tmp, 'have.json'), '-o', join(other, 'r3'), '--part-size', '8kB', '-q']);
    const d = join(tmp, 'mixed');
    cpSync(join(tmp, 'out'), d, { recursive: true });
    renameSync(join(other, 'r3.001'), join(d, 'r3.002'));
    const r = stowage(['apply', d, '-o', `oci:${fresh('dest-mixed')}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /r3\.002/);
    void readdirSync;
  });
});
