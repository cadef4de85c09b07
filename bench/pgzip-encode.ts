/**
 * bench/recompress.sh's stowage side for pgzip: gzips a file to standard output with the pgzip recipe (klauspost
 * 1.20.0, level 5) as apply does (encodeThreaded: the layer's 1 MiB blocks on several threads), the way
 * test/recipes/go-pgzip/pgzipper.go does with the real pgzip. THREADS 0 is the one-thread encoder (find-recipe's).
 * Usage: node dist/bench/pgzip-encode.js FILE [THREADS]   (default: pgzipThreads(), the cores up to 4)
 */
import { createReadStream } from 'node:fs';
import { encodeByRecipe, parseRecipe } from '../src/compress/recipes/index.js';
import { pgzipThreaded, pgzipThreads } from '../src/compress/recipes/pgzip/threaded.js';

const recipe = parseRecipe({ encoder: 'pgzip', version: '1.20.0', level: 5 }, 'bench');
const threads = process.argv[3] === undefined ? pgzipThreads() : Number(process.argv[3]);
const input = createReadStream(process.argv[2]!, { highWaterMark: 1 << 20 });
const out = threads === 0 ? encodeByRecipe(recipe, input) : pgzipThreaded(input, '1.20.0', 'bench', threads);
for await (const chunk of out) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
