/**
 * bench/recompress.sh's stowage side: gzips a file to standard output with the go-flate recipe at a level, the way
 * the Go reference (test/recipes/go/gzipper.go) does with Go's compress/gzip.
 * Usage: node dist/bench/recompress-encode.js FILE LEVEL [VERSION]   (VERSION: 1.8-1.26, the default, or 1.27)
 */
import { createReadStream } from 'node:fs';
import { encodeByRecipe, parseRecipe } from '../src/compress/recipes/index.js';

const [file, level, version = '1.8-1.26'] = process.argv.slice(2);
const recipe = parseRecipe({ encoder: 'go-flate', version, level: Number(level) }, 'bench');
for await (const chunk of encodeByRecipe(recipe, createReadStream(file, { highWaterMark: 1 << 20 }))) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
