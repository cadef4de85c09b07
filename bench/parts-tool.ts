/**
 * The part writer and reader as commands, for bench/parts.sh (no CLI command writes parts yet: `bundle` will):
 *   node dist/bench/parts-tool.js split INPUT OUT PART_SIZE   writes OUT.001 ... (hashed as written, fsynced)
 *   node dist/bench/parts-tool.js cat DIR                      the payload on standard output, every part proved
 *   node dist/bench/parts-tool.js sum DIR                      sha256 of the payload read back, every part proved
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { openPartSet, parsePartSize, writeParts } from '../src/parts/index.js';

const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'split') {
  await writeParts(createReadStream(a!, { highWaterMark: 1 << 20 }), b!, { partSize: parsePartSize(c!), total: statSync(a!).size, setId: `sha256:${'cd'.repeat(32)}` });
} else if (cmd === 'cat' || cmd === 'sum') {
  const set = await openPartSet([a!]);
  const h = createHash('sha256');
  for await (const chunk of set.payload()) {
    if (cmd === 'sum') h.update(chunk);
    else if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  if (cmd === 'sum') process.stdout.write(`${h.digest('hex')}\n`);
} else {
  process.stderr.write('usage: parts-tool.js split INPUT OUT PART_SIZE | cat DIR | sum DIR\n');
  process.exit(2);
}
