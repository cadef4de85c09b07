/**
 * Makes an image for the patch bench without an engine: a base image's layers plus one plain tar as a new top layer,
 * as `FROM base` + `COPY` would (bench/patch-pairs.sh builds the app pair with it when no dockerd is at hand).
 * Usage: node dist/bench/stack-layer.js BASE.tar LAYER.tar OUT.tar NAME:TAG
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { sha256, type Digest } from '../src/oci/digest.js';
import { writableFrom, type WritableLayer } from '../src/image/writable.js';
import { parseDestSpec, writeImages } from '../src/transports/dest.js';
import { openSource, pickOne } from '../src/transports/open.js';

const [base, layerTar, output, tag] = process.argv.slice(2);
if (!base || !layerTar || !output || !tag) {
  console.error('usage: stack-layer.js BASE.tar LAYER.tar OUT.tar NAME:TAG');
  process.exit(2);
}
const h = createHash('sha256');
for await (const c of createReadStream(layerTar)) h.update(c as Buffer);
const diffId = `sha256:${h.digest('hex')}` as Digest;
const size = (await stat(layerTar)).size;
const src = await openSource(base);
const img = pickOne(src);
const w = writableFrom(src, img);
const config = JSON.parse(img.config.bytes.toString('utf8'));
config.rootfs.diff_ids = [...config.rootfs.diff_ids, diffId];
config.history = [...(config.history ?? []), { created: '2026-12-01T00:00:00Z', created_by: `COPY ${layerTar}` }];
const bytes = Buffer.from(JSON.stringify(config));
const top: WritableLayer = { diffId, size, compression: 'none', digest: diffId, open: () => createReadStream(layerTar) };
await writeImages(parseDestSpec(output), [{ config: bytes, configDigest: sha256(bytes), tags: [tag], layers: [...w.layers, top] }]);
await src.close();
