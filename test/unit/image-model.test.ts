/**
 * The image model through the library API, with no peer: the layers a transport builds read and prove their own
 * bytes (stored digest and size, DiffID), and edits return new images without touching the one given.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyEdit, newImage, openSource, withLayers, withTags, writableFrom } from '../../src/index.js';
import { dockerArchive, gz, ociLayout, sha, smallLayer } from '../hostile/craft.js';

const dir = mkdtempSync(join(tmpdir(), 'stowage-model-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe('Layer: bytes read through the transport, checked as they are read', () => {
  it('an OCI layout\'s gzip layer: compressed() gives the blob, uncompressed() the tar, digests() both identities', async () => {
    const l = smallLayer('a.txt', 'alpha\n');
    const stored = gz(l.tar);
    const layout = join(dir, 'good');
    ociLayout(layout, [{ tar: l.tar, stored }]);
    const src = await openSource(`oci:${layout}`);
    try {
      const [layer] = src.layers(src.images[0]!);
      assert.ok(layer);
      assert.equal(layer.digest, sha(stored));
      assert.equal(layer.diffId, sha(l.tar));
      assert.equal(layer.compression, 'gzip');
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
      assert.deepEqual(await collect(layer.compressed()), stored);
      assert.deepEqual(await collect(layer.uncompressed()), l.tar);
      const d = await layer.digests();
      assert.equal(d.digest, sha(stored));
      assert.equal(d.diffId, sha(l.tar));
      assert.equal(d.size, stored.length);
      // The same layer object each time: the source builds them once per image.
      assert.equal(src.layers(src.images[0]!)[0], layer);
    } finally {
      await src.close();
    }
  });

  it('a blob whose bytes differ from its name: compressed() and uncompressed() throw at the end, naming the layer', async () => {
    const l = smallLayer('b.txt', 'bravo\n');
    const layout = join(dir, 'tampered');
    ociLayout(layout, [l]);
    // Same size, other bytes: only a hash can tell.
    const blob = join(layout, 'blobs/sha256', sha(l.tar).slice(7));
    const bytes = readFileSync(blob);
    bytes[600] = bytes[600]! ^ 1;
    writeFileSync(blob, bytes);
    const src = await openSource(`oci:${layout}`);
    try {
      const [layer] = src.layers(src.images[0]!);
      await assert.rejects(collect(layer!.compressed()), /layer 1\/1 .*bytes hash to sha256:[a-f0-9]{64}, expected sha256:/);
      await assert.rejects(collect(layer!.uncompressed()), /bytes hash to .*expected/);
      // Unchecked reads are the writer's: they give the bytes as stored.
      assert.deepEqual(await collect(layer!.compressed({ verify: false })), bytes);
    } finally {
      await src.close();
    }
  });

  it('a legacy docker save: a plain layer\'s digest is its DiffID, its tar is read by offset from the archive', async () => {
    const l = smallLayer('c.txt', 'charlie\n');
    const file = join(dir, 'save.tar');
    writeFileSync(file, dockerArchive([l]));
    const src = await openSource(file);
    try {
      const [layer] = src.layers(src.images[0]!);
      assert.equal(layer!.digest, sha(l.tar));
      const region = await layer!.region();
      assert.ok(region);
      assert.equal(region.file, file);
      assert.deepEqual(readFileSync(file).subarray(region.offset, region.offset + region.size), l.tar);
      const bs = await layer!.tar('test');
      try {
        assert.deepEqual(await bs.read(l.tar.length), l.tar);
      } finally {
        await bs.close();
      }
    } finally {
      await src.close();
    }
  });

  it('a layer a thin archive leaves out says so when read', async () => {
    const l = smallLayer();
    const file = join(dir, 'thin.tar');
    // The manifest names the layer's file, the archive does not hold it (what delta writes for a layer the target has).
    writeFileSync(file, dockerArchive([], { diffIds: [sha(l.tar)], layerNames: [`${sha(l.tar).slice(7)}/layer.tar`] }));
    const src = await openSource(file);
    try {
      const [layer] = src.layers(src.images[0]!);
      assert.equal(layer!.present, false);
      assert.throws(() => layer!.compressed(), /not in the source/);
    } finally {
      await src.close();
    }
  });
});

describe('mutate: edits return new images', () => {
  it('applyEdit changes the config, tags and annotations of a new image and leaves the given one as it was', async () => {
    const l = smallLayer('d.txt', 'delta\n');
    const layout = join(dir, 'edit');
    ociLayout(layout, [l]);
    const src = await openSource(`oci:${layout}`);
    try {
      const img = src.images[0]!;
      const given = writableFrom(src, img);
      const snapshot = { config: Buffer.from(given.config), digest: given.configDigest, manifest: given.manifest?.digest, tags: [...given.tags] };
      const doc = JSON.parse(img.manifest!.bytes.toString('utf8')) as Record<string, unknown>;
      const r = await applyEdit(given, {
        config: [{ kind: 'label', key: 'org.example', value: 'yes' }],
        annotations: [{ kind: 'annotation', key: 'org.example.note', value: 'hi' }],
        tags: { replace: ['example/edited:2'] },
      }, { config: JSON.parse(img.config.bytes.toString('utf8')), sourceTags: img.tags, stored: { doc, mediaType: img.manifest!.mediaType }, now: '2025-01-01T00:00:00Z', canReadLayers: true });
      // The input is untouched.
      assert.deepEqual(given.config, snapshot.config);
      assert.equal(given.configDigest, snapshot.digest);
      assert.equal(given.manifest?.digest, snapshot.manifest);
      assert.deepEqual(given.tags, snapshot.tags);
      // The output's identities are the hashes of its own bytes, and its manifest names its config.
      assert.equal(r.image.configDigest, sha(r.image.config));
      const cfg = JSON.parse(r.image.config.toString('utf8'));
      assert.equal(cfg.config.Labels['org.example'], 'yes');
      assert.equal(cfg.history.at(-1).empty_layer, true);
      assert.ok(r.image.manifest);
      assert.equal(r.image.manifest.digest, sha(r.image.manifest.bytes));
      const m = JSON.parse(r.image.manifest.bytes.toString('utf8'));
      assert.equal(m.config.digest, r.image.configDigest);
      assert.equal(m.config.size, r.image.config.length);
      assert.deepEqual(m.annotations, { 'org.example.note': 'hi' });
      assert.deepEqual(r.image.tags, ['example/edited:2']);
      assert.deepEqual(r.annotations, { before: {}, after: { 'org.example.note': 'hi' } });
    } finally {
      await src.close();
    }
  });

  it('newImage, withLayers and withTags: new objects; a changed image drops the manifest that named the old one', () => {
    const cfg = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } } as never;
    const a = newImage(cfg, []);
    assert.equal(a.configDigest, sha(a.config));
    const withManifest = { ...a, manifest: { bytes: Buffer.from('{}'), digest: sha('{}') as never, mediaType: 'x' } };
    const b = withLayers(withManifest, []);
    assert.notEqual(b, withManifest);
    assert.equal(b.manifest, undefined);
    assert.ok(withManifest.manifest);
    const c = withTags(a, ['t:1']);
    assert.deepEqual(c.tags, ['t:1']);
    assert.deepEqual(a.tags, []);
  });
});
