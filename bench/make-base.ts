/**
 * Makes a base image for the delta bench: the first K layers of an archive's image, with its own config (as if
 * the image had been built on that base). Usage: node dist/bench/make-base.js IN.tar OUT.tar K
 */
import { sha256 } from '../src/oci/digest.js';
import { writableFrom } from '../src/image/writable.js';
import { parseDestSpec, writeImages } from '../src/transports/dest.js';
import { openSource, pickOne } from '../src/transports/open.js';

const [input, output, k] = process.argv.slice(2);
if (!input || !output || !k) {
  console.error('usage: make-base.js IN.tar OUT.tar K');
  process.exit(2);
}
const src = await openSource(input);
const img = pickOne(src);
const w = writableFrom(src, img);
const n = Number(k);
const config = JSON.parse(img.config.bytes.toString('utf8'));
config.rootfs.diff_ids = config.rootfs.diff_ids.slice(0, n);
config.history = (config.history ?? []).slice(0, n);
const bytes = Buffer.from(JSON.stringify(config));
await writeImages(parseDestSpec(output), [{ config: bytes, configDigest: sha256(bytes), tags: ['bench/base:1'], layers: w.layers.slice(0, n) }]);
await src.close();
