/**
 * Hostile tar structure (issue 15, defects 2, 4, 10 and 11): chained extension headers, huge PAX sets, negative
 * sizes, paths thousands of directories deep, and streams full of JSON-looking files. Every input is made here,
 * small on disk (gzip of repetitive bytes); each must be refused in one line or handled within 250 MB.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scratch } from '../helpers/paths.js';
import { END, dockerArchive, entry, gz, header, negativeSize, paxRecord, sha, smallLayer } from './craft.js';
import { bounded, measure, refused } from './measure.js';

const tmp = scratch('stowage-hostile-tar-');
let n = 0;
const put = (b: Buffer, ext = '.tar') => {
  const p = join(tmp, `in${++n}${ext}`);
  writeFileSync(p, b);
  return p;
};

/** Every reader over one archive: from the file and from standard input; nothing may stand under an output name. */
async function everyReaderRefuses(archive: string, expect: RegExp): Promise<void> {
  const out = join(tmp, `out${++n}.tar`);
  const runs = [
    { what: 'inspect', r: await measure(['inspect', archive]) },
    { what: 'verify', r: await measure(['verify', archive]) },
    { what: 'export', r: await measure(['export', archive, '-o', out]) },
    { what: 'verify -', r: await measure(['verify', '-'], { stdinFile: archive }) },
    { what: 'export -', r: await measure(['export', '-', '-o', out], { stdinFile: archive }) },
  ];
  for (const { what, r } of runs) {
    bounded(r, what);
    // inspect reads no layer bytes, and verify proves digests, not tar structure (the DiffID of these layers is
    // right): their part is to stay bounded. export reads every entry.
    if ((what === 'inspect' || what.startsWith('verify')) && r.status === 0) continue;
    assert.match(refused(r), expect, `${what}: ${r.stderr}`);
  }
  assert.equal(existsSync(out), false, 'no output under the final name');
}

