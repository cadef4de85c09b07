/**
 * A file written as a part set by the real writer, run as its own process (the full-disk tests run it on a small
 * tmpfs in a private mount namespace): `node split-file.js INPUT OUT PART_SIZE`. Errors as the CLI prints them.
 */
import { createReadStream, statSync } from 'node:fs';
import { StowageError } from '../../src/errors.js';
import { writeParts } from '../../src/parts/index.js';

const [input, out, size] = process.argv.slice(2) as [string, string, string];
try {
  const w = await writeParts(createReadStream(input, { highWaterMark: 1 << 16 }), out, { partSize: Number(size), total: statSync(input).size, setId: `sha256:${'ab'.repeat(32)}` });
  process.stdout.write(`${w.files.join('\n')}\n`);
} catch (e) {
  // Only a StowageError is an expected failure: anything else prints as it is, so the test sees it.
  if (!(e instanceof StowageError)) throw e;
  process.stderr.write(`stowage: ${e.message}\n`);
  process.exit(e.exitCode);
}
