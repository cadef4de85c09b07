/**
 * validate(source): what a writer's output must be, checked from its bytes with node:crypto and node:zlib, not with
 * stowage's own verify (in the spirit of go-containerregistry's validate.Image). For every image: the config hashes
 * to the image ID and lists the layers the image has; a stored manifest hashes to its digest and names that config
 * and each layer's blob by the digest and size its bytes have; every layer's bytes, uncompressed, hash to the
 * config's DiffID. The source is opened through the library only to find the bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { openSource } from '../../src/index.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function hashStream(input: AsyncIterable<Buffer>): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of input) {
    h.update(c);
    size += c.length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

export interface Validated {
  images: { imageId: string; diffIds: string[]; manifestDigest?: string }[];
}

/** Validates every image of `text` (any source name); throws an assertion naming the first fault. */
export async function validate(text: string): Promise<Validated> {
  const src = await openSource(text, { seekable: true });
  try {
    assert.ok(src.images.length > 0, `${text}: no image`);
    const out: Validated = { images: [] };
    for (const img of src.images) {
      const what = `${text} (${img.tags[0] ?? img.config.digest})`;
      assert.equal(sha(img.config.bytes), img.config.digest, `${what}: the config hashes to its image ID`);
      const cfg = JSON.parse(img.config.bytes.toString('utf8'));
      const diffIds: string[] = cfg.rootfs.diff_ids;
      assert.deepEqual(img.layers.map((l) => l.diffId), diffIds, `${what}: the layers are the config's`);
      let manifest: { config: { digest: string }; layers: { digest: string; size: number }[] } | undefined;
      if (img.manifest?.origin === 'archive') {
        assert.equal(sha(img.manifest.bytes), img.manifest.digest, `${what}: the manifest hashes to its digest`);
        manifest = JSON.parse(img.manifest.bytes.toString('utf8'));
        assert.equal(manifest!.config.digest, img.config.digest, `${what}: the manifest names the config`);
        assert.equal(manifest!.layers.length, diffIds.length, `${what}: the manifest names every layer`);
      }
      for (const layer of src.layers(img)) {
        if (!layer.present) continue;
        const i = layer.index;
        const stored = await hashStream(layer.compressed({ verify: false }));
        if (manifest) {
          assert.equal(stored.digest, manifest.layers[i]!.digest, `${what}: layer ${i + 1} is the blob its manifest names`);
          assert.equal(stored.size, manifest.layers[i]!.size, `${what}: layer ${i + 1} has the size its manifest says`);
        }
        let tar: AsyncIterable<Buffer>;
        if (layer.compression === 'none') tar = layer.compressed({ verify: false });
        else if (layer.compression === 'gzip') tar = Readable.from(layer.compressed({ verify: false })).pipe(createGunzip());
        else continue; // zstd: node:zlib has no zstd on every Node line; stowage's own verify covers it
        assert.equal((await hashStream(tar)).digest, diffIds[i], `${what}: layer ${i + 1} uncompressed is its DiffID`);
      }
      out.images.push({ imageId: img.config.digest, diffIds, ...(manifest ? { manifestDigest: img.manifest!.digest } : {}) });
    }
    return out;
  } finally {
    await src.close();
  }
}
