/**
 * Patch deltas (`delta --patch`, `apply`, `inspect`, `verify`, `check`) under hostile and unusual input (issue 24):
 * two patched layers rebuilt at once from one base layer into an OCI layout, a base layer of a million entries, an
 * index whose layer list disagrees with the config or breaks its schema, blobs the index does not name, sizes out of
 * range, have files that never end or are not JSON, standard output that goes away or fills, a full temporary
 * folder. Every input is made by the test; each failure is one line naming the input, exit 1, nothing written.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeTar } from '../helpers/build-layer.js';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { CLI, scratch } from '../helpers/paths.js';
import { dockerArchive, entry, sha } from './craft.js';
import { measure } from './measure.js';
import { deltaEntries, withIndex } from '../helpers/delta-edit.js';
import { layerOf, manyEntryArchive, text } from './patch-craft.js';

const dir = scratch('stowage-hostile-patch-');
const p = (n: string) => join(dir, n);

/** Files of a base layer, and two target layers that each change them a little (both patch against the base). */
const baseFiles: Record<string, string | Buffer> = {};
const changed = (mark: string) => Object.fromEntries(Object.entries(baseFiles).map(([k, v]) => {
  if (typeof v === 'string') return [k, v.replace('line 7 ', `line ${mark} `)];
  const b = Buffer.from(v);
  b[1000] ^= mark.length;
  return [k, b];
}));

let target: { diffIds: string[]; imageId: string };

before(() => {
  for (let i = 0; i < 200; i++) baseFiles[`etc/conf-${i}`] = text(`conf${i}`, 300);
  baseFiles['usr/lib/big.bin'] = randomBytes(3 << 20);
  writeFileSync(p('base.tar'), dockerArchive([{ tar: layerOf(baseFiles) }], { tag: 'hostile/patch-base:1' }));
  const layers = [{ tar: layerOf(changed('seven')) }, { tar: layerOf(changed('SEVEN')) }];
  writeFileSync(p('target.tar'), dockerArchive(layers, { tag: 'hostile/patch-target:1' }));
  target = { diffIds: layers.map((l) => sha(l.tar)), imageId: '' };
  const r = json(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('d.patch'), '--json']));
  assert.deepEqual(r.layers.map((l: any) => l.how), ['patch', 'patch'], 'both target layers are patches against the one base layer');
  target.imageId = r.images[0].imageId;
});

describe('class 1: two patched layers against one base layer, into an OCI layout', () => {
  it('rebuilds them every time, into a new and into an existing layout, and the layout verifies', () => {
    // Before the fix 9 runs in 10 failed ("corrupt patch data"): the layout writer rebuilds layers at once, and they
    // shared one read window of the base file whose offset moved before its bytes did.
    for (let run = 0; run < 4; run++) {
      const out = p(`layout-${run}`);
      const r = stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', `oci:${out}:new`]);
      assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
      const v = stowage(['verify', `oci:${out}`]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const again = stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', `oci:${out}:again`]);
      assert.equal(again.status, 0, `run ${run}, existing layout: ${again.stderr}`);
    }
    const ins = json(stowage(['inspect', `oci:${p('layout-0')}:new`, '--json']));
    assert.deepEqual(ins.images[0].layers.map((l: any) => l.diffId), target.diffIds);
  });

  it('a patch that does not rebuild leaves an existing layout as it was (no config or layer blob behind)', async () => {
    const layout = p('existing-layout');
    assert.equal(stowage(['copy', p('base.tar'), `oci:${layout}:base`]).status, 0);
    const before = readdirSync(join(layout, 'blobs/sha256')).sort();
    const indexBefore = readFileSync(join(layout, 'index.json'), 'utf8');
    const entries = deltaEntries(p('d.patch'));
    const index = JSON.parse(entries[0]!.data.toString());
    const l = index.layers[1];
    const i = entries.findIndex((e) => e.name === `blobs/sha256/${l.patch.digest.slice(7)}`);
    const bad = Buffer.from(entries[i]!.data);
    for (let k = 0; k < 64; k++) bad[bad.length - 200 + 3 * k] ^= 0x55; // the end of its last frame
    l.patch.digest = sha(bad);
    l.patch.size = bad.length;
    entries[i] = { name: `blobs/sha256/${l.patch.digest.slice(7)}`, data: bad };
    entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
    await writeTar(p('bad-second.patch'), entries);
    refused(['apply', p('bad-second.patch'), '--base', p('base.tar'), '-o', `oci:${layout}:new`], /the patch of layer sha256:[0-9a-f]{64}: corrupt patch|rebuilds sha256/);
    assert.deepEqual(readdirSync(join(layout, 'blobs/sha256')).sort(), before, 'no blob left behind');
    assert.equal(readFileSync(join(layout, 'index.json'), 'utf8'), indexBefore);
  });

  it('a write failure into the layout is reported as a write failure, not as a corrupt patch', { skip: canUnshare() ? false : 'needs root and unshare -m with mount (a private mount namespace for a small tmpfs); run as root in CI' }, () => {
    const mnt = p('full-mnt');
    mkdirSync(mnt, { recursive: true });
    const script = `mount -t tmpfs -o size=128k tmpfs "$MNT" || exit 99; "$NODE" "$CLI" apply "$D" --base "$B" -o "oci:$MNT/layout:t"`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { env: { ...process.env, STOWAGE_NO_PROGRESS: '1', MNT: mnt, NODE: process.execPath, CLI, D: p('d.patch'), B: p('base.tar') } });
    assert.notEqual(r.status, 99, 'mount failed');
    const line = oneLineError({ status: r.status ?? -1, stdout: '', stderr: r.stderr.toString() });
    assert.equal(r.status, 1, line);
    assert.match(line, /no space left/);
    assert.doesNotMatch(line, /corrupt|patch data|rebuilds/, 'the delta is not blamed');
  });
});

