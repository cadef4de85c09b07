// stowage as a library: open an image, read its identities, write it elsewhere, prove what was written.
// Run from the repository after `npm run build`: node examples/library.mjs OUT_DIR
import { copyImages, openSource, pickOne, verify } from 'stowage';

const out = process.argv[2] ?? '/tmp/stowage-library-example';
const src = await openSource('examples/app-2.tar');
try {
  const img = pickOne(src);
  console.log(`image ${img.tags.join(', ')}: ID ${img.config.digest}, ${img.layers.length} layers`);
  for (const l of img.layers) console.log(`  layer ${l.index + 1}: DiffID ${l.diffId}, ChainID ${l.chainId}`);
} finally {
  await src.close();
}
// Every write goes through one pipeline: staged, every layer proved, then committed.
const copied = await copyImages('examples/app-2.tar', `oci:${out}:2`);
console.log(`copied ${copied.layersWritten} layers, ${copied.bytes} bytes`);
const layout = await openSource(`oci:${out}:2`);
try {
  console.log(`verify: ${(await verify(layout)).ok ? 'OK' : 'FAILED'}`);
} finally {
  await layout.close();
}
