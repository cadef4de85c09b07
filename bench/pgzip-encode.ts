/**
 * bench/recompress.sh's stowage side for pgzip: gzips a file to standard output with the pgzip recipe (klauspost
 * 1.20.0, level 5), the way test/recipes/go-pgzip/pgzipper.go does with the real pgzip.
 * Usage: node dist/bench/pgzip-encode.js FILE
 */
import { createReadStream } from 'node:fs';
import { encodeByRecipe, parseRecipe } from '../src/compress/recipes/index.js';

const recipe = parseRecipe({ encoder: 'pgzip', version: '1.20.0', level: 5 }, 'bench');
for await (const chunk of encodeByRecipe(recipe, createReadStream(process.argv[2]!, { highWaterMark: 1 << 20 }))) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