describe('class 2: a base layer of a million entries', () => {
  it('delta --patch and apply work, memory bounded', async () => {
    const files = (v: string) => ({ 'etc/app.conf': `version=${v}\n` + text('app', 3000), 'bin/tool': text(`tool${v}`, 5000) });
    manyEntryArchive(p('million-base.tar'), 1_000_000, files('1'), 'hostile/million-base:1');
    const t = manyEntryArchive(p('million-target.tar'), 3000, files('2'), 'hostile/million-target:1');
    const d = await measure(['delta', p('million-target.tar'), '--base', p('million-base.tar'), '--patch', '-o', p('million.patch'), '--json'], { timeoutMs: 120_000 });
    assert.equal(d.status, 0, d.stderr);
    assert.equal(JSON.parse(d.stdout).layers[0].how, 'patch');
    const a = await measure(['apply', p('million.patch'), '--base', p('million-base.tar'), '-o', p('million-out.tar'), '--json'], { timeoutMs: 120_000 });
    assert.equal(a.status, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).images[0].imageId, t.imageId);
    // Measured at a million entries: delta about 350 MB (names and content hashes of every base entry), apply about
    // 125 MB (offsets in typed columns). The bounds leave room and would catch an object per entry in apply.
    assert.ok(a.rssMB < 250, `apply: ${a.rssMB} MB`);
    assert.ok(d.rssMB < 600, `delta: ${d.rssMB} MB`);
  });
});

function canUnshare(): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
}


/** Runs a command that must refuse the delta: exit 1, one line matching `pattern`, nothing under `out`. */
function refused(args: string[], pattern: RegExp, out?: string): string {
  const r = stowage(args);
  const line = oneLineError(r);
  assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  assert.match(line, pattern, args.join(' '));
  if (out) assert.equal(existsSync(out), false, `nothing under ${out}`);
  return line;
}

/** apply (nothing written), inspect and verify of a crafted delta all refuse it the same way. */
function refusedEverywhere(delta: string, pattern: RegExp): void {
  const out = `${delta}.out.tar`;
  refused(['apply', delta, '--base', p('base.tar'), '-o', out], pattern, out);
  refused(['apply', delta, '--base', p('base.tar'), '-o', `oci:${delta}.layout`], pattern, `${delta}.layout`);
  refused(['inspect', delta], pattern);
  refused(['verify', delta], pattern);
}

let crafted = 0;
async function craft(edit: (index: any) => void, extra: { name: string; data: Buffer }[] = []): Promise<string> {
  const out = p(`crafted-${++crafted}.patch`);
  await withIndex(p('d.patch'), out, edit, extra);
  return out;
}

