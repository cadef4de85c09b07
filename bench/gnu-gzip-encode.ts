/**
 * bench/gnu-gzip.sh's stowage side: gzips a file to standard output with the gnu-gzip recipe at a level, as
 * `gzip -LEVEL -n -c FILE` does.
 * Usage: node dist/bench/gnu-gzip-encode.js FILE LEVEL
 */
import { createReadStream } from 'node:fs';
import { encodeByRecipe, parseRecipe } from '../src/compress/recipes/index.js';

const [file, level] = process.argv.slice(2);
const recipe = parseRecipe({ encoder: 'gnu-gzip', version: '1.12', level: Number(level) }, 'bench');
for await (const chunk of encodeByRecipe(recipe, createReadStream(file, { highWaterMark: 1 << 20 }))) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