describe('tar extension headers are bounded (defect 2)', () => {
  it('chained GNU long-name records before one entry: refused in one line, within 250 MB', async () => {
    const big = Buffer.alloc((1 << 20) - 1024, 'n'); // each record under the 1 MiB per-record limit
    const parts: Buffer[] = [];
    for (let i = 0; i < 40; i++) parts.push(entry({ name: '././@LongLink', typeflag: 'L' }, big));
    parts.push(entry({ name: 'x' }, 'x'), END);
    const tar = Buffer.concat(parts);
    const archive = put(dockerArchive([{ tar, stored: gz(tar) }]));
    assert.ok(statSync(archive).size < 2 << 20, 'the input is small');
    await everyReaderRefuses(archive, /extension|name/);
  });

  it('many PAX records of distinct keys: refused, not quadratic', async () => {
    const parts: Buffer[] = [];
    const value = 'v'.repeat(256 << 10);
    for (let i = 0; i < 64; i++) parts.push(entry({ name: 'PaxHeaders/x', typeflag: 'x' }, paxRecord(`SCHILY.xattr.user.k${i}`, value)));
    parts.push(entry({ name: 'x' }, 'x'), END);
    const tar = Buffer.concat(parts);
    const archive = put(dockerArchive([{ tar, stored: gz(tar) }]));
    await everyReaderRefuses(archive, /extension|PAX/);
  });

  it('a 1 MiB PAX header of tiny records (a huge record count) is refused', async () => {
    let body = '';
    for (let i = 0; body.length < (1 << 20) - 64; i++) body += paxRecord(`k${i}`, '');
    const tar = Buffer.concat([entry({ name: 'PaxHeaders/x', typeflag: 'x' }, body), entry({ name: 'x' }, 'x'), END]);
    const archive = put(dockerArchive([{ tar, stored: gz(tar) }]));
    await everyReaderRefuses(archive, /PAX/);
  });

  it('a global PAX header applied to every entry cannot multiply work: the same record limit holds', async () => {
    let body = '';
    for (let i = 0; body.length < 900 << 10; i++) body += paxRecord(`k${i}`, '');
    const files: Buffer[] = [];
    for (let i = 0; i < 2000; i++) files.push(entry({ name: `f${i}` }, ''));
    const tar = Buffer.concat([entry({ name: 'pax_global_header', typeflag: 'g' }, body), ...files, END]);
    const archive = put(dockerArchive([{ tar, stored: gz(tar) }]));
    await everyReaderRefuses(archive, /PAX/);
  });

  it('a name or link name over 4096 bytes is refused; one just under is exported as is', async () => {
    const long = 'd/'.repeat(2100) + 'f';
    const tar = Buffer.concat([entry({ name: '././@LongLink', typeflag: 'L' }, long + '\0'), entry({ name: 'x' }, 'x'), END]);
    await everyReaderRefuses(put(dockerArchive([{ tar, stored: gz(tar) }])), /4096/);
    const link = Buffer.concat([entry({ name: '././@LongLink', typeflag: 'K' }, long + '\0'), header({ name: 'l', typeflag: '2' }), END]);
    await everyReaderRefuses(put(dockerArchive([{ tar: link }])), /4096/);

    const ok = 'd/'.repeat(2000) + 'f'; // 4001 bytes
    const good = Buffer.concat([entry({ name: '././@LongLink', typeflag: 'L' }, ok + '\0'), entry({ name: 'x' }, 'x'), END]);
    const out = join(tmp, `deep-ok${++n}.tar`);
    const r = await measure(['export', put(dockerArchive([{ tar: good }])), '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    bounded(r, 'export of a 2000-deep path');
    assert.ok(statSync(out).size < 32 << 20, `2000 implied directories stay small: ${statSync(out).size} bytes`);
  });
});

describe('amplification: depth (defect 10)', () => {
  it('one file 20,000 directories deep in a small archive is refused, not exported as 426 MB', async () => {
    const deep = 'a/'.repeat(20000) + 'f';
    const tar = Buffer.concat([entry({ name: 'PaxHeaders/x', typeflag: 'x' }, paxRecord('path', deep)), entry({ name: 'x' }, 'x'), END]);
    const archive = put(dockerArchive([{ tar, stored: gz(tar) }]));
    assert.ok(statSync(archive).size < 20 << 10);
    await everyReaderRefuses(archive, /4096/);
  });
});

describe('negative sizes (defect 11)', () => {
  it('a base-256 negative size in the archive itself is refused by every reader', async () => {
    const img = dockerArchive([smallLayer()]);
    // A stray entry of size -2 before manifest.json: GNU tar refuses the archive.
    const bad = Buffer.concat([header({ name: 'evil', sizeField: negativeSize(-2) }), img]);
    const archive = put(bad);
    for (const args of [['inspect', archive], ['verify', archive]]) {
      const r = await measure(args);
      assert.match(refused(r), /negative size/, r.stderr);
    }
    const r = await measure(['inspect', '-'], { stdinFile: archive });
    assert.match(refused(r), /negative size/, r.stderr);
  });

  it('a negative size inside a layer is refused by verify and export', async () => {
    const tar = Buffer.concat([header({ name: 'evil', sizeField: negativeSize(-2) }), entry({ name: 'x' }, 'x'), END]);
    await everyReaderRefuses(put(dockerArchive([{ tar }])), /negative size/);
  });
});

describe('the one-pass reader holds a bounded amount in memory (defect 4)', () => {
  it('a .tar.gz of many 16 MiB JSON-looking entries: inspect and verify - stay under 250 MB', async () => {
    const img = dockerArchive([smallLayer()]);
    const filler: Buffer[] = [];
    const body = Buffer.alloc((16 << 20) - 1024, 0x20);
    body[0] = 0x7b; // {
    body[body.length - 1] = 0x7d; // }
    const one = entry({ name: 'junk-0.json' }, body);
    // 18 of them: 288 MiB kept whole would be over the bound by themselves.
    for (let i = 0; i < 18; i++) {
      const h = header({ name: `junk-${i}.json`, size: body.length });
      filler.push(Buffer.concat([h, one.subarray(512)]));
    }
    // The junk comes first, so the reader must pass it all before it meets manifest.json.
    const tar = Buffer.concat([...filler, img]);
    const archive = put(gz(tar), '.tar.gz');
    assert.ok(statSync(archive).size < 4 << 20, `small: ${statSync(archive).size}`);
    for (const [args, stdin] of [[['inspect', archive]], [['verify', archive]], [['inspect', '-'], archive], [['verify', '-'], archive]] as [string[], string?][]) {
      const r = await measure(args, stdin ? { stdinFile: stdin, gunzip: true } : {});
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      bounded(r, args.join(' '));
      assert.match(r.stdout, /hostile\/image:1/);
    }
  });
});

// Keep the helpers honest: the crafted size field really is negative, as GNU tar would read it.
describe('crafting helpers', () => {
  it('negativeSize writes a base-256 two\'s complement field', () => {
    const f = negativeSize(-2);
    assert.equal(f[0], 0xff);
    assert.equal(f.readBigInt64BE(4), -2n);
    assert.equal(sha(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