describe('class 3: the config\'s rootfs.diff_ids is the authority on an image\'s layers', () => {
  it('refuses an index whose layer list is reversed, cut short or repeated: one line, nothing written', async () => {
    const edits: [string, (l: string[]) => string[]][] = [
      ['reversed', (l) => [...l].reverse()],
      ['truncated', (l) => l.slice(0, 1)],
      ['repeated', (l) => [l[0]!, l[0]!]],
    ];
    for (const [what, edit] of edits) {
      const d = await craft((i) => { i.images[0].layers = edit(i.images[0].layers); });
      refusedEverywhere(d, /stowage-patch\.json|config's rootfs\.diff_ids/);
      assert.doesNotMatch(stowage(['inspect', d]).stderr, /internal error/, what);
    }
    // Cut short with a consistent chain: the ChainIDs agree, only the config can tell.
    const cut = await craft((i) => { i.images[0].layers = i.images[0].layers.slice(0, 1); });
    refused(['apply', cut, '--base', p('base.tar'), '-o', p('cut.tar')], /the layers stowage-patch\.json lists for hostile\/patch-target:1 \(1\) are not the ones its config's rootfs\.diff_ids names \(2, in order\); refused/, p('cut.tar'));
    const rev = await craft((i) => { i.images[0].layers.reverse(); });
    refused(['apply', rev, '--base', p('base.tar'), '-o', p('rev.tar')], /images\[0\]\.layers\[0\] is sha256:[0-9a-f]{64}, but the layers below it make ChainID/, p('rev.tar'));
  });
});

describe('class 4: every index field validated against the schema before use', () => {
  const cases: [string, (i: any) => void, RegExp][] = [
    ['madeAgainst missing', (i) => { delete i.madeAgainst; }, /madeAgainst must be an array, not missing/],
    ['madeAgainst null', (i) => { i.madeAgainst = null; }, /madeAgainst must be an array, not null/],
    ['madeAgainst a string', (i) => { i.madeAgainst = 'base.tar'; }, /madeAgainst must be an array, not "base\.tar"/],
    ['providedBy a string', (i) => { i.layers[0] = { ...i.layers[0], how: 'base', providedBy: 'x' }; delete i.layers[0].patch; }, /layers\[0\]\.providedBy must be an array/],
    ['patch.bases on a base layer', (i) => { i.layers[0].how = 'base'; }, /layers\[0\]\.patch does not belong on a layer whose how is base/],
    ['config.digest naming the patch blob', (i) => { i.images[0].config.digest = i.layers[0].patch.digest; }, /images\[0\]\.config\.digest names a layer's blob, not a config/],
    ['an unknown field', (i) => { i.layers[1].extra = 1; }, /layers\[1\]\.extra is not a field of this format/],
    ['how unknown', (i) => { i.layers[1].how = 'magic'; }, /layers\[1\]\.how must be base, patch or whole/],
    ['a tag a number', (i) => { i.images[0].tags = [7]; }, /images\[0\]\.tags\[0\] must be a string, not 7/],
    ['no images', (i) => { i.images = []; }, /images must list at least one image/],
    ['the index an array', (i) => { i.__replace = true; }, /must be an object, not an array/],
  ];
  for (const [what, edit, pattern] of cases) {
    it(`${what}: one line naming the delta and the field`, async () => {
      const d = await craft((i) => {
        edit(i);
        if (i.__replace) { for (const k of Object.keys(i)) delete i[k]; Object.setPrototypeOf(i, Array.prototype); }
      });
      if (what === 'the index an array') {
        const entries = deltaEntries(d);
        entries[0] = { name: entries[0]!.name, data: Buffer.from('[1,2]') };
        await writeTar(d, entries);
      }
      refusedEverywhere(d, new RegExp(`${d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: stowage-patch\\.json: not a valid stowage patch index: .*${pattern.source}`));
    });
  }
});

describe('class 8: a blob the index does not name', () => {
  it('is refused from its header, before it is spooled', async () => {
    const blob = randomBytes(4096);
    const d = await craft(() => undefined, [{ name: `blobs/sha256/${sha(blob).slice(7)}`, data: blob }]);
    refusedEverywhere(d, /blobs\/sha256\/[0-9a-f]{64} is not named by its stowage-patch\.json; refused/);
  });
});

describe('class 9: index sizes checked', () => {
  const cases: [string, (i: any) => void, RegExp][] = [
    ['patch.size -5', (i) => { i.layers[0].patch.size = -5; }, /layers\[0\]\.patch\.size is -5, outside 1\.\./],
    ['patch.size 2^52', (i) => { i.layers[0].patch.size = 2 ** 52; }, /holds \d+ bytes, and its stowage-patch\.json says 4503599627370496/],
    ['patch.size 1.5', (i) => { i.layers[0].patch.size = 1.5; }, /layers\[0\]\.patch\.size must be a whole number of bytes, not 1\.5/],
    ['config.size -3', (i) => { i.images[0].config.size = -3; }, /images\[0\]\.config\.size is -3, outside 2\.\./],
    ['size a string', (i) => { i.layers[1].size = '10'; }, /layers\[1\]\.size must be a whole number of bytes, not "10"/],
    ['patch.size one off', (i) => { i.layers[1].patch.size += 1; }, /holds \d+ bytes, and its stowage-patch\.json says \d+; the delta is damaged or was altered/],
  ];
  for (const [what, edit, pattern] of cases) {
    it(`${what}: refused in one line by apply, inspect and verify`, async () => {
      refusedEverywhere(await craft(edit), pattern);
    });
  }
});

describe('class 5: --have from a source that never ends', () => {
  // A regular file over the limit was refused from its size; these had no end, and grew to 10 GB in 60 s.
  const cases: [string, string[], { stdinFile?: string; fifo?: boolean }][] = [
    ['check --have /dev/zero', ['check', '{d}', '--have', '/dev/zero'], {}],
    ['check --have - from /dev/zero', ['check', '{d}', '--have', '-'], { stdinFile: '/dev/zero' }],
    ['delta --have /dev/zero', ['delta', '{t}', '--have', '/dev/zero', '-o', '{o}'], {}],
    ['delta --have FIFO', ['delta', '{t}', '--have', '{fifo}', '-o', '{o}'], { fifo: true }],
  ];
  for (const [what, args, o] of cases) {
    it(`${what}: stops reading at the 16 MiB limit, one line, memory bounded`, async () => {
      const fifo = p(`fifo-${what.replace(/\W+/g, '-')}`);
      let feeder: ReturnType<typeof spawn> | undefined;
      if (o.fifo) {
        assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
        feeder = spawn('sh', ['-c', 'cat /dev/zero > "$0" 2>/dev/null', fifo], { stdio: 'ignore' });
      }
      const out = p(`have-out-${what.replace(/\W+/g, '-')}.tar`);
      const m = await measure(args.map((a) => a.replace('{d}', p('d.patch')).replace('{t}', p('target.tar')).replace('{o}', out).replace('{fifo}', fifo)), { timeoutMs: 60_000, ...(o.stdinFile ? { stdinFile: o.stdinFile } : {}) });
      feeder?.kill();
      assert.equal(m.timedOut, false, 'it ended');
      assert.equal(m.status, 1, m.stderr);
      assert.match(oneLineError(m), /: more than 16777216 bytes, over the 16777216-byte limit for a have file$/);
      assert.ok(m.rssMB < 250, `${m.rssMB} MB`);
      assert.equal(existsSync(out), false);
    });
  }
});

describe('class 11: a JSON file that is not JSON is named for what it is', () => {
  const notJson: [string, Buffer, RegExp][] = [
    ['binary', Buffer.from([0x00, 0x01, 0x02, 0x7b, 0x7d]), /not JSON: binary data at byte 0/],
    ['a PNG', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]), /not JSON: a PNG image/],
    ['UTF-16 with a byte order mark', Buffer.from('\ufeff{"schema":"x"}', 'utf16le'), /not JSON: UTF-16 text \(JSON is UTF-8\)/],
    ['UTF-16 without one', Buffer.from('{"schema":"x"}', 'utf16le'), /not JSON: UTF-16 text \(JSON is UTF-8\)/],
    ['a UTF-8 byte order mark', Buffer.from('\ufeff{"schema":"x"}', 'utf8'), /not JSON: it starts with a UTF-8 byte order mark/],
    ['bad syntax with raw bytes', Buffer.from('{"a": \u202e}', 'utf8'), /not JSON: invalid syntax/],
  ];
  const clean = (line: string) => {
    assert.doesNotMatch(line, /[\u0000-\u0008\u000e-\u001f\u007f\u202e\ufeff]/, 'no raw control bytes');
    assert.doesNotMatch(line, /is not valid JSON|"\{/, 'not the engine\'s parser text quoting the input');
  };
  for (const [what, bytes, pattern] of notJson) {
    it(`${what}: as a patch index, a have file and a stowage-delta.json`, async () => {
      const d = p(`nj-${what.replace(/\W+/g, '-')}.patch`);
      const entries = deltaEntries(p('d.patch'));
      entries[0] = { name: entries[0]!.name, data: bytes };
      await writeTar(d, entries);
      clean(refused(['apply', d, '--base', p('base.tar'), '-o', `${d}.tar`], new RegExp(`stowage-patch\\.json: ${pattern.source}.*; a patch delta's index is the JSON`), `${d}.tar`));
      clean(refused(['inspect', d], pattern));
      const h = p(`nj-${what.replace(/\W+/g, '-')}.json`);
      writeFileSync(h, bytes);
      clean(refused(['check', p('d.patch'), '--have', h], new RegExp(`${pattern.source}.*; --have takes the JSON that \`stowage have\` writes`)));
      clean(refused(['delta', p('target.tar'), '--have', h, '-o', `${h}.tar`], pattern, `${h}.tar`));
      const thin = p(`nj-${what.replace(/\W+/g, '-')}-thin.tar`);
      writeFileSync(thin, dockerArchive([{ tar: layerOf({ 'a.txt': 'a\n' }) }], { extra: [entry({ name: 'stowage-delta.json' }, bytes)] }));
      writeFileSync(`${thin}.have.json`, stowage(['have', p('base.tar'), '-o', '-']).stdout);
      clean(refused(['check', thin, '--have', `${thin}.have.json`], new RegExp(`stowage-delta\\.json: ${pattern.source}`)));
    });
  }

  it('a tar given to --have: says it is a tar, and what --have takes', () => {
    const line = refused(['check', p('d.patch'), '--have', p('base.tar')], /base\.tar: not JSON: a tar archive; --have takes the JSON that `stowage have` writes/);
    clean(line);
  });
});

/** Runs `stowage ARGS | head -c N` (or `> /dev/full`) with its own temporary folder; exit status of stowage. */
function piped(args: string[], to: 'head' | 'full', tmp: string, n = 100): { status: number; stderr: string } {
  mkdirSync(tmp, { recursive: true });
  // bash for PIPESTATUS: stowage's status, not head's.
  const r = spawnSync('bash', ['-c', `"$NODE" "$CLI" "$@" 2>"$ERR" ${to === 'head' ? `| head -c ${n} > /dev/null; exit \${PIPESTATUS[0]}` : '> /dev/full'}`, 'bash', ...args], {
    env: { ...process.env, STOWAGE_NO_PROGRESS: '1', STOWAGE_TMPDIR: tmp, NODE: process.execPath, CLI, ERR: `${tmp}.err` },
  });
  return { status: r.status ?? -1, stderr: readFileSync(`${tmp}.err`, 'utf8') };
}

describe('classes 6 and 10: standard output that goes away or fills', () => {
  before(() => {
    assert.equal(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '-o', p('thin.tar')]).status, 0);
  });

  it('apply of a patch delta -o - | head: exit 0, its temporary folder removed (class 6)', () => {
    // The spool's removal had started (and was forgotten) when standard output's error ended the process.
    for (let run = 0; run < 5; run++) {
      const tmp = p(`t6-head-${run}`);
      const r = piped(['apply', p('d.patch'), '--base', p('base.tar'), '-o', '-'], 'head', tmp);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readdirSync(tmp), [], `run ${run}: nothing left in the temporary folder`);
    }
  });

  it('apply of a patch delta -o - > /dev/full: one line, exit 1, its temporary folder removed (class 6)', () => {
    for (let run = 0; run < 3; run++) {
      const tmp = p(`t6-full-${run}`);
      const r = piped(['apply', p('d.patch'), '--base', p('base.tar'), '-o', '-'], 'full', tmp);
      assert.equal(r.status, 1);
      assert.match(oneLineError({ status: 1, stdout: '', stderr: r.stderr }), /^stowage: standard output: no space left on the device \(ENOSPC\)$/);
      assert.deepEqual(readdirSync(tmp), [], `run ${run}: nothing left in the temporary folder`);
    }
  });

  it('delta -o - | head -c 1, thin and --patch: exit 0 (class 10)', () => {
    // A layer no patch shrinks (300 kB, shipped whole) keeps the output bigger than a pipe's buffer, so the reader
    // goes away before the delta ends (the patches of the other two layers are a few kB).
    writeFileSync(p('t10-target.tar'), dockerArchive([{ tar: layerOf(changed('seven')) }, { tar: layerOf(changed('SEVEN')) }, { tar: layerOf({ noise: randomBytes(300_000) }) }], { tag: 'hostile/patch-target:10' }));
    for (let run = 0; run < 4; run++) {
      for (const extra of [[], ['--patch']]) {
        const tmp = p(`t10-delta-${run}-${extra.length}`);
        const r = piped(['delta', p('t10-target.tar'), '--base', p('base.tar'), ...extra, '-o', '-'], 'head', tmp, 1);
        assert.equal(r.status, 0, `run ${run} ${extra.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, '');
        assert.deepEqual(readdirSync(tmp), []);
      }
    }
  });

  it('thin apply -o - | head -c 1: exit 0, not "the reader went away" (class 10)', () => {
    for (let run = 0; run < 6; run++) {
      const tmp = p(`t10-${run}`);
      const r = piped(['apply', p('thin.tar'), '--base', p('base.tar'), '-o', '-'], 'head', tmp, 1);
      assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.deepEqual(readdirSync(tmp), []);
    }
  });
});

describe('class 7: a full temporary folder while a patch delta is spooled', { skip: canUnshare() ? false : 'needs root and unshare -m with mount (a private mount namespace for a small tmpfs); run as root in CI' }, () => {
  it('from standard input: names the temporary folder and says to set STOWAGE_TMPDIR; from a file: needs no temporary copy', () => {
    // A layer of random bytes ships whole: 200 kB to spool, where the folder holds 16 kB.
    writeFileSync(p('noise.tar'), dockerArchive([{ tar: layerOf({ noise: randomBytes(200_000) }) }], { tag: 'hostile/noise:1' }));
    assert.equal(stowage(['delta', p('noise.tar'), '--base', p('base.tar'), '--patch', '-o', p('noise.patch')]).status, 0);
    for (const input of ['file', 'stdin']) {
      const mnt = p(`t7-${input}`);
      mkdirSync(mnt, { recursive: true });
      const cmd = input === 'file' ? '"$NODE" "$CLI" apply "$D" --base "$B" -o "$OUT"' : 'cat "$D" | "$NODE" "$CLI" apply - --base "$B" -o "$OUT"';
      const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=16k tmpfs "$MNT" || exit 99; export STOWAGE_TMPDIR="$MNT"; ${cmd}; rc=$?; ls -A "$MNT" > "$MNT.ls"; exit $rc`], {
        env: { ...process.env, STOWAGE_NO_PROGRESS: '1', MNT: mnt, NODE: process.execPath, CLI, D: p('noise.patch'), B: p('base.tar'), OUT: p(`t7-${input}.tar`) },
      });
      assert.notEqual(r.status, 99, 'mount failed');
      assert.equal(readFileSync(`${mnt}.ls`, 'utf8'), '', 'nothing left on the full folder');
      if (input === 'file') {
        // A delta in a file is read in place: the blobs are proved where they lie, and no temporary copy is made.
        assert.equal(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
        assert.equal(existsSync(p(`t7-${input}.tar`)), true);
        continue;
      }
      assert.equal(r.status, 1, `exit ${r.status}: ${r.stdout}${r.stderr}`);
      const line = oneLineError({ status: 1, stdout: '', stderr: r.stderr.toString() });
      assert.match(line, new RegExp(`^stowage: temporary folder ${mnt}/stowage-apply-\\d+-\\w+ \\(spooling standard input\\): no space left on the device \\(ENOSPC\\); set STOWAGE_TMPDIR to a folder with room$`));
      assert.equal(existsSync(p(`t7-${input}.tar`)), false);
    }
  });
});
