/**
 * Hostile image structure (issue 15, defects 3, 5 and 10): index bombs, layers whose bytes do not match their
 * DiffID or descriptor, and one layer named thousands of times. Inputs are made here, small.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scratch } from '../helpers/paths.js';
import { END, dockerArchive, entry, gz, ociLayout, sha, smallLayer, type Layer } from './craft.js';
import { bounded, measure, refused } from './measure.js';

const tmp = scratch('stowage-hostile-img-');
let n = 0;
const path = (ext = '') => join(tmp, `p${++n}${ext}`);
const put = (b: Buffer) => {
  const p = path('.tar');
  writeFileSync(p, b);
  return p;
};

const INDEX = 'application/vnd.oci.image.index.v1+json';

describe('index bombs (defect 3)', () => {
  it('7 nested indexes each naming the next 10 times: each index read once, in bounds', async () => {
    const dir = path();
    const { manifest } = ociLayout(dir, [smallLayer()]);
    const m = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests[0];
    // index 7 names the manifest 10 times; index k names index k+1 10 times; index.json names index 1 10 times.
    let child = m;
    for (let level = 7; level >= 1; level--) {
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: Array(10).fill(child) }));
      const d = sha(body);
      writeFileSync(join(dir, 'blobs/sha256', d.slice(7)), body);
      child = { mediaType: INDEX, digest: d, size: body.length };
    }
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: Array(10).fill(child) }));
    assert.ok(manifest);
    for (const args of [['inspect', `oci:${dir}`, '--json'], ['verify', `oci:${dir}`, '--json'], ['copy', `oci:${dir}`, `oci-archive:${path('.tar')}`]]) {
      const r = await measure(args, { timeoutMs: 60_000 });
      assert.equal(r.timedOut, false, `${args[0]} ran away (${r.rssMB} MB)`);
      assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
      bounded(r, args[0]!);
      if (args[0] === 'inspect') assert.equal(JSON.parse(r.stdout).images.length, 10, 'the innermost index names the image 10 times');
    }
  });

  it('an index naming more than 10,000 manifests is refused in one line', async () => {
    const dir = path();
    ociLayout(dir, [smallLayer()], { index: (md) => JSON.stringify({ schemaVersion: 2, manifests: Array(10_001).fill(md) }) });
    const r = await measure(['inspect', `oci:${dir}`]);
    assert.match(refused(r), /more than 10000 manifests/);
  });
});

/** A gzip layer whose content is not what the config's DiffID says (the blob digest is right). */
function lyingLayer(): { layer: Layer; diffIds: string[] } {
  const real = smallLayer('a.txt', 'what is stored\n');
  const claimed = smallLayer('a.txt', 'what the config says\n');
  return { layer: { tar: real.tar, stored: gz(real.tar) }, diffIds: [sha(claimed.tar)] };
}

describe('every command that reads a layer proves it (defect 5)', () => {
  it('a gzip layer that does not match its DiffID: copy, edit, export and squash refuse and write nothing', async () => {
    const { layer, diffIds } = lyingLayer();
    const dir = path();
    ociLayout(dir, [layer], { diffIds });
    const archive = put(dockerArchive([layer], { diffIds }));
    for (const src of [`oci:${dir}`, archive]) {
      const outs = [`oci:${path()}`, `oci-archive:${path('.tar')}`, path('.tar')];
      const cmds = [
        ...outs.map((o) => ['copy', src, o]),
        ['copy', '--layout', 'oci', src, path('.tar')],
        ['edit', src, '-o', `oci:${path()}`, '--label', 'a=b'],
        ['edit', src, '-o', path('.tar'), '--label', 'a=b'],
        ['export', src, '-o', path('.tar')],
        ['squash', src, '-o', path('.tar')],
      ];
      for (const args of cmds) {
        const r = await measure(args);
        assert.match(refused(r), /DiffID/, `${args.join(' ')}: ${r.stderr}`);
        const out = args[args.indexOf('-o') + 1] ?? args[args.length - 1]!;
        assert.equal(existsSync(out.replace(/^(oci|oci-archive):/, '')), false, `${args.join(' ')}: nothing under ${out}`);
      }
    }
    // --no-verify says otherwise: the copy goes through as it is.
    const r = await measure(['copy', '--no-verify', `oci:${dir}`, `oci:${path()}`]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('a descriptor that lies about the size of its blob is refused, not copied as is', async () => {
    const big = smallLayer('big.bin', 'x'.repeat(10_000));
    const dir = path();
    ociLayout(dir, [big], { sizes: [10] });
    for (const args of [['copy', `oci:${dir}`, `oci:${path()}`], ['copy', '--no-verify', `oci:${dir}`, path('.tar')], ['export', `oci:${dir}`, '-o', path('.tar')]]) {
      const r = await measure(args);
      assert.match(refused(r), /10 bytes|says 10/, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('squash of an archive with a tampered layer is refused (it used to write an image verify called OK)', async () => {
    const good = smallLayer('etc/app.conf', 'safe=1\n');
    const evil = Buffer.concat([entry({ name: 'etc/app.conf' }, 'safe=0\n'), END]);
    const archive = put(dockerArchive([{ tar: good.tar, stored: evil }], { diffIds: [sha(good.tar)] }));
    const out = path('.tar');
    const r = await measure(['squash', archive, '-o', out]);
    assert.match(refused(r), /DiffID/);
    assert.equal(existsSync(out), false);
  });
});

describe('amplification: one layer named thousands of times (defect 10)', () => {
  it('verify hashes each distinct file once; copy writes it once', async () => {
    const data = Buffer.alloc(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    const layer = smallLayer('blob.bin', data.toString('latin1'));
    const name = sha(layer.tar).slice(7) + '/layer.tar';
    const times = 3000;
    const archive = put(dockerArchive([layer], { diffIds: Array(times).fill(sha(layer.tar)), layerNames: Array(times).fill(name) }));
    assert.ok(statSync(archive).size < 3 << 20);
    const v = await measure(['verify', archive, '--json'], { timeoutMs: 60_000 });
    assert.equal(v.status, 0, v.stderr);
    bounded(v, 'verify');
    const report = JSON.parse(v.stdout);
    assert.ok(report.bytesHashed < 3 << 20, `hashed ${report.bytesHashed} bytes`);
    assert.equal(report.layersHashed, 1);
    for (const dest of [path('.tar'), `oci:${path()}`, `oci-archive:${path('.tar')}`]) {
      const r = await measure(['copy', archive, dest], { timeoutMs: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      bounded(r, `copy to ${dest}`);
      const p = dest.replace(/^(oci|oci-archive):/, '');
      if (!dest.startsWith('oci:')) assert.ok(statSync(p).size < 16 << 20, `${dest}: ${statSync(p).size} bytes`);
    }
    const e = await measure(['export', archive, '-o', path('.tar')], { timeoutMs: 60_000 });
    assert.equal(e.status, 0, e.stderr);
    bounded(e, 'export');
  });
});
