/**
 * delta, have, check and apply on the bundled examples (real docker saves), without an engine: what goes in the
 * thin archive, the one-pass stream path, and the round trip through apply.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { corruptFirstLayer } from '../helpers/corrupt.js';

const dir = scratch('stowage-delta-files-');
const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');
const out = (n: string) => join(dir, n);
const inspect = (p: string) => json(stowage(['inspect', '--json', p])).images[0];

describe('delta on files', () => {
  let app1: any;
  let app2: any;
  let shared: any[];
  before(() => {
    app1 = inspect(APP1);
    app2 = inspect(APP2);
    shared = app2.layers.filter((l: any) => app1.layers.some((b: any) => b.chainId === l.chainId));
  });

  it('keeps only the layers whose ChainID the base lacks, and lists every layer in manifest.json', () => {
    const r = stowage(['delta', APP2, '--base', APP1, '-o', out('d.tar'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.omitted.layers, shared.length);
    const d = inspect(out('d.tar'));
    assert.equal(d.imageId, app2.imageId);
    assert.deepEqual(d.layers.map((l: any) => l.present), app2.layers.map((l: any) => !shared.some((s: any) => s.chainId === l.chainId)));
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', out('d.tar'), 'manifest.json']).toString());
    assert.equal(manifest[0].Layers.length, app2.layers.length);
    const meta = JSON.parse(execFileSync('tar', ['-xOf', out('d.tar'), 'stowage-delta.json']).toString());
    assert.deepEqual(meta.requires.map((x: any) => x.chainId), shared.map((l: any) => l.chainId));
    assert.deepEqual(meta.requires[0].providedBy, ['stowage-example/app:1']);
    const layerBytes = d.layers.filter((l: any) => l.present).reduce((a: number, l: any) => a + l.blob.size, 0);
    assert.ok(statSync(out('d.tar')).size - layerBytes < 64 * 1024);
  });

  it('verify accepts the layers the thin archive declares absent, and nothing else', () => {
    assert.equal(stowage(['verify', out('d.tar')]).status, 0);
    const stripped = out('no-meta.tar');
    const x = out('x');
    execFileSync('mkdir', ['-p', x]);
    execFileSync('tar', ['-C', x, '-xf', out('d.tar')]);
    execFileSync('rm', [join(x, 'stowage-delta.json')]);
    execFileSync('tar', ['-C', x, '-cf', stripped, '.']);
    const v = stowage(['verify', stripped]);
    assert.equal(v.status, 1);
    assert.match(v.stdout, /not in the source/);
  });

  it('from standard input, in one pass: the same layers go in, and nothing is spooled for base layers', async () => {
    const have = out('have.json');
    assert.equal(stowage(['have', APP1, '-o', have, '-q']).status, 0);
    const r = await stowagePiped(['delta', '-', '--have', have, '-o', out('ds.tar'), '--json'], APP2);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).spooledBytes, 0);
    const d = inspect(out('ds.tar'));
    assert.equal(d.imageId, app2.imageId);
    assert.deepEqual(d.layers.map((l: any) => l.present), inspect(out('d.tar')).layers.map((l: any) => l.present));
    assert.equal(stowage(['verify', out('ds.tar')]).status, 0);
  });

  it('streams a Docker 25 layout in one pass too: by default a Docker 25+ thin archive (index.json too), with --layout legacy manifest.json only', async () => {
    assert.equal(stowage(['copy', '-q', '--layout', 'oci', APP2, out('app2-d25.tar')]).status, 0);
    const r = await stowagePiped(['delta', '-', '--base', APP1, '-o', out('d25-delta.tar'), '--json'], out('app2-d25.tar'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).spooledBytes, 0, 'blobs named by digest go straight through');
    const names = execFileSync('tar', ['-tf', out('d25-delta.tar')]).toString().split('\n');
    assert.ok(names.includes('manifest.json') && names.includes('index.json') && names.includes('oci-layout'));
    assert.equal(inspect(out('d25-delta.tar')).imageId, app2.imageId);
    assert.equal(stowage(['verify', out('d25-delta.tar')]).status, 0);
    // The same bytes as the delta made from the file, but for the order of the entries: the same manifest.
    const fromFile = out('d25-file-delta.tar');
    assert.equal(stowage(['delta', out('app2-d25.tar'), '--base', APP1, '-o', fromFile, '-q']).status, 0);
    assert.equal(inspect(out('d25-delta.tar')).manifest.digest, inspect(fromFile).manifest.digest);
    const legacy = await stowagePiped(['delta', '-', '--base', APP1, '--layout', 'legacy', '-o', out('d25-legacy.tar')], out('app2-d25.tar'));
    assert.equal(legacy.status, 0, legacy.stderr);
    const lnames = execFileSync('tar', ['-tf', out('d25-legacy.tar')]).toString().split('\n');
    assert.ok(lnames.includes('manifest.json'));
    assert.ok(!lnames.includes('index.json') && !lnames.includes('oci-layout'));
    assert.equal(stowage(['verify', out('d25-legacy.tar')]).status, 0);
  });

  it('check against a have file: OK with the base, names the missing layers and who provides them without', () => {
    const have = out('have.json');
    const ok = stowage(['check', out('d.tar'), '--have', have]);
    assert.equal(ok.status, 0, ok.stdout);
    const empty = out('have-none.json');
    writeFileSync(empty, JSON.stringify({ schema: 'stowage.have/v1', created: '', sources: [], images: [] }));
    const bad = stowage(['check', out('d.tar'), '--have', empty]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /MISSING[^:]*: neither in the delta nor on the target; stowage-example\/app:1 provides it/);
  });

  it('apply rebuilds the same image (same ID, every DiffID verified) as a docker archive and an OCI layout', () => {
    const r = stowage(['apply', out('d.tar'), '--base', APP1, '-o', out('full.tar')]);
    assert.equal(r.status, 0, r.stderr);
    const full = inspect(out('full.tar'));
    assert.equal(full.imageId, app2.imageId);
    assert.ok(full.layers.every((l: any) => l.present));
    assert.equal(stowage(['verify', out('full.tar')]).status, 0);
    assert.equal(stowage(['apply', out('d.tar'), '--base', APP1, '-o', `oci:${out('full-layout')}`, '-q']).status, 0);
    assert.equal(stowage(['verify', out('full-layout')]).status, 0);
    const piped = stowage(['apply', out('d.tar'), '--base', APP1, '-o', '-', '-q']);
    assert.equal(piped.status, 0);
  });

  it('a layer that fails its DiffID stops the delta; --no-verify copies it as it is (docker load would refuse it)', async () => {
    const bad = await corruptFirstLayer(APP2, out('corrupt.tar'));
    const r = stowage(['delta', bad, '--have', out('have-none.json'), '-o', out('from-corrupt.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /DiffID is sha256:[0-9a-f]{64}, but the config says/);
    const n = stowage(['delta', bad, '--have', out('have-none.json'), '-o', out('from-corrupt.tar'), '--no-verify', '-q']);
    assert.equal(n.status, 0, n.stderr);
    assert.equal(stowage(['verify', '-q', out('from-corrupt.tar')]).status, 1, 'copied verbatim, so verify finds the damage');
  });

  it('refuses usage mistakes clearly', () => {
    const noBase = stowage(['delta', APP2, '-o', out('x.tar')]);
    assert.equal(noBase.status, 2);
    assert.match(oneLineError(noBase), /delta needs --base SOURCE or --have FILE/);
    const noOut = stowage(['delta', APP2, '--base', APP1]);
    assert.equal(noOut.status, 2);
    const badHave = out('bad.json');
    writeFileSync(badHave, '[{"Id": 3}]');
    const h = stowage(['delta', APP2, '--have', badHave, '-o', out('y.tar')]);
    assert.equal(h.status, 1);
    assert.match(oneLineError(h), /not a have file/);
    const inspectJson = out('inspect.json');
    writeFileSync(inspectJson, JSON.stringify([{ Id: app1.imageId, RepoTags: ['stowage-example/app:1'], RootFS: { Type: 'layers', Layers: app1.layers.map((l: any) => l.diffId) } }]));
    assert.equal(stowage(['delta', APP2, '--have', inspectJson, '-o', out('z.tar'), '-q']).status, 0);
    assert.deepEqual(readFileSync(out('z.tar')).length, readFileSync(out('d.tar')).length);
  });
});
